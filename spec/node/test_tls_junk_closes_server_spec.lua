-- from test/parallel/test-tls-junk-closes-server.js
local net = require('net')
local N = require('node.common')

describe('test-tls-junk-closes-server', function()
  it('a client sending plain junk has its connection closed by the server', function()
    local closed, secured = false, false
    H.run(5000, function(done)
      local server
      server = N.server({}, function() secured = true end, function(port)
        local c
        c = net.connect(port, '127.0.0.1', function()
          local function push() if c.writable and not c.destroyed then c:write(string.rep('blah', 256)); setImmediate(push) end end
          push()
        end)
        c:on('data', function() end)
        c:on('error', function() end)
        c:on('close', function() closed = true; server:close(done) end)
      end)
      server:on('tlsClientError', function() end)
    end)
    assert.is_false(secured)
    assert.is_true(closed)
  end)
end)
