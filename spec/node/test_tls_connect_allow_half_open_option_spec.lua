-- from test/parallel/test-tls-connect-allow-half-open-option.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-allow-half-open-option', function()
  it('allowHalfOpen is false unless asked for', function()
    H.run(5000, function(done)
      local port = H.free_port()
      local a = tls.connect({ port = port, host = '127.0.0.1' })
      local b = tls.connect({ port = port, host = '127.0.0.1', allowHalfOpen = false })
      assert.is_false(a.allowHalfOpen)
      assert.is_false(b.allowHalfOpen)
      local finish = H.countdown(2, done)
      for _, s in ipairs({ a, b }) do
        s:on('error', function() end)
        s:on('close', finish)
        s:destroy()
      end
    end)
  end)

  it('with allowHalfOpen the client still writes after the server ended', function()
    local r = {}
    H.run(5000, function(done)
      local server
      server = N.server({}, function(s)
        server:close()
        local msg = ''
        s:on('data', function(d)
          msg = msg .. d
          if msg == 'Hello' then s:_end(msg); msg = '' end
        end)
        s:on('end', function() r.server_got = msg end)
        s:on('close', done)
      end, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, allowHalfOpen = true }, function()
          local msg = ''
          c:on('data', function(d) msg = msg .. d end)
          c:on('end', function()
            r.client_got = msg
            setTimeout(function()
              r.writable = c.writable
              r.write = c:write('Bye')
              c:_end()
            end, 50)
          end)
          c:write('Hello')
        end)
      end)
    end)
    assert.equal('Hello', r.client_got)
    assert.is_true(r.writable)
    assert.is_true(r.write)
    assert.equal('Bye', r.server_got)
  end)
end)
