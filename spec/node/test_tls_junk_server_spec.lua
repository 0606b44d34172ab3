-- from test/parallel/test-tls-junk-server.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-junk-server', function()
  it('a server answering the ClientHello in plain text: the client fails with "wrong version number"', function()
    local err
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s)
        s:once('data', function() s:_end('I was waiting for you, hello!', function() s:destroy() end) end)
      end)
      N.listen(server, function(port)
        -- Node's test goes through https.request; luatls has no https, so the TLS client itself
        local c = tls.connect({ port = port, host = '127.0.0.1' })
        c:once('error', function(e) err = e; server:close() end)
        c:on('close', function() done() end)
      end)
    end)
    assert.matches('wrong version number', err.message, 1, true)
  end)
end)
