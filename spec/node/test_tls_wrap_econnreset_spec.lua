-- from test/parallel/test-tls-wrap-econnreset.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

local function scenario()
    local e, port, closed_after_error
    H.run(5000, function(done)
      local server
      -- the server reads (resume) so that its socket sees the end and closes: luatls's
      -- leak check wants every handle closed, where Node only needs them idle
      server = net.createServer(function(c) c:resume(); c:_end() end)
      N.listen(server, function(p)
        port = p
        local errored = false
        tls.connect(p, '127.0.0.1')
          :once('error', function(err) e = err; errored = true; server:close() end)
          :on('close', function() closed_after_error = errored; done() end)
      end)
    end)
    assert.equal('ECONNRESET', e.code)
    assert.is_nil(e.path)
    assert.is_nil(e.localAddress)
    assert.is_true(closed_after_error)
    return e, port
end

describe('test-tls-wrap-econnreset', function()
  it('a server that ends the TCP connection at once: ECONNRESET, then \'close\'', function()
    scenario()
  end)

  it('the error names the host and port', function()
    local e, port = scenario()
    assert.equal('127.0.0.1', e.host)
    assert.equal(port, e.port)
  end)
end)
