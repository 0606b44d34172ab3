-- from test/parallel/test-tls-wrap-econnreset-pipe.js
local tls = require('tls')
local net = require('net')

describe('test-tls-wrap-econnreset-pipe', function()
  it('a client connecting by path to a server that ends at once gets ECONNRESET naming the path, and no host or port', function()
    local path = os.tmpname()
    os.remove(path)
    local e
    H.run(5000, function(done)
      local server
      -- the server reads (resume) so that its socket sees the end and closes: luatls's
      -- leak check wants every handle closed, where Node only needs them idle
      server = net.createServer(function(c) c:resume(); c:_end() end)
      server:listen(path, function()
        tls.connect({ path = path }):once('error', function(err)
          e = err
          server:close(done)
        end)
      end)
    end)
    assert.equal('ECONNRESET', e.code)
    assert.equal(path, e.path)
    assert.is_nil(e.port)
    assert.is_nil(e.host)
    assert.is_nil(e.localAddress)
  end)
end)
