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
