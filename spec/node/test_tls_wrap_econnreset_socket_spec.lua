-- from test/parallel/test-tls-wrap-econnreset-socket.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

local function scenario()
  local e, port
  H.run(5000, function(done)
    local server
    server = net.createServer(function(c) c:resume(); c:_end() end)
    N.listen(server, function(p)
      port = p
      local socket = net.Socket()
      tls.connect({ socket = socket })
        :once('error', function(err) e = err; server:close() end)
        :on('close', function() done() end)
      socket:connect(p, '127.0.0.1')
    end)
  end)
  return e, port
end

describe('test-tls-wrap-econnreset-socket', function()
  it('over a socket given to tls.connect, a peer that ends at once gives ECONNRESET', function()
    local e = scenario()
    assert.equal('ECONNRESET', e.code)
    assert.is_nil(e.path)
  end)

  it('the error names the host and port', function()
    pending(N.GAP_RESET_FIELDS)
    local e, port = scenario()
    assert.equal('127.0.0.1', e.host)
    assert.equal(port, e.port)
  end)
end)
