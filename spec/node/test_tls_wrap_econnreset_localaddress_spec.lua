-- from test/parallel/test-tls-wrap-econnreset-localaddress.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-wrap-econnreset-localaddress', function()
  it('with localAddress, the ECONNRESET before the handshake names it and the port (no host was given), then \'close\'', function()
    local e, port, closed_after_error
    H.run(5000, function(done)
      local server
      -- the server reads (resume) so that its socket sees the end and closes: luatls's
      -- leak check wants every handle closed, where Node only needs them idle
      server = net.createServer(function(c) c:resume(); c:_end() end)
      N.listen(server, function(p)
        port = p
        local errored = false
        -- as Node's test: the host given after the options is not an argument tls.connect reads
        tls.connect({ port = p, family = 4, localAddress = '127.0.0.1' }, '127.0.0.1')
          :once('error', function(err) e = err; errored = true; server:close() end)
          :on('close', function() closed_after_error = errored; done() end)
      end)
    end)
    assert.equal('ECONNRESET', e.code)
    assert.is_nil(e.path)
    assert.is_nil(e.host)
    assert.equal(port, e.port)
    assert.equal('127.0.0.1', e.localAddress)
    assert.is_true(closed_after_error)
  end)
end)
