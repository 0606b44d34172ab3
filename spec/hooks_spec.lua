-- Handshake hooks against real peers: SNI, ALPN, NPN, PSK, OCSP, keylog,
-- renegotiation, and what a finished handshake can tell.
local tls = require('tls')
local fs = require('fs')

local C = H.cert
local CA = C('ca-cert.pem')
local WRONG = { key = C('wronghost-key.pem'), cert = C('wronghost-cert.pem') }

-- a server with the test certificate plus extra options; ready(server, port)
local serve = H.serve

-- one client connection; done_cb(result) on close
local function client(port, options, done_cb)
  local r = {}
  local o = { port = port, host = '127.0.0.1', ca = CA }
  for k, v in pairs(options or {}) do o[k] = v end
  local c
  c = tls.connect(o, function()
    local cert = c:getPeerCertificate()
    r.authorized, r.cn, r.alpn, r.npn = c.authorized, cert.subject and cert.subject.CN, c.alpnProtocol, c.npnProtocol
    r.protocol, r.cipher = c:getProtocol(), c:getCipher().name
    if o.after then o.after(c, r) end
    if not o.keep then c:_end() end
  end)
  c:on('data', function(d) r.data = (r.data or '') .. d end)
  c:on('error', function(e) r.error = e end)
  c:on('close', function() done_cb(r) end)
  return c
end

-- runs an openssl command with input lines; on_close(code, out)
local function openssl(args, input, on_close)
  local child = H.spawn('openssl', args, on_close)
  child.stdin:_end(input or '')
  return child
end

describe('SNI', function()
  it('addContext: openssl s_client -servername picks the certificate; wildcards; later entries win', function()
    local outs = {}
    H.run(15000, function(done)
      serve({}, nil, function(server, port)
        server:addContext('wrong.example', WRONG)
        server:addContext('*.sni.test', WRONG)
        server:addContext('late.sni.test', tls.createSecureContext(H.tls_options()))
        local names = { 'wrong.example', 'localhost', 'a.sni.test', 'a.b.sni.test', 'late.sni.test' }
        local function next_name(i)
          if i > #names then return server:close(done) end
          openssl({ 's_client', '-connect', '127.0.0.1:' .. port, '-servername', names[i] }, '', function(_, out)
            outs[names[i]] = out:match('subject=[^\n]*CN%s*=%s*([%w%.]+)')
            next_name(i + 1)
          end)
        end
        next_name(1)
      end)
    end)
    assert.same({ ['wrong.example'] = 'wrong.example', localhost = 'localhost', ['a.sni.test'] = 'wrong.example',
      ['a.b.sni.test'] = 'localhost', ['late.sni.test'] = 'localhost' }, outs)
  end)

  it('an asynchronous SNICallback answering 50 ms later serves 100 handshakes in flight, each the right certificate', function()
    local results, wrong_ctx = {}, tls.createSecureContext(WRONG)
    H.run(20000, function(done)
      serve({ SNICallback = function(name, cb)
        setTimeout(function() cb(nil, name == 'wrong.example' and wrong_ctx or nil) end, 50)
      end }, function(s) s:_end(s.servername) end, function(server, port)
        local all_done = H.countdown(100, function() server:close(done) end)
        for i = 1, 100 do
          local name = i % 2 == 0 and 'wrong.example' or 'localhost'
          client(port, { servername = name }, function(r)
            results[#results + 1] = { name, r.cn, r.authorized, r.data }
            all_done()
          end)
        end
      end)
    end)
    assert.equal(100, #results)
    for _, r in ipairs(results) do
      assert.same({ r[1], r[1], true, r[1] }, r)
    end
  end)

  it('SNICallback errors, throws, answers twice or never: that handshake fails, the server goes on', function()
    local errs, late, good = {}, nil, nil
    H.run(10000, function(done)
      local pending
      local server = serve({ handshakeTimeout = H.ms(200), SNICallback = function(name, cb)
        if name == 'err.test' then cb(require('luatls.errors').new('ENOCERT', 'no certificate for ' .. name))
        elseif name == 'throw.test' then error('SNICallback broke')
        elseif name == 'never.test' then pending = cb
        elseif name == 'twice.test' then cb(nil, nil); late = cb(nil, nil)
        else cb(nil, nil) end
      end }, nil, function(server, port)
        local names = { 'err.test', 'throw.test', 'never.test', 'twice.test' }
        local function step(i)
          if i > #names then
            return client(port, { servername = 'localhost' }, function(r)
              good = r.cn
              errs.after_close = pending and pending(nil, nil)
              server:close(done)
            end)
          end
          client(port, { servername = names[i] }, function() step(i + 1) end)
        end
        step(1)
      end)
      server:on('tlsClientError', function(e) errs[#errs + 1] = e.code or e.message end)
    end)
    assert.equal('ENOCERT', errs[1])
    assert.matches('SNICallback broke', errs[2])
    assert.equal('ERR_TLS_HANDSHAKE_TIMEOUT', errs[3])
    assert.equal('ERR_MULTIPLE_CALLBACK', late.code)
    assert.equal('ERR_SOCKET_CLOSED', errs.after_close.code)
    assert.equal('localhost', good)
  end)

  it('Node clients get the certificate their servername asks for', function()
    local out
    H.run(15000, function(done)
      serve({}, nil, function(server, port)
        server:addContext('wrong.example', WRONG)
        H.spawn('node', { '-e', [[
          const tls = require('tls'), fs = require('fs');
          const s = tls.connect({ port: +process.argv[1], host: '127.0.0.1', servername: 'wrong.example',
            ca: fs.readFileSync('certs/ca-cert.pem') }, () => { console.log(s.getPeerCertificate().subject.CN, s.authorized); s.end(); });
          s.on('data', () => {});]], tostring(port) }, function(_, o) out = o; server:close(done) end)
      end)
    end)
    assert.equal('wrong.example true\n', out)
  end)
end)

describe('ALPN and NPN', function()
  it('luatls to luatls: the server picks by its order; no overlap fails with Node\'s code', function()
    local r1, r2, r3, server_alpn
    H.run(10000, function(done)
      serve({ ALPNProtocols = { 'h2', 'http/1.1' } }, function(s) server_alpn = server_alpn or s.alpnProtocol; s:_end() end,
        function(server, port)
          client(port, { ALPNProtocols = { 'http/1.1', 'h2' } }, function(r)
            r1 = r
            client(port, { ALPNProtocols = { 'spdy/3' } }, function(x)
              r2 = x
              client(port, {}, function(y) r3 = y; server:close(done) end)
            end)
          end)
        end)
    end)
    assert.equal('h2', r1.alpn)
    assert.equal('h2', server_alpn)
    assert.equal('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', r2.error.code)
    assert.is_false(r3.alpn)
    assert.equal('\2h2\8http/1.1', tls.convertALPNProtocols({ 'h2', 'http/1.1' }))
  end)

  it('ALPNCallback chooses, refuses, or fails the handshake when it throws', function()
    local seen, results, errs = {}, {}, {}
    H.run(10000, function(done)
      local server = serve({ ALPNCallback = function(info)
        seen[#seen + 1] = info.servername .. ':' .. table.concat(info.protocols, ',')
        if info.protocols[1] == 'refuse' then return nil end
        if info.protocols[1] == 'throw' then error('ALPNCallback broke') end
        return info.protocols[#info.protocols]
      end }, nil, function(server, port)
        local lists = { { 'a', 'b' }, { 'refuse' }, { 'throw' } }
        local function step(i)
          if i > #lists then return server:close(done) end
          client(port, { servername = 'localhost', ALPNProtocols = lists[i] }, function(r)
            results[i] = r.alpn or (r.error and r.error.code)
            step(i + 1)
          end)
        end
        step(1)
      end)
      server:on('tlsClientError', function(e) errs[#errs + 1] = e.message end)
    end)
    assert.same({ 'localhost:a,b', 'localhost:refuse', 'localhost:throw' }, seen)
    assert.same({ 'b', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' }, results)
    assert.matches('ALPNCallback broke', errs[#errs])
  end)

  it('openssl s_client -alpn and Node both ways agree on the protocol', function()
    local sclient, node_client, node_server
    H.run(20000, function(done)
      serve({ ALPNProtocols = { 'h2', 'http/1.1' } }, nil, function(server, port)
        openssl({ 's_client', '-connect', '127.0.0.1:' .. port, '-alpn', 'http/1.1' }, '', function(_, out)
          sclient = out:match('ALPN protocol: (%S+)')
          H.spawn('node', { '-e', [[
            const tls = require('tls'), fs = require('fs');
            const s = tls.connect({ port: +process.argv[1], host: '127.0.0.1', servername: 'localhost', ALPNProtocols: ['h2'],
              ca: fs.readFileSync('certs/ca-cert.pem') }, () => { console.log(s.alpnProtocol); s.end(); });
            s.on('data', () => {});]], tostring(port) }, function(code, o, err)
            assert.equal(0, code, err)
            node_client = o
            server:close()
            local node = H.spawn('node', { '-e', [[
              const tls = require('tls'), fs = require('fs');
              const srv = tls.createServer({ key: fs.readFileSync('certs/server-key.pem'),
                cert: fs.readFileSync('certs/server-cert.pem'), ALPNProtocols: ['h2', 'http/1.1'] },
                (s) => { s.end(); srv.close(); });
              srv.listen(0, '127.0.0.1', () => console.log('PORT ' + srv.address().port));]] }, function() done() end)
            node.stdout:on('data', function(d)
              local p = d:match('PORT (%d+)')
              if p then
                client(tonumber(p), { servername = 'localhost', ALPNProtocols = { 'http/1.1' } }, function(r)
                  node_server = r.alpn
                end)
              end
            end)
          end)
        end)
      end)
    end)
    assert.equal('http/1.1', sclient)
    assert.equal('h2\n', node_client)
    assert.equal('http/1.1', node_server)
  end)

  it('NPN on TLS 1.2', function()
    local r, server_npn
    H.run(10000, function(done)
      serve({ NPNProtocols = { 'spdy/3', 'http/1.1' }, maxVersion = 'TLSv1.2' },
        function(s) server_npn = s.npnProtocol; s:_end() end, function(server, port)
          client(port, { NPNProtocols = { 'http/1.1' } }, function(res) r = res; server:close(done) end)
        end)
    end)
    assert.equal('http/1.1', r.npn)
    assert.equal('http/1.1', server_npn)
  end)
end)

describe('PSK', function()
  local KEY = string.rep('\x0b', 32)
  local HEX = string.rep('0b', 32)
  local function psk_server(extra)
    local o = { pskIdentityHint = 'luatls-hint', pskCallback = function(_, id)
      if id == 'throw' then error('pskCallback broke') end
      if id == 'alice' then return KEY end
    end }
    for k, v in pairs(extra) do o[k] = v end
    return o
  end

  for _, v in ipairs({ { 'TLSv1.2', 'PSK-AES128-GCM-SHA256' }, { 'TLSv1.3', 'TLS_AES_128_GCM_SHA256' } }) do
    it('luatls to luatls over ' .. v[1] .. ': identity, hint, and failures', function()
      local hints, results, errs = {}, {}, {}
      local cipher = { ciphers = v[2], minVersion = v[1], maxVersion = v[1] }
      H.run(10000, function(done)
        local server = tls.createServer((function()
          local o = psk_server(cipher)
          return o
        end)(), function(s) s:_end('hello ' .. s:getCipher().name) end)
        server:on('tlsClientError', function(e) errs[#errs + 1] = e.message end)
        server:listen(0, '127.0.0.1', function()
          local port = server:address().port
          local ids = { 'alice', 'mallory', 'throw' }
          local function step(i)
            if i > #ids then return server:close(done) end
            local o = { ca = false, pskCallback = function(hint)
              hints[#hints + 1] = hint or 'none'
              return { psk = KEY, identity = ids[i] }
            end }
            for k, val in pairs(cipher) do o[k] = val end
            o.ca = nil
            client(port, o, function(r) results[i] = r.data or (r.error and r.error.code) or 'closed'; step(i + 1) end)
          end
          step(1)
        end)
      end)
      assert.equal('hello ' .. v[2], results[1])
      assert.not_equal(results[1], results[2])
      assert.not_equal(results[1], results[3])
      assert.equal(v[1] == 'TLSv1.2' and 'luatls-hint' or 'none', hints[1])
      assert.matches('pskCallback broke', errs[#errs])
    end)
  end

  it('openssl s_client -psk to luatls, and luatls to openssl s_server -psk', function()
    local sclient, sserver
    H.run(15000, function(done)
      local server = tls.createServer(psk_server({ ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' }),
        function(s) s:_end('psk ok\n') end)
      server:listen(0, '127.0.0.1', function()
        openssl({ 's_client', '-connect', '127.0.0.1:' .. server:address().port, '-tls1_2', '-psk', HEX,
          '-psk_identity', 'alice', '-cipher', 'PSK-AES128-GCM-SHA256', '-ign_eof' }, '', function(_, out)
          sclient = out:match('psk ok') and out:match('Cipher is (%S+)')
          server:close()
          local port = H.free_port()
          local s = H.spawn('openssl', { 's_server', '-accept', tostring(port), '-nocert', '-psk', HEX,
            '-psk_identity', 'alice', '-tls1_2', '-cipher', 'PSK-AES128-GCM-SHA256', '-rev', '-naccept', '1' },
            function() done() end)
          local started = false
          s.stdout:on('data', function(d)
            if started or not d:find('ACCEPT', 1, true) then return end
            started = true
            local c
            c = tls.connect({ port = port, host = '127.0.0.1', ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2',
              pskCallback = function() return { psk = KEY, identity = 'alice' } end }, function() c:write('psk\n') end)
            c:on('data', function(d2) sserver = d2; c:_end() end)
          end)
        end)
      end)
    end)
    assert.equal('PSK-AES128-GCM-SHA256', sclient)
    assert.equal('ksp\n', sserver)
  end)

  it('a Node client with pskCallback', function()
    local out
    H.run(15000, function(done)
      local server = tls.createServer(psk_server({ ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' }),
        function(s) s:_end('from luatls') end)
      server:listen(0, '127.0.0.1', function()
        H.spawn('node', { '-e', [[
          const tls = require('tls');
          const s = tls.connect({ port: +process.argv[1], host: '127.0.0.1', ciphers: 'PSK-AES128-GCM-SHA256',
            maxVersion: 'TLSv1.2', checkServerIdentity: () => undefined,
            pskCallback: (hint) => ({ psk: Buffer.alloc(32, 11), identity: 'alice' }) });
          s.on('data', (d) => console.log(String(d), s.getCipher().name));]], tostring(server:address().port) },
          function(_, o) out = o; server:close(done) end)
      end)
    end)
    assert.equal('from luatls PSK-AES128-GCM-SHA256\n', out)
  end)
end)

describe('OCSP stapling', function()
  it('staples the response OCSPRequest gives, for openssl s_client -status and a luatls client', function()
    local sclient, got, req = nil, {}, {}
    local der = C('server-ocsp.der')
    H.run(15000, function(done)
      local server = serve({ ca = CA }, nil, function(server, port)
        openssl({ 's_client', '-connect', '127.0.0.1:' .. port, '-status', '-CAfile', 'certs/ca-cert.pem' }, '',
          function(_, out)
            sclient = out:match('Cert Status: (%a+)')
            local c = client(port, { servername = 'localhost', requestOCSP = true }, function()
              client(port, { servername = 'localhost', requestOCSP = true, host = 'localhost' }, function()
                server:close(done)
              end)
            end)
            c:on('OCSPResponse', function(r) got[#got + 1] = r end)
          end)
      end)
      server:on('OCSPRequest', function(cert, issuer, cb)
        req.cert, req.issuer = cert, issuer
        if #got == 1 then return cb(require('luatls.errors').new('EOCSP', 'responder down')) end
        setTimeout(function() cb(nil, der) end, 10)
      end)
    end)
    assert.equal('good', sclient)
    assert.equal(der, got[1])
    assert.equal(H.sh('openssl x509 -in certs/server-cert.pem -outform DER'), req.cert)
    assert.equal(H.sh('openssl x509 -in certs/ca-cert.pem -outform DER'), req.issuer)
  end)

  it('a client that asks gets nil when the server staples nothing', function()
    local events = {}
    H.run(10000, function(done)
      serve({}, nil, function(server, port)
        local c = client(port, { servername = 'localhost', host = 'localhost', requestOCSP = true }, function()
          server:close(done)
        end)
        c:on('OCSPResponse', function(r) events[#events + 1] = r == nil end)
      end)
    end)
    assert.same({ true }, events)
  end)
end)

describe('keylog', function()
  it("'keylog' lines are OpenSSL's own: the same as openssl s_client -keylogfile writes", function()
    local lines, file = {}, os.tmpname()
    H.run(15000, function(done)
      local server = serve({}, nil, function(server, port)
        openssl({ 's_client', '-connect', '127.0.0.1:' .. port, '-keylogfile', file }, '', function()
          server:close(done)
        end)
      end)
      server:on('keylog', function(line, sock)
        assert.is_true(sock.encrypted)
        lines[#lines + 1] = line
      end)
    end)
    local theirs = fs.readFileSync(file)
    os.remove(file)
    assert.equal(5, #lines)
    for _, l in ipairs(lines) do
      assert.matches('^[A-Z_0-9]+ %x+ %x+\n$', l)
      assert.is_truthy(theirs:find(l, 1, true), 'missing from s_client: ' .. l)
    end
  end)

  it('client sockets emit keylog too, and --tls-keylog and SSLKEYLOGFILE write the lines', function()
    local script, f1, f2 = os.tmpname(), os.tmpname(), os.tmpname()
    fs.writeFileSync(script, [[
      local tls, fs = require('tls'), require('fs')
      local n = 0
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect(server:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') })
        c:on('keylog', function(line) n = n + 1 end)
        c:on('data', function() end)
        c:on('close', function() print('client lines', n); server:close() end)
      end)
    ]])
    local out1 = H.sh(H.LUATLS .. ' --tls-keylog=' .. f1 .. ' ' .. script)
    local out2 = H.sh('SSLKEYLOGFILE=' .. f2 .. ' ' .. H.LUATLS .. ' ' .. script)
    local k1, k2 = fs.readFileSync(f1), fs.readFileSync(f2)
    for _, p in ipairs({ script, f1, f2 }) do os.remove(p) end
    assert.equal('client lines\t5\n', out1)
    assert.equal(out1, out2)
    local _, n1 = k1:gsub('\n', '')
    local _, n2 = k2:gsub('\n', '')
    assert.equal(10, n1)   -- both ends of the one connection
    assert.equal(10, n2)
    assert.matches('CLIENT_HANDSHAKE_TRAFFIC_SECRET %x+ %x+\n', k1)
  end)
end)

describe('renegotiation', function()
  -- s_client renegotiates on each "R" line; wait for each to finish before the next
  local function renegotiate_times(n, options, watch)
    local events = {}
    H.run(20000, function(done)
      local child
      serve(options or {}, function(s)
        if watch then watch(s) end
        local count = 0
        s:on('secure', function()
          count = count + 1
          events[#events + 1] = 'renegotiated'
          if count < n then child.stdin:write('R\n') end
        end)
        s:on('error', function(e) events[#events + 1] = e.code end)
        s:on('data', function() end)
        child.stdin:write('R\n')
      end, function(server, port)
        child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port, '-tls1_2' },
          function() server:close(done) end)
      end)
    end)
    return events
  end

  it('a client renegotiating 4 times inside the window is cut off with ERR_TLS_SESSION_ATTACK', function()
    assert.same({ 'renegotiated', 'renegotiated', 'renegotiated', 'ERR_TLS_SESSION_ATTACK' }, renegotiate_times(4))
  end)

  it('tls.CLIENT_RENEG_LIMIT is settable, and disableRenegotiation refuses any', function()
    local saved = tls.CLIENT_RENEG_LIMIT
    tls.CLIENT_RENEG_LIMIT = 1
    local events = renegotiate_times(2)
    tls.CLIENT_RENEG_LIMIT = saved
    assert.same({ 'renegotiated', 'ERR_TLS_SESSION_ATTACK' }, events)
    events = renegotiate_times(1, {}, function(s) s:disableRenegotiation() end)
    assert.same({ 'ERR_TLS_RENEGOTIATION_DISABLED' }, events)
  end)

  it('the server renegotiates to ask for a client certificate; TLS 1.3 has no renegotiation', function()
    local before, after, v13
    H.run(10000, function(done)
      serve({ maxVersion = 'TLSv1.2', ca = CA }, function(s)
        before = s.authorized
        assert.is_true(s:renegotiate({ requestCert = true, rejectUnauthorized = false }, function(err)
          after = { err, s.authorized, s:getPeerCertificate().subject.CN }
          s:_end()
        end))
      end, function(server, port)
        client(port, { host = 'localhost', keep = true, key = C('client-key.pem'), cert = C('client-cert.pem') }, function()
          serve({}, function(s)
            local returned
            returned = s:renegotiate({}, function(err) v13 = { returned, err.code }; s:_end() end)
          end, function(server13, port13)
            client(port13, { host = 'localhost', keep = true }, function()
              server13:close()
              server:close(done)
            end)
          end)
        end)
      end)
    end)
    assert.is_false(before)
    assert.same({ nil, true, 'luatls client' }, after)
    assert.same({ false, 'ERR_SSL_WRONG_SSL_VERSION' }, v13)
  end)
end)

describe('live changes and the rest of TLSSocket', function()
  it('setSecureContext and addContext take effect for new handshakes while a connection stays up', function()
    local keys, echoed = {}, nil
    H.run(15000, function(done)
      serve({}, function(s) s:pipe(s) end, function(server, port)
        local first = client(port, { host = 'localhost', after = function(_, r)
          keys[1] = r.cn
        end }, function() end)
        -- a second client after the change, while the first one still talks
        first:removeAllListeners('close')
        local c1
        c1 = tls.connect({ port = port, host = 'localhost', ca = CA }, function()
          server:setSecureContext({ key = C('ecdsa-server-key.pem'), cert = C('ecdsa-server-cert.pem') })
          server:addContext('wrong.example', WRONG)
          client(port, { host = 'localhost' }, function(r2)
            keys[2] = r2.cn
            client(port, { servername = 'wrong.example' }, function(r3)
              keys[3] = r3.cn
              c1:write('still here')
            end)
          end)
        end)
        c1:on('data', function(d) echoed = d; c1:_end() end)
        c1:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('still here', echoed)
    assert.same({ 'localhost', 'localhost', 'wrong.example' }, keys)
  end)

  it('getFinished, exportKeyingMaterial, setMaxSendFragment, getTLSTicket', function()
    local server_side, client_side = {}, {}
    H.run(10000, function(done)
      serve({ maxVersion = 'TLSv1.2' }, function(s)
        server_side.finished, server_side.peer = s:getFinished(), s:getPeerFinished()
        server_side.ekm = s:exportKeyingMaterial(32, 'EXPERIMENTAL-luatls', 'ctx')
        s:_end()
      end, function(server, port)
        client(port, { host = 'localhost', after = function(c)
          client_side.finished, client_side.peer = c:getFinished(), c:getPeerFinished()
          client_side.ekm = c:exportKeyingMaterial(32, 'EXPERIMENTAL-luatls', 'ctx')
          client_side.frag = c:setMaxSendFragment(512)
          client_side.small = c:setMaxSendFragment(100)
          client_side.bad = select(2, pcall(c.setMaxSendFragment, c, 2 ^ 31))
        end }, function()
          server:close(done)
        end)
      end)
    end)
    assert.equal(12, #client_side.finished)
    assert.equal(client_side.finished, server_side.peer)
    assert.equal(server_side.finished, client_side.peer)
    assert.equal(32, #client_side.ekm)
    assert.equal(client_side.ekm, server_side.ekm)
    assert.is_true(client_side.frag)
    assert.is_false(client_side.small)   -- as Node: out of OpenSSL's range is false, not an error
    assert.equal('ERR_OUT_OF_RANGE', client_side.bad.code)
  end)

  it('getTLSTicket returns the ticket of a TLS 1.2 session, and enableTrace prints the messages', function()
    local script = H.script([[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), maxVersion = 'TLSv1.2',
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect(server:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') },
          function() print('ticket bytes', #c:getTLSTicket()) end)
        c:on('connect', function() c:enableTrace() end)
        c:on('data', function() end)
        c:on('close', function() server:close() end)
      end)
    ]])
    local out = H.sh(H.LUATLS .. ' ' .. script .. ' 2>&1')
    os.remove(script)
    assert.matches('ticket bytes\t%d+', out)
    assert.matches('ClientHello', out)
  end)
end)

describe('hooks and timeouts, more', function()
  it('the handshake deadline is absolute: a ClientHello trickled a byte at a time is cut off on time', function()
    local err, elapsed, closed
    H.run(5000, function(done)
      local start = require('luatls.core').now()
      local server = serve({ handshakeTimeout = H.ms(300) }, nil, function(server, port)
        local raw = require('net').connect(port, '127.0.0.1')
        local hello = '\22\3\1\2\0\1\0\1\252\3\3' .. string.rep('\0', 200)
        local i, ticker = 0, nil
        raw:on('connect', function()
          ticker = setInterval(function()
            i = i + 1
            if i <= #hello and not raw.destroyed then raw:write(hello:sub(i, i)) end
          end, H.ms(20))
        end)
        raw:on('error', function() end)
        raw:on('close', function()
          closed = true
          clearInterval(ticker)
          server:close(done)
        end)
      end)
      server:on('tlsClientError', function(e)
        err = e
        elapsed = require('luatls.core').now() - start
      end)
    end)
    assert.equal('ERR_TLS_HANDSHAKE_TIMEOUT', err.code)
    assert.is_true(closed)
    assert.is_true(elapsed < H.ms(2000), 'cut off after ' .. tostring(elapsed) .. ' ms')
  end)

  it('an OCSPRequest listener that raises fails that handshake, and the next one is served', function()
    local errs, good = {}, nil
    H.run(10000, function(done)
      local first = true
      local server = serve({}, nil, function(server, port)
        client(port, { host = 'localhost', requestOCSP = true }, function()
          client(port, { host = 'localhost', requestOCSP = true }, function(r)
            good = r.authorized
            server:close(done)
          end)
        end)
      end)
      server:on('OCSPRequest', function(_, _, cb)
        if first then first = false; error('responder exploded') end
        cb(nil, nil)
      end)
      server:on('tlsClientError', function(e) errs[#errs + 1] = e.message end)
    end)
    assert.matches('responder exploded', errs[1])
    assert.is_true(good)
  end)

  it('luatls clients against a Node server: SNI and PSK', function()
    local cn, psk
    H.run(20000, function(done)
      local node = H.spawn('node', { '-e', [[
        const tls = require('tls'), fs = require('fs');
        const rd = (n) => fs.readFileSync('certs/' + n);
        const a = tls.createServer({ key: rd('server-key.pem'), cert: rd('server-cert.pem') }, (s) => s.end());
        a.addContext('wrong.example', { key: rd('wronghost-key.pem'), cert: rd('wronghost-cert.pem') });
        const b = tls.createServer({ ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2',
          pskCallback: (s, id) => id === 'alice' ? Buffer.alloc(32, 11) : null }, (s) => s.end('node psk'));
        let n = 0;
        const both = () => { if (++n === 2) console.log('PORTS ' + a.address().port + ' ' + b.address().port); };
        a.listen(0, '127.0.0.1', both); b.listen(0, '127.0.0.1', both);
        process.stdin.on('end', () => { a.close(); b.close(); }); process.stdin.resume();]] },
        function() done() end)
      node.stdout:on('data', function(d)
        local pa, pb = d:match('PORTS (%d+) (%d+)')
        if not pa then return end
        client(tonumber(pa), { servername = 'wrong.example' }, function(r)
          cn = r.cn
          client(tonumber(pb), { ca = nil, ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2',
            pskCallback = function() return { psk = string.rep('\x0b', 32), identity = 'alice' } end }, function(r2)
            psk = r2.data
            node.stdin:_end()
          end)
        end)
      end)
    end)
    assert.equal('wrong.example', cn)
    assert.equal('node psk', psk)
  end)
end)
