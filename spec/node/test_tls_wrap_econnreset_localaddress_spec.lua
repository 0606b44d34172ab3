-- from test/parallel/test-tls-wrap-econnreset-localaddress.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-wrap-econnreset-localaddress', function()
  it('with localAddress, the ECONNRESET before the handshake names it, with the host and port', function()
    pending(N.GAP_RESET_FIELDS)
    local e, port
    H.run(5000, function(done)
      local server
      server = net.createServer(function(c) c:resume(); c:_end() end)
      N.listen(server, function(p)
        port = p
        tls.connect({ port = p, host = '127.0.0.1', localAddress = '127.0.0.1' })
          :once('error', function(err) e = err; server:close() end)
          :on('close', function() done() end)
      end)
    end)
    assert.equal('ECONNRESET', e.code)
    assert.is_nil(e.path)
    assert.equal('127.0.0.1', e.host)
    assert.equal(port, e.port)
    assert.equal('127.0.0.1', e.localAddress)
  end)
end)
