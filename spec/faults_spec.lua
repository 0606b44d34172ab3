-- The fault catalogue of doc/security.md, F1-F16: bad peers and bad luck on
-- the wire. Every case passes only when the process survives, the event and
-- error code are Node's, the next good client completes a handshake and
-- echoes 1 MiB byte-exact, and the open file descriptors are back to baseline
-- (spec/faults.lua). F17-F25, bad scripts and bad luck in the process, are in
-- faults_hooks_spec.lua.
local tls = require('tls')
local net = require('net')

local F = require('faults')
local CA, MIB, fault, raw = F.CA, F.MIB, F.fault, F.raw

describe('faults', function()
  it('F1: an HTTP request, random bytes, an SSLv2 hello: tlsClientError, nothing sent back', function()
    local events, echoed, fds = fault({}, function(port, _, _, next)
      raw(port, 'GET / HTTP/1.0\r\n\r\n', function(got)
        assert.equal('', got)
        raw(port, '\1\2\3\4\5\6\7\8 random bytes \255\254', function()
          raw(port, '\128\46\1\3\1\0\21\0\0\0\16' .. string.rep('\7', 40), next)
        end)
      end)
    end)
    assert.same({ 'tlsClientError', 'ERR_SSL_HTTP_REQUEST' }, { events[1][1], events[1][2] })
    assert.equal('tlsClientError', events[2][1])
    assert.matches('^ERR_SSL_', events[2][2])
    assert.equal('tlsClientError', events[3][1])
    assert.matches('^ERR_SSL_', events[3][2])
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F2: a ClientHello cut at every kind of length, then FIN', function()
    local hello = F.client_hello()
    assert.is_true(#hello > 200)
    local cuts = { 1, 4, 5, 9, 50, #hello // 2, #hello - 1 }
    local events, echoed, fds = fault({}, function(port, _, _, next)
      local function step(i)
        if i > #cuts then return next() end
        raw(port, hello:sub(1, cuts[i]), function() step(i + 1) end)
      end
      step(1)
    end)
    assert.equal(#cuts, #events)
    for _, e in ipairs(events) do
      assert.same({ 'tlsClientError', 'ECONNRESET', 'socket hang up' }, e)
    end
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F3: a silent client is cut off by handshakeTimeout and its socket closed (Node leaves it open)', function()
    local events, echoed, fds = fault({ handshakeTimeout = H.ms(200) }, function(port, _, _, next)
      raw(port, nil, next)
    end)
    assert.same({ { 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout' } }, events)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F4: a ClientHello trickled a byte every 50 ms is cut off by the deadline counted from accept', function()
    local hello = F.client_hello()
    local sent
    local events, echoed, fds = fault({ handshakeTimeout = H.ms(400) }, function(port, _, _, next)
      local c = net.connect(port, '127.0.0.1')
      local i, ticker = 0, nil
      c:on('connect', function()
        ticker = setInterval(function()
          i = i + 1
          c:write(hello:sub(i, i))
        end, H.ms(50))
      end)
      c:on('error', function() end)
      c:on('close', function() clearInterval(ticker); sent = i; next() end)
    end)
    assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[1][1], events[1][2] })
    -- a timer restarted by every byte would have waited for the whole ClientHello
    assert.is_true(sent < #hello // 4, ('%d of %d bytes sent before the cut'):format(sent, #hello))
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F5: client renegotiations beyond CLIENT_RENEG_LIMIT end in ERR_TLS_SESSION_ATTACK, for limits 0-5', function()
    local saved = tls.CLIENT_RENEG_LIMIT
    finally(function() tls.CLIENT_RENEG_LIMIT = saved end)
    for _, limit in ipairs({ 0, 1, 2, 3, 5 }) do
      tls.CLIENT_RENEG_LIMIT = limit
      local renegs = 0
      local events, echoed, fds = fault({ maxVersion = 'TLSv1.2' }, function(port, _, _, next)
        local c
        c = tls.connect({ port = port, host = 'localhost', ca = CA }, function()
          local function again()
            c:renegotiate({}, function(err) if not err then renegs = renegs + 1; again() end end)
          end
          again()
        end)
        c:on('error', function() end)
        c:on('data', function() end)
        c:on('close', next)
      end)
      assert.equal(limit, renegs)
      assert.same({ { 'socket error', 'ERR_TLS_SESSION_ATTACK' } }, events)
      assert.is_true(echoed)
      assert.equal(0, fds)
    end
  end)

  it('F6: a ClientHello in 1-byte records is accepted; oversize records and messages fail with ERR_SSL_*', function()
    local out
    local too_long = '\22\3\1' .. string.pack('>I2', 16384 + 2048 + 1) .. string.rep('\0', 16384 + 2048 + 1)
    local huge_message = '\22\3\1\0\4\1\255\255\255'
    local events, echoed, fds = fault({}, function(port, _, _, next)
      H.spawn('python3', { 'spec/scripts/fragmented-hello.py', tostring(port), '1' }, function(_, stdout)
        out = stdout
        raw(port, too_long, function()
          raw(port, huge_message, next)
        end)
      end)
    end)
    assert.equal('fragmented TLSv1.3\n', out)
    assert.equal(2, #events)
    assert.same({ 'tlsClientError', 'ERR_SSL_ENCRYPTED_LENGTH_TOO_LONG' }, { events[1][1], events[1][2] })
    assert.same({ 'tlsClientError', 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' }, { events[2][1], events[2][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F7: no heartbeat: the extension is not echoed and a heartbeat request fails the connection', function()
    local ext_types, reply
    local events, echoed, fds = fault({}, function(port, _, _, next)
      raw(port, F.raw_hello(F.sni('localhost'), '\0\15\0\1\1'), function(got)
        ext_types = F.server_hello_extensions(got)
        raw(port, '\24\3\3\0\3\1\64\0', function(got2)
          reply = got2
          next()
        end)
      end)
    end)
    assert.is_true(#ext_types > 0)
    for _, t in ipairs(ext_types) do assert.not_equal(15, t) end
    assert.is_nil(reply:find('^\24'))
    assert.equal(2, #events)
    assert.same({ 'tlsClientError', 'ECONNRESET' }, { events[1][1], events[1][2] })
    assert.same({ 'tlsClientError', 'ERR_SSL_UNEXPECTED_MESSAGE' }, { events[2][1], events[2][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F8: no 0-RTT: openssl s_client resumes, but its early data is not sent', function()
    local outs = {}
    local session, early = os.tmpname(), H.script('early\n')
    finally(function() os.remove(session); os.remove(early) end)
    local events, echoed, fds = fault({}, function(port, _, _, next)
      -- each s_client sends a line and ends once it comes back, so the tickets have arrived
      local function s_client(args, k)
        local ch
        ch = H.spawn('openssl', args, function(_, stdout) outs[#outs + 1] = stdout; k() end)
        ch.stdout:on('data', function()
          if ch.output():find('\nline\n') then ch.stdin:_end() end
        end)
        ch.stdin:write('line\n')
      end
      local base = { 's_client', '-connect', '127.0.0.1:' .. port, '-servername', 'localhost', '-CAfile', 'certs/ca-cert.pem' }
      local function with(...)
        local args = { table.unpack(base) }
        for _, a in ipairs({ ... }) do args[#args + 1] = a end
        return args
      end
      s_client(with('-sess_out', session), function()
        s_client(with('-sess_in', session, '-early_data', early), next)
      end)
    end)
    assert.matches('\nNew, TLSv1.3', outs[1])
    assert.matches('\nReused, TLSv1.3', outs[2])
    assert.matches('Early data was not sent', outs[2])
    for _, e in ipairs(events) do assert.not_equal('tlsClientError', e[1]) end
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F9: malformed server_name extensions fail one connection each (ERR_SSL_BAD_EXTENSION); SNICallback sees no bad name', function()
    local names, replies = {}, {}
    local cases = {
      F.sni(''), F.sni('a.test', 'b.test'), F.sni('a\0b.test'), F.sni(('a'):rep(300)),
      '\0\0', '\0\20\0\0\5a.test',
    }
    local events, echoed, fds = fault({ SNICallback = function(name, cb)
      names[#names + 1] = name
      cb(nil, nil)
    end }, function(port, _, _, next)
      local function step(i)
        if i > #cases then return next() end
        raw(port, F.raw_hello(cases[i]), function(got)
          replies[i] = got:byte(1)
          step(i + 1)
        end)
      end
      step(1)
    end)
    for _, n in ipairs(names) do
      assert.is_nil(n:find('%z'))
      assert.is_true(#n > 0 and #n <= 255)
    end
    -- an empty name is no name (the server's hello follows); OpenSSL refuses the rest
    assert.same({ 22, 21, 21, 21, 21, 21 }, replies)
    assert.same({ 'tlsClientError', 'ECONNRESET' }, { events[1][1], events[1][2] })
    for i = 2, #cases do assert.same({ 'tlsClientError', 'ERR_SSL_BAD_EXTENSION' }, { events[i][1], events[i][2] }) end
    assert.same({ 'localhost' }, names)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F10: a certificate chain over 100 KiB is refused with ERR_SSL_EXCESSIVE_MESSAGE_SIZE, either way', function()
    local padding = string.rep(H.cert('ca-cert.pem'), 150)
    local client_err
    local events, echoed, fds = fault({ requestCert = true, rejectUnauthorized = false, ca = CA },
      function(port, _, _, next)
        F.client(port, { key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') .. padding }, next)
      end)
    assert.same({ 'tlsClientError', 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' }, { events[1][1], events[1][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
    echoed, fds = select(2, fault({ cert = H.cert('server-cert.pem') .. padding }, function(port, server, _, next)
      F.client(port, {}, function(code)
        client_err = code
        server:setSecureContext(H.tls_options())
        next()
      end)
    end))
    assert.equal('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', client_err)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  -- a luatls server in a process of its own: on_line(line, child) for each line it prints
  -- (limits: a shell command run first, such as 'ulimit -n 24')
  local function server_process(args, on_line, on_exit, limits)
    local buffered = ''
    local child = H.spawn('sh', { '-c', (limits or ':') .. '; exec "$0" "$@"', H.LUATLS, table.unpack(args) }, on_exit)
    child.stdout:on('data', function(d)
      buffered = buffered .. d
      for line in buffered:gmatch('([^\n]*)\n') do on_line(line, child) end
      buffered = buffered:match('[^\n]*$')
    end)
    return child
  end

  it('F15: out of fds, a TLS server sheds connections, keeps listening, and serves the next client', function()
    local N = 40
    local base, after, echoed, closed = nil, nil, nil, 0
    H.run(20000, function(done)
      local finish = H.countdown(2, done)   -- the good client's result and the server's exit
      server_process({ 'spec/scripts/echo-server.lua' }, function(line, child)
        local port, fds = line:match('^port (%d+) fds (%d+)')
        if port then
          base = tonumber(fds)
          for _ = 1, N do
            raw(port, nil, function()
              closed = closed + 1
              if closed == N then F.good_client(port, function(ok) echoed = ok; finish() end) end
            end)
          end
        elseif line:match('^idle') then
          after = tonumber(line:match('fds (%d+)'))
          child:kill()
        end
      end, finish, 'ulimit -n 24')
    end)
    assert.equal(N, closed)
    assert.is_true(echoed)
    assert.equal(base, after)
  end)

  it('F16: 10,000 TLS connections at once, all ended by the server, then the next client', function()
    local N = tonumber(os.getenv('LUATLS_F16_CONNECTIONS')) or 10000
    local base, peak, after, echoed, client_out = nil, nil, nil, nil, nil
    H.run(120000, function(done)
      local port, phase = nil, 'holding'
      local finish = H.countdown(3, done)   -- the clients' exit, the good client's result, the server's exit
      server_process({ 'spec/scripts/echo-server.lua', tostring(N) }, function(line, child)
        local fds = tonumber(line:match('fds (%d+)$'))
        if line:match('^port') then
          port, base = line:match('^port (%d+)'), fds
          H.spawn(H.LUATLS, { 'spec/scripts/many-clients.lua', port, tostring(N) }, function(code, out)
            client_out = { code, out }
            finish()
            if code ~= 0 then   -- the server will never see all N: no good client; stop it and report
              finish()
              child:kill()
            end
          end)
        elseif line:match('^open') then
          peak = fds
        elseif line:match('^idle') and phase == 'holding' then
          phase = 'good client'
          F.good_client(port, function(ok) echoed = ok; finish() end)
        elseif line:match('^idle') then
          after = fds
          child:kill()
        end
      end, finish)
    end)
    assert.same({ 0, '' }, client_out)
    assert.equal(N, peak - base)
    assert.is_true(echoed)
    assert.equal(base, after)
  end)

  it('F11: ALPN with no overlap fails that connection with Node\'s codes at both ends', function()
    local client_err
    local events, echoed, fds = fault({ ALPNProtocols = { 'h2' } }, function(port, _, _, next)
      local c = tls.connect({ port = port, host = 'localhost', ca = CA, ALPNProtocols = { 'http/1.1' } })
      c:on('error', function(e) client_err = e.code end)
      c:on('close', next)
    end)
    assert.equal('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', client_err)
    assert.same({ 'tlsClientError', 'ERR_SSL_NO_APPLICATION_PROTOCOL' }, { events[1][1], events[1][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F12: a PSK identity over 256 bytes fails the client with ERR_INVALID_ARG_VALUE; 129 bytes work', function()
    local errs, ok129 = {}, nil
    H.run(10000, function(done)
      local server = tls.createServer({ ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2',
        pskCallback = function() return string.rep('\1', 32) end }, function(s) s:_end('psk') end)
      server:on('tlsClientError', function() end)
      server:listen(0, '127.0.0.1', function()
        local function connect(len, k)
          local c = tls.connect({ port = server:address().port, host = '127.0.0.1', ciphers = 'PSK-AES128-GCM-SHA256',
            maxVersion = 'TLSv1.2', pskCallback = function() return { psk = string.rep('\1', 32), identity = ('x'):rep(len) } end })
          c:on('data', function(d) if len == 129 then ok129 = d end end)
          c:on('error', function(e) errs[#errs + 1] = e.code end)
          c:on('close', k)
        end
        connect(300, function() connect(129, function() server:close(done) end) end)
      end)
    end)
    assert.same({ 'ERR_INVALID_ARG_VALUE' }, errs)
    assert.equal('psk', ok129)
  end)

  it('F13: a peer that resets in the middle of an 8 MiB write: ECONNRESET on that socket, the server goes on', function()
    local closed_with_error
    local _, echoed, fds = fault({}, function(port, server, _, next)
      server:removeAllListeners('secureConnection')
      server:on('secureConnection', function(s)
        s:on('error', function() end)
        s:on('close', function(had) closed_with_error = had end)
        s:write(string.rep('r', 8 * MIB))
      end)
      H.spawn('python3', { '-c', [[
import socket, ssl, struct, sys
ctx = ssl.create_default_context(cafile='certs/ca-cert.pem')
raw = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s = ctx.wrap_socket(raw, server_hostname='localhost')
s.recv(1000)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
raw.close()
]], tostring(port) }, function()
        server:removeAllListeners('secureConnection')
        server:on('secureConnection', function(s) s:pipe(s) end)
        next()
      end)
    end)
    assert.is_true(closed_with_error)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F14: a client that ends after 1 MiB gets every byte echoed, then close_notify and FIN', function()
    local got, had_error = 0, nil
    local events, echoed, fds = fault({}, function(port, _, _, next)
      local c = tls.connect({ port = port, host = 'localhost', ca = CA, allowHalfOpen = true })
      c:on('secureConnect', function() c:_end(string.rep('h', MIB)) end)
      c:on('data', function(d) got = got + #d end)
      c:on('close', function(had) had_error = had; next() end)
    end)
    assert.equal(MIB, got)
    assert.is_false(had_error)
    assert.same({}, events)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)
end)
