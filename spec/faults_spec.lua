-- The fault catalogue (../shared/research/reliability.md, F1-F25), first part.
-- Every case passes only when the process survives, the event and error code
-- are Node's, the next good client completes a handshake and echoes 1 MiB
-- byte-exact, and the process's open file descriptors are back to baseline.
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local fs = require('fs')

local CA = H.cert('ca-cert.pem')
local MIB = 1024 * 1024

local function fd_count()
  local p = io.popen('ls /proc/' .. process.pid .. '/fd | wc -l')
  local n = tonumber(p:read('a'))
  p:close()
  return n
end

-- the bytes a TLS client sends first, captured through a memory transport
local function client_hello()
  local hello
  H.run(5000, function(done)
    local d = stream.Duplex()
    d._write = function(_, chunk) hello = hello or chunk end
    local c = tls.connect({ socket = d, servername = 'localhost', ca = CA })
    c:on('error', function() end)
    setImmediate(function() c:destroy(); done() end)
  end)
  return hello
end

-- the next good client: 1 MiB out, the same 1 MiB back
local function good_client(port, k)
  local payload = {}
  for i = 1, MIB // 64 do payload[i] = ('%063d\n'):format(i) end
  payload = table.concat(payload)
  local got = {}
  local c
  c = tls.connect({ port = port, host = 'localhost', ca = CA }, function() c:write(payload) end)
  local n = 0
  c:on('data', function(d)
    got[#got + 1] = d
    n = n + #d
    if n >= MIB then c:_end() end
  end)
  c:on('close', function() k(table.concat(got) == payload) end)
end

-- runs one fault against an echo server; provoke(port, server, events, next)
local function fault(server_opts, provoke)
  local base = fd_count()
  local events, echoed = {}, nil
  H.run(20000, function(done)
    local server = tls.createServer(H.tls_options(server_opts), function(s)
      s:on('error', function(e) events[#events + 1] = { 'socket error', e.code } end)
      s:pipe(s)
    end)
    server:on('tlsClientError', function(e) events[#events + 1] = { 'tlsClientError', e.code, e.message } end)
    server:listen(0, '127.0.0.1', function()
      local port = server:address().port
      provoke(port, server, events, function()
        good_client(port, function(ok)
          echoed = ok
          server:close(done)
        end)
      end)
    end)
  end)
  collectgarbage()
  return events, echoed, fd_count() - base
end

-- a raw TCP client that sends bytes (or nothing) and waits for the server to close
local function raw(port, bytes, k)
  local c = net.connect(port, '127.0.0.1')
  c:on('connect', function() if bytes then c:_end(bytes) end end)
  c:on('data', function() end)
  c:on('error', function() end)
  c:on('close', function() k() end)
end

describe('faults', function()
  it('F1: an HTTP request, random bytes, an SSLv2 hello: tlsClientError, nothing sent back', function()
    local events, echoed, fds = fault({}, function(port, _, _, next)
      raw(port, 'GET / HTTP/1.0\r\n\r\n', function()
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
    local hello = client_hello()
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
    local events, echoed, fds = fault({ handshakeTimeout = 200 }, function(port, _, _, next)
      raw(port, nil, next)
    end)
    assert.same({ { 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout' } }, events)
    assert.is_true(echoed)
    assert.equal(0, fds)
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
    local events, echoed, fds = fault({}, function(port, server, _, next)
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

  it('F18: resumeSession and OCSPRequest hooks that never answer end in ERR_TLS_HANDSHAKE_TIMEOUT', function()
    local events, echoed, fds = fault({ handshakeTimeout = 300, maxVersion = 'TLSv1.2' }, function(port, server, _, next)
      server:on('resumeSession', function() end)   -- never answers
      local c = tls.connect({ port = port, host = 'localhost', ca = CA })
      c:on('error', function() end)
      c:on('close', function()
        server:removeAllListeners('resumeSession')
        server:on('OCSPRequest', function() end)   -- never answers either
        local d = tls.connect({ port = port, host = 'localhost', ca = CA })
        d:on('error', function() end)
        d:on('close', function()
          server:removeAllListeners('OCSPRequest')
          next()
        end)
      end)
    end)
    assert.equal(2, #events)
    assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[1][1], events[1][2] })
    assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[2][1], events[2][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F21: server:close() with a connection in flight: it keeps echoing, new ones are refused, then close', function()
    local base = fd_count()
    local facts = {}
    H.run(10000, function(done)
      local left = 2   -- the server's close callback and the client's 'close', in either order
      local function finish() left = left - 1; if left == 0 then done() end end
      local server = tls.createServer(H.tls_options(), function(s) s:pipe(s) end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local c
        c = tls.connect(port, 'localhost', { ca = CA }, function()
          server:close(function() facts.closed = true; finish() end)
          local refused = net.connect(port, '127.0.0.1')
          refused:on('error', function(e)
            facts.refused = e.code
            c:write('still echoing')
          end)
        end)
        c:on('data', function(d) facts.echo = d; c:_end() end)
        c:on('close', finish)
      end)
    end)
    collectgarbage()
    assert.same({ closed = true, refused = 'ECONNREFUSED', echo = 'still echoing' }, facts)
    assert.equal(0, fd_count() - base)
  end)
end)
