-- from test/parallel/test-tls-timeout-server-2.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-timeout-server-2', function()
  it('setTimeout on a server socket fires on an idle connection, and destroy() ends it', function()
    local fired, returned = 0, nil
    H.run(5000, function(done)
      local server
      server = N.server({}, function(cleartext)
        returned = cleartext:setTimeout(50, function()
          fired = fired + 1
          cleartext:destroy()
          server:close(done)
        end) == cleartext   -- as Node: setTimeout returns the socket
      end, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('error', function() end)
        c:on('close', function() end)
      end)
    end)
    assert.equal(1, fired)
    assert.is_true(returned)
  end)
end)
