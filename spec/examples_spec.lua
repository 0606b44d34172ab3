-- The examples are run as a user runs them: separate processes, real peers.

local function env_with(extra)
  local env = {}
  for _, k in ipairs({ 'PATH', 'HOME', 'LANG' }) do env[k] = os.getenv(k) end
  for k, v in pairs(extra) do env[k] = v end
  return env
end

describe('examples', function()
  it('demo.lua prints the classic lines and exits 0', function()
    local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' examples/demo.lua 2>&1')
    assert.equal(0, code)
    local lines = {}
    for l in out:gmatch('[^\n]+') do lines[#lines + 1] = l end
    assert.equal('server bound', lines[1])
    table.sort(lines, function(a, b) return a < b end)
    assert.same({ 'client connected authorized', 'hello from luatls', 'server bound',
      'server connected authorized', 'server ends connection', 'welcome!' }, lines)
  end)

  it('echo-server.lua serves echo-client.lua and openssl s_client, verified and echoed', function()
    local client_out, sclient_out, server_out
    H.run(20000, function(done)
      local port = tostring(H.free_port())
      local server = H.spawn(H.LUATLS, { 'examples/echo-server.lua' }, function(_, out)
        server_out = out
        done()
      end, { env = env_with({ PORT = port }) })
      local seen = ''
      server.stdout:on('data', function(d)
        local first = seen == ''
        seen = seen .. d
        if not (first and seen:find('server bound', 1, true)) then return end
        H.spawn(H.LUATLS, { 'examples/echo-client.lua', 'echo me' }, function(code, out, err)
          assert.equal(0, code, err)
          client_out = out
          local s = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port,
            '-CAfile', 'certs/ca-cert.pem', '-cert', 'certs/client-cert.pem', '-key', 'certs/client-key.pem' },
            function(_, o)
              sclient_out = o
              server:kill()
            end)
          s.stdin:write('first line\nsecond line\n')
          -- s_client quits at end of input: wait for the echo, then end it
          local got = ''
          s.stdout:on('data', function(x)
            got = got .. x
            if got:find('second line\n', 1, true) then s.stdin:_end() end
          end)
        end, { env = env_with({ PORT = port }) })
      end)
    end)
    assert.equal('client connected authorized\nwelcome!\necho me\nserver ends connection\n', client_out)
    assert.matches('Verify return code: 0 %(ok%)', sclient_out)
    assert.matches('welcome!\nfirst line\nsecond line\n', sclient_out)
    assert.equal('server bound\nserver connected authorized\nserver connected authorized\n', server_out)
  end)
end)

describe('hook examples', function()
  local function run(name, args)
    local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' examples/' .. name .. '.lua ' .. (args or '') .. ' 2>&1')
    assert.equal(0, code, out)
    local lines = {}
    for l in out:gmatch('[^\n]+') do lines[#lines + 1] = l end
    table.sort(lines)
    return lines
  end

  it('sni-server.lua serves each name its certificate', function()
    assert.same({ 'localhost -> localhost authorized', 'wrong.example -> wrong.example authorized',
      'you asked for localhost', 'you asked for wrong.example' }, run('sni-server'))
  end)

  it('alpn.lua negotiates by the server\'s order and refuses a stranger', function()
    assert.same({ 'http/1.1,h2: speaking h2', 'http/1.1: speaking http/1.1',
      'spdy/3: ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' }, run('alpn'))
  end)

  it('psk.lua connects with a pre-shared key over TLS 1.2 and 1.3', function()
    assert.same({ 'hello over TLSv1.2 PSK-AES128-GCM-SHA256', 'hello over TLSv1.3 TLS_AES_128_GCM_SHA256' }, run('psk'))
  end)

  it('ocsp-stapling.lua staples the response', function()
    local lines = run('ocsp-stapling')
    assert.matches('^OCSPRequest for a certificate of %d+ bytes; issuer %d+$', lines[1])
    assert.matches('^stapled OCSP response: %d+ bytes %(as sent%)$', lines[2])
  end)

  it('keylog.lua writes the five TLS 1.3 secrets', function()
    local file = os.tmpname()
    os.remove(file)
    local lines = run('keylog', file)
    local log = require('fs').readFileSync(file)
    os.remove(file)
    assert.equal(6, #lines)
    local _, n = log:gsub('\n', '')
    assert.equal(5, n)
    for _, secret in ipairs({ 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET' }) do
      assert.matches(secret .. ' %x+ %x+\n', log)
    end
  end)
end)

describe('session example', function()
  it('session-cache.lua stores the session and the client reconnects with it', function()
    local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' examples/session-cache.lua 2>&1')
    assert.equal(0, code, out)
    assert.matches('^stored a session of %d+ bytes\nreused: false\nreused: true\n$', out)
  end)
end)

describe('tls-proxy example', function()
  local tls = require('tls')
  local net = require('net')

  -- Starts examples/tls-proxy.lua in front of backend; ready(port) once it listens,
  -- closed(stderr) when it has ended.
  local function start_proxy(backend, ready, closed)
    local port = tostring(H.free_port())
    local proxy = H.spawn(H.LUATLS, { 'examples/tls-proxy.lua' }, function(_, _, err) closed(err) end,
      { env = env_with({ PORT = port, BACKEND = backend }) })
    local seen = ''
    proxy.stdout:on('data', function(d)
      local first = not seen:find('proxy on', 1, true)
      seen = seen .. d
      if first and seen:find('proxy on ' .. port, 1, true) then ready(port) end
    end)
    return proxy
  end

  it('with its backend down, logs why and ends the client with a close_notify', function()
    local dead = H.free_port()
    local client_code, client_out, proxy_err, proxy_ran
    H.run(15000, function(done)
      local proxy
      proxy = start_proxy('127.0.0.1:' .. dead, function(port)
        local client = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port, '-servername', 'localhost',
          '-CAfile', 'certs/ca-cert.pem', '-ign_eof', '-msg' }, function(code, out)
          client_code, client_out = code, out
          proxy_ran = proxy.exitCode == nil
          proxy:kill()
        end)
        client.stdin:_end('hello\n')
      end, function(err) proxy_err = err; done() end)
    end)
    assert.is_true(proxy_ran, 'the proxy ended with its backend')
    assert.equal(('backend 127.0.0.1:%d: connect ECONNREFUSED 127.0.0.1:%d\n'):format(dead, dead), proxy_err)
    assert.equal(0, client_code, client_out)
    assert.matches('Verify return code: 0 %(ok%)', client_out)
    assert.matches('<<< TLS 1.%d, Alert %[length 0002%], warning close_notify', client_out)
    assert.is_nil(client_out:find('unexpected eof', 1, true))
  end)

  it('in front of the echo server its header starts, carries bytes both ways and the end', function()
    local header = require('fs').readFileSync('examples/tls-proxy.lua')
    local code = assert(header:match('\n%-%-%s+build/luatls %-e "([^\n]*)"\n'), 'no backend command in the header')
    assert.matches("listen%(7000, '127%.0%.0%.1'%)", code)
    local lines = {}
    for i = 1, 20000 do lines[i] = ('line %d of the payload\n'):format(i) end
    local payload = table.concat(lines)
    local got, ended, proxy_err = '', false, nil
    H.run(20000, function(done)
      local backend_port = H.free_port()
      local backend = H.spawn(H.LUATLS, { '-e', (code:gsub('7000', tostring(backend_port))) })
      local deadline = os.time() + 10
      local function when_listening(fn)
        local s = net.connect({ port = backend_port, host = '127.0.0.1' })
        s:on('connect', function() s:destroy(); fn() end)
        s:on('error', function(err)
          assert(os.time() < deadline, 'the backend does not listen: ' .. tostring(err))
          setTimeout(function() when_listening(fn) end, 50)
        end)
      end
      when_listening(function()
        local proxy
        proxy = start_proxy('127.0.0.1:' .. backend_port, function(port)
          local c
          c = tls.connect({ port = tonumber(port), host = '127.0.0.1', servername = 'localhost',
            ca = H.cert('ca-cert.pem') }, function() c:_end(payload) end)   -- then the end, half-closed
          c:on('data', function(d) got = got .. d end)
          c:on('end', function() ended = true end)
          c:on('close', function()
            proxy:kill()
            backend:kill()
          end)
        end, function(err) proxy_err = err; done() end)
      end)
    end)
    assert.equal(#payload, #got)
    assert.is_true(got == payload, 'the bytes came back changed')
    assert.is_true(ended, 'no end came back')
    assert.equal('', proxy_err)
  end)
end)
