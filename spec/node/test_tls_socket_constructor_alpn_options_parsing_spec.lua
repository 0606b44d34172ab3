-- from test/parallel/test-tls-socket-constructor-alpn-options-parsing.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-socket-constructor-alpn-options-parsing', function()
  it('a server TLSSocket takes ALPNProtocols as a list', function()
    assert.is_not_nil(tls.TLSSocket(nil, { ALPNProtocols = { 'http/1.1' } }))
    local alpn
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s)
        local t = tls.TLSSocket(s, { isServer = true, server = server, key = N.KEY, cert = N.CERT, ALPNProtocols = { 'http/1.1' } })
        t:on('secure', function() alpn = t.alpnProtocol; t:_end(); server:close(done) end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, ALPNProtocols = { 'h2', 'http/1.1' } },
          function() c:_end() end)
        c:on('error', function() end)
      end)
    end)
    assert.equal('http/1.1', alpn)
  end)
end)
