-- from test/parallel/test-tls-delayed-attach.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-delayed-attach', function()
  it('a server TLSSocket made 200 ms after the connection, once the ClientHello has arrived, still works', function()
    local received, ended = '', false
    H.run(5000, function(done)
      local server
      server = net.createServer(function(c)
        setTimeout(function()
          local s = tls.TLSSocket(c, { isServer = true, secureContext = tls.createSecureContext(N.opts()) })
          s:on('data', function(d) received = received .. d end)
          s:on('end', function() ended = true; server:close(done); s:destroy() end)
        end, 200)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect(port, '127.0.0.1', { rejectUnauthorized = false }, function() c:_end('hello world') end)
      end)
    end)
    assert.is_true(ended)
    assert.equal('hello world', received)
  end)
end)
