-- TLS over any stream: STARTTLS upgrades of live sockets, TLSSocket over a
-- duplex, createSecurePair, backpressure and half-close, the TLS proxy.
local tls = require('tls')
local net = require('net')
local stream = require('stream')

local C = H.cert
local CA = C('ca-cert.pem')
local CTX = tls.createSecureContext({ key = C('server-key.pem'), cert = C('server-cert.pem') })

local function env(extra)
  local e = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME') }
  for k, v in pairs(extra) do e[k] = v end
  return e
end

-- runs examples/starttls-server.lua on a free port; go(port, stop) once it listens
local function with_starttls_server(go)
  H.run(20000, function(done)
    local port = H.free_port()
    local server = H.spawn(H.LUATLS, { 'examples/starttls-server.lua' }, function() done() end,
      { env = env({ PORT = tostring(port) }) })
    local started = false
    server.stdout:on('data', function(d)
      if started or not d:find('listening on', 1, true) then return end
      started = true
      go(port, function() server:kill() end)
    end)
  end)
end

describe('STARTTLS', function()
  it('starttls-client.lua and starttls-server.lua upgrade and talk over TLS', function()
    local out
    with_starttls_server(function(port, stop)
      H.spawn(H.LUATLS, { 'examples/starttls-client.lua' }, function(_, o) out = o; stop() end,
        { env = env({ PORT = tostring(port) }) })
    end)
    assert.matches('S: 220 2%.0%.0 Ready to start TLS', out)
    assert.matches('secure: TLSv1%.3 authorized', out)
    assert.matches('250 hello over TLS\r\n221 2%.0%.0 Bye', out)
  end)

  it('openssl s_client -starttls smtp and gnutls-cli --starttls-proto=smtp', function()
    local sclient, gnutls
    with_starttls_server(function(port, stop)
      local s = H.spawn('openssl', { 's_client', '-starttls', 'smtp', '-connect', '127.0.0.1:' .. port,
        '-CAfile', 'certs/ca-cert.pem', '-quiet', '-ign_eof' }, function(_, o)
        sclient = o
        local g = H.spawn('gnutls-cli', { '--starttls-proto=smtp', '--x509cafile', 'certs/ca-cert.pem',
          '-p', tostring(port), 'localhost' }, function(_, o2) gnutls = o2; stop() end)
        g.stdin:_end('hello gnutls\r\nQUIT\r\n')
      end)
      s.stdin:_end('hello openssl\r\nQUIT\r\n')
    end)
    assert.matches('250 hello openssl\r\n221 2%.0%.0 Bye', sclient)
    assert.matches('250 hello gnutls', gnutls)
    assert.matches('221 2%.0%.0 Bye', gnutls)
  end)

  it('keeps the bytes read before the upgrade: a ClientHello sent right behind STARTTLS', function()
    local got, authorized
    H.run(10000, function(done)
      local server = net.createServer(function(sock)
        local buf = ''
        sock:on('data', function(d)
          buf = buf .. d
          local rest = buf:match('^STARTTLS\r\n(.*)$')
          if not rest then return end
          sock:removeAllListeners('data')
          sock:unshift(rest)
          local secure = tls.TLSSocket(sock, { isServer = true, secureContext = CTX })
          secure:on('data', function(x) secure:_end('echo ' .. x) end)
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect(server:address().port, '127.0.0.1', function() end)
        c:on('connect', function()
          c:write('STARTTLS\r\n')
          -- no wait for an answer: the ClientHello follows at once
          local t
          t = tls.connect({ socket = c, servername = 'localhost', ca = CA }, function()
            authorized = t.authorized
            t:write('after upgrade')
          end)
          t:on('data', function(d) got = d end)
          t:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.is_true(authorized)
    assert.equal('echo after upgrade', got)
  end)
end)

describe('TLS over streams that are not sockets', function()
  -- two duplexes joined back to back, like the two ends of a pipe
  local function joined()
    local a, b = stream.Duplex(), stream.Duplex()
    a._write = function(_, chunk) b:push(chunk) end
    b._write = function(_, chunk) a:push(chunk) end
    a._final = function() b:push(nil) end
    b._final = function() a:push(nil) end
    return a, b
  end

  it('a TLSSocket over a Lua duplex talks to one over the other end', function()
    local facts = {}
    H.run(5000, function(done)
      local a, b = joined()
      local server = tls.TLSSocket(b, { isServer = true, secureContext = CTX, requestCert = true,
        rejectUnauthorized = false, ca = CA })
      server:on('secure', function() facts.server_secure = server:getProtocol() end)
      server:on('data', function(d) server:_end('echo ' .. d) end)
      local client
      client = tls.connect({ socket = a, servername = 'localhost', ca = CA }, function()
        facts.authorized = client.authorized
        facts.cn = client:getPeerCertificate().subject.CN
        client:write('over a duplex')
      end)
      client:on('data', function(d) facts.echo = d end)
      client:on('end', function() facts.ended = true end)
      client:on('close', function() done() end)
    end)
    assert.same({ server_secure = 'TLSv1.3', authorized = true, cn = 'localhost',
      echo = 'echo over a duplex', ended = true }, facts)
  end)

  it('a server-side TLSSocket with options.server uses that server\'s SNI and ALPN', function()
    local facts = {}
    H.run(5000, function(done)
      local a, b = joined()
      local tls_server = tls.createServer({ key = H.cert('server-key.pem'), cert = H.cert('server-cert.pem'),
        ALPNProtocols = { 'h2', 'proto/1' },
        SNICallback = function(name, cb)
          facts.sni = name
          cb(nil, tls.createSecureContext({ key = H.cert('ecdsa-server-key.pem'), cert = H.cert('ecdsa-server-cert.pem') }))
        end })
      local server = tls.TLSSocket(b, { isServer = true, server = tls_server })
      server:on('secure', function() facts.alpn = server.alpnProtocol; server:_end() end)
      local client
      client = tls.connect({ socket = a, servername = 'sni.localhost', ca = CA, ALPNProtocols = { 'proto/1' },
        checkServerIdentity = function() end }, function()
        facts.curve = client:getPeerCertificate().asn1Curve
      end)
      client:on('data', function() end)
      client:on('close', function() done() end)
    end)
    assert.same({ sni = 'sni.localhost', alpn = 'proto/1', curve = 'prime256v1' }, facts)
  end)

  it('createSecurePair over a plain net socket: echo, authorization, peer certificate', function()
    local facts = {}
    H.run(5000, function(done)
      local ctx = tls.createSecureContext({ key = C('server-key.pem'), cert = C('server-cert.pem'), ca = CA })
      local server = net.createServer(function(sock)
        local pair = tls.createSecurePair(ctx, true, true, false)
        pair.encrypted:pipe(sock)
        sock:pipe(pair.encrypted)
        pair:on('secure', function()
          facts.authorized = pair.cleartext.authorized
          facts.cn = pair.cleartext:getPeerCertificate().subject.CN
        end)
        pair.cleartext:on('data', function(d) pair.cleartext:write('pair says ' .. d) end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect(server:address().port, 'localhost', { ca = CA, key = C('client-key.pem'),
          cert = C('client-cert.pem') }, function() c:write('hi') end)
        c:on('data', function(d) facts.echo = d; c:_end() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ authorized = true, cn = 'luatls client', echo = 'pair says hi' }, facts)
    assert.equal(tls.TLSSocket, tls.CleartextStream)
  end)
end)

describe('flow over TLS', function()
  it('half-close both ways with allowHalfOpen', function()
    local server_got, client_got = '', ''
    H.run(5000, function(done)
      local server = tls.createServer(H.tls_options({ allowHalfOpen = true }), function(s)
        s:on('data', function(d) server_got = server_got .. d end)
        s:on('end', function()
          -- the client has finished; we can still answer, then finish ourselves
          s:write('answer after your end')
          s:_end()
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = 'localhost', ca = CA, allowHalfOpen = true })
        c:on('secureConnect', function() c:_end('question') end)
        c:on('data', function(d) client_got = client_got .. d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('question', server_got)
    assert.equal('answer after your end', client_got)
  end)

  it('a writer with 1 GiB to send to a reader taking 1 MiB/s stays within its memory bound', function()
    local script = H.script([[
      local tls, fs = require('tls'), require('fs')
      local chunk, sent, total = string.rep('z', 65536), 0, 1024 * 1024 * 1024
      local c = tls.connect(tonumber(arg[1]), 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') })
      local function pump()
        while sent < total do
          sent = sent + #chunk
          if not c:write(chunk) then return end
        end
        c:_end()
      end
      c:on('secureConnect', pump)
      c:on('drain', pump)
      c:on('error', function() end)
      c:on('close', function()
        local status = fs.readFileSync('/proc/self/status')
        print(status:match('VmHWM:%s*(%d+)'), sent)
      end)
    ]])
    local hwm, sent, read = nil, nil, 0
    H.run(20000, function(done)
      local server = tls.createServer(H.tls_options(), function(s)
        -- 1 MiB a second: read a MiB, pause, resume a second later; three times
        s:on('data', function(d)
          read = read + #d
          if read >= 3 * 1024 * 1024 then
            s:destroy()
          elseif read % (1024 * 1024) < #d then
            s:pause()
            setTimeout(function() s:resume() end, 1000)
          end
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        H.spawn(H.LUATLS, { script, tostring(server:address().port) }, function(_, out)
          hwm, sent = out:match('^(%d+)\t(%d+)')
          server:close(done)
        end)
      end)
    end)
    os.remove(script)
    hwm, sent = tonumber(hwm), tonumber(sent)
    -- the writer held no more than its high-water mark and a record beyond what the kernel took
    assert.is_true(hwm < H.kib(40 * 1024), 'peak RSS ' .. tostring(hwm) .. ' KiB')
    assert.is_true(sent < 32 * 1024 * 1024, 'queued ' .. tostring(sent) .. ' bytes')
    assert.is_true(read >= 3 * 1024 * 1024)
  end)

  it('tls-proxy.lua in front of a plain echo passes 100 MiB both ways byte-exact', function()
    local size = 100 * 1024 * 1024
    local received, mismatch = 0, nil
    H.run(120000, function(done)
      local proxy = H.spawn(H.LUATLS, { 'examples/tls-proxy.lua' }, function() done() end)
      local started = false
      proxy.stdout:on('data', function(d)
        local port = d:match('proxy on (%d+)')
        if started or not port then return end
        started = true
        -- a pattern both ends can compute: byte i is (i * 7) % 251
        local block = {}
        for i = 0, 65535 do block[#block + 1] = string.char((i * 7) % 251) end
        block = table.concat(block)
        local c
        local sent = 0
        local function pump()
          while sent < size do
            sent = sent + #block
            if not c:write(block) then return end
          end
          c:_end()
        end
        c = tls.connect({ port = tonumber(port), host = 'localhost', ca = CA, allowHalfOpen = true })
        c:on('secureConnect', pump)
        c:on('drain', pump)
        c:on('data', function(chunk)
          local off = received % #block
          local expect = (block .. block):sub(off + 1, off + #chunk)
          if #chunk > #block then
            expect = string.rep(block, #chunk // #block + 2):sub(off + 1, off + #chunk)
          end
          if chunk ~= expect and not mismatch then mismatch = received end
          received = received + #chunk
          if received >= size then c:destroy(); proxy:kill() end
        end)
      end)
    end)
    assert.is_nil(mismatch)
    assert.equal(size, received)
  end)
end)
