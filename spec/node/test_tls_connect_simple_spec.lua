-- from test/parallel/test-tls-connect-simple.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-simple', function()
  it('two clients, one with the connect callback and one with \'secureConnect\'; the server closes after both', function()
    local r = { connected = 0, close_cb = 0, close_event = 0, c1 = 0, c2 = 0 }
    H.run(5000, function(done)
      local server
      server = tls.Server(N.opts(), function()
        r.connected = r.connected + 1
        if r.connected == 2 then
          server:close(function() r.close_cb = r.close_cb + 1; done() end)
          server:on('close', function() r.close_event = r.close_event + 1 end)
        end
      end)
      N.listen(server, function(port)
        local c1
        c1 = tls.connect({ port = port, rejectUnauthorized = false }, function() r.c1 = r.c1 + 1; c1:_end() end)
        local c2 = tls.connect({ port = port, rejectUnauthorized = false })
        c2:on('secureConnect', function() r.c2 = r.c2 + 1; c2:_end() end)
      end)
    end)
    assert.same({ connected = 2, close_cb = 1, close_event = 1, c1 = 1, c2 = 1 }, r)
  end)
end)
