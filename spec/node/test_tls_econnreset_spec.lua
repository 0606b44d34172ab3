-- from test/parallel/test-tls-econnreset.js
local net = require('net')
local N = require('node.common')

describe('test-tls-econnreset', function()
  it('a TCP client that leaves before the handshake: tlsClientError ECONNRESET "socket hang up" with the socket', function()
    local client_error, conn_given, secured, net_error = nil, nil, false, nil
    H.run(5000, function(done)
      local server
      server = N.server({}, function() secured = true end, function(port)
        local c
        c = net.connect(port, '127.0.0.1', function() c:destroy() end)
        c:on('error', function(e) net_error = e end)
      end)
      server:on('tlsClientError', function(err, conn)
        client_error, conn_given = err, conn
        server:close(done)
      end)
    end)
    assert.is_false(secured)
    assert.is_nil(net_error)
    assert.is_truthy(conn_given)
    assert.matches('socket hang up', client_error.message)
    assert.matches('ECONNRESET', client_error.code)
  end)
end)
