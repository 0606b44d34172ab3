-- from test/parallel/test-tls-connect-timeout-option.js
local tls = require('tls')

describe('test-tls-connect-timeout-option', function()
  it('tls.connect({ timeout = 1000 }) sets socket.timeout', function()
    local timeout
    H.run(5000, function(done)
      local s = tls.connect({ port = H.free_port(), host = '127.0.0.1', timeout = 1000 })
      timeout = s.timeout
      s:on('error', function() end)
      s:on('close', done)
      s:destroy()
    end)
    assert.equal(1000, timeout)
  end)
end)
