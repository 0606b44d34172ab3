-- from test/parallel/test-tls-reuse-host-from-socket.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-reuse-host-from-socket', function()
  it('tls.connect over a connected socket without host or port', function()
    local secured = false
    H.run(5000, function(done)
      local server
      server = N.server({}, function(s) s:on('error', function() end) end, function(port)
        local socket
        socket = net.connect(port, '127.0.0.1', function()
          local secure
          secure = tls.connect({ socket = socket, rejectUnauthorized = false }, function()
            secured = true
            secure:destroy()
            server:close(done)
          end)
        end)
      end)
    end)
    assert.is_true(secured)
  end)
end)
