-- from test/parallel/test-tls-on-empty-socket.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-on-empty-socket', function()
  it('tls.connect over a net.Socket that connects only afterwards', function()
    local out = ''
    H.run(5000, function(done)
      local server
      server = N.server({}, function(c) c:_end('hello') end, function(port)
        local socket = net.Socket()
        local s
        s = tls.connect({ socket = socket, rejectUnauthorized = false }, function()
          s:on('data', function(d) out = out .. d end)
          s:on('end', function() s:destroy(); server:close(done) end)
        end)
        socket:connect(port, '127.0.0.1')
      end)
    end)
    assert.equal('hello', out)
  end)
end)
