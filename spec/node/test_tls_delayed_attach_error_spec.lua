-- from test/parallel/test-tls-delayed-attach-error.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-delayed-attach-error', function()
  it('junk already waiting when a server TLSSocket is attached: an error, then close', function()
    local errors, closed = 0, false
    H.run(5000, function(done)
      local server
      server = net.createServer(function(c)
        setTimeout(function()
          local s = tls.TLSSocket(c, { isServer = true, secureContext = tls.createSecureContext(N.opts()) })
          -- Node's test listens to the internal '_tlsError'; the public one is 'error'
          s:on('error', function() errors = errors + 1 end)
          s:on('close', function() closed = true; server:close(done); s:destroy() end)
        end, 200)
      end)
      N.listen(server, function(port)
        local c
        c = net.connect({ port = port, host = '127.0.0.1' }, function() c:write(('*'):rep(1024)) end)
        c:on('error', function() end)
      end)
    end)
    assert.equal(1, errors)
    assert.is_true(closed)
  end)
end)
