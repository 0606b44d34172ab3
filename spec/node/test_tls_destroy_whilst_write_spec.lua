-- from test/parallel/test-tls-destroy-whilst-write.js
local tls = require('tls')
local stream = require('stream')

describe('test-tls-destroy-whilst-write', function()
  it('destroying a client whose duplex has not finished writing the ClientHello', function()
    local writes, closed = 0, false
    H.run(5000, function(done)
      local delay = stream.Duplex()
      delay._write = function(_, _, cb)
        writes = writes + 1
        setImmediate(function() if cb then cb() end end)
      end
      local secure = tls.connect({ socket = delay })
      secure:on('error', function() end)
      secure:on('close', function() closed = true; done() end)
      setImmediate(function() secure:destroy() end)
    end)
    assert.is_true(writes >= 1)
    assert.is_true(closed)
  end)
end)
