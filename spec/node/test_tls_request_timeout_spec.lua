-- from test/parallel/test-tls-request-timeout.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-request-timeout', function()
  it('setTimeout(100) on a server socket returns the socket and emits \'timeout\' on an idle connection', function()
    local returned_self, timeouts = nil, 0
    H.run(5000, function(done)
      local server
      server = tls.Server(N.opts(), function(socket)
        returned_self = socket:setTimeout(100) == socket
        socket:on('timeout', function()
          timeouts = timeouts + 1
          socket:_end()
          server:close()
        end)
      end)
      N.listen(server, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('data', function() end)
        c:on('close', function() done() end)
      end)
    end)
    assert.is_true(returned_self)
    assert.equal(1, timeouts)
  end)
end)
