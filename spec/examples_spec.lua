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
