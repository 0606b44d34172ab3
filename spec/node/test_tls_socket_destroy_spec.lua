-- from test/parallel/test-tls-socket-destroy.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-socket-destroy', function()
  it('a server TLSSocket destroyed while the client still writes 1 MiB: both ends close', function()
    local got_data, client_closed = false, false
    H.run(5000, function(done)
      local ctx = tls.createSecureContext(N.opts())
      local server
      server = net.createServer(function(conn)
        local socket = tls.TLSSocket(conn, { isServer = true, secureContext = ctx, server = server })
        socket:once('data', function()
          got_data = true
          -- Node also calls the internal socket._destroySSL() here
          socket:destroy()
          server:close()
        end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          c:write(('*'):rep(1024 * 1024))
          c:on('error', function() c:destroy() end)
        end)
        c:on('close', function() client_closed = true; setTimeout(done, 50) end)
      end)
    end)
    assert.is_true(got_data)
    assert.is_true(client_closed)
  end)
end)
