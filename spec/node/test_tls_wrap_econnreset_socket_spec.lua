-- from test/parallel/test-tls-wrap-econnreset-socket.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-wrap-econnreset-socket', function()
  it('over a socket given to tls.connect, a peer that ends at once gives ECONNRESET naming nothing, then \'close\'', function()
    local e, closed_after_error
    H.run(5000, function(done)
      local server
      -- the server reads (resume) so that its socket sees the end and closes: luatls's
      -- leak check wants every handle closed, where Node only needs them idle
      server = net.createServer(function(c) c:resume(); c:_end() end)
      N.listen(server, function(p)
        local socket = net.Socket()
        local errored = false
        tls.connect({ socket = socket })
          :once('error', function(err) e = err; errored = true; server:close() end)
          :on('close', function() closed_after_error = errored; done() end)
        socket:connect(p, '127.0.0.1')
      end)
    end)
    assert.equal('ECONNRESET', e.code)
    assert.is_nil(e.path)
    assert.is_nil(e.host)
    assert.is_nil(e.port)
    assert.is_nil(e.localAddress)
    assert.is_true(closed_after_error)
  end)
end)
