-- from test/parallel/test-tls-client-abort.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-abort', function()
  it('a client destroyed at once never connects and closes', function()
    local secured, closed = false, false
    H.run(5000, function(done)
      local conn = tls.connect({ cert = N.CLIENT_CERT, key = N.CLIENT_KEY, port = H.free_port(), host = '127.0.0.1' },
        function() secured = true end)
      conn:on('error', function() end)
      conn:on('close', function() closed = true; done() end)
      conn:destroy()
    end)
    assert.is_false(secured)
    assert.is_true(closed)
  end)
end)
