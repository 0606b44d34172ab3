-- from test/parallel/test-tls-timeout-server.js
local net = require('net')
local N = require('node.common')

describe('test-tls-timeout-server', function()
  it('handshakeTimeout 50: a TCP client that never says hello gets a tlsClientError', function()
    local got, secured = nil, false
    H.run(5000, function(done)
      local raw
      local server = N.server({ handshakeTimeout = 50 }, function() secured = true end, function(port)
        raw = net.connect({ host = '127.0.0.1', port = port })
        raw:on('error', function() end)
        raw:on('close', function() end)
      end)
      server:on('tlsClientError', function(err, conn)
        got = err
        conn:destroy()
        raw:destroy()
        server:close(done)
      end)
    end)
    assert.is_false(secured)
    assert.equal('ERR_TLS_HANDSHAKE_TIMEOUT', got.code)
  end)
end)
