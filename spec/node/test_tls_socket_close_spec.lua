-- from test/parallel/test-tls-socket-close.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-socket-close', function()
  it('destroying the net socket under a server TLS socket closes the TLS socket, one tick later', function()
    local r = {}
    H.run(5000, function(done)
      local server_tls, net_socket, net_closed = nil, nil, false
      local tls_server = tls.createServer(N.opts(), function(socket)
        server_tls = socket
        socket:on('close', function() r.tls_closed = true end)
      end)
      local net_server
      net_server = net.createServer(function(socket)
        net_socket = socket
        tls_server:emit('connection', socket)
        socket:on('close', function() net_closed = true; r.tls_destroyed_at_close = server_tls.destroyed end)
      end)
      N.listen(net_server, function(port)
        local c = tls.connect({ host = 'localhost', port = port, rejectUnauthorized = false })
        c:write('foo', nil, function()
          net_socket:setTimeout(10, function()
            net_socket:destroy()
            r.net_destroyed = net_socket.destroyed
            setImmediate(function()
              r.closed_early = net_closed
              setImmediate(function() r.closed_later = net_closed end)
            end)
          end)
        end)
        c:on('close', function() net_server:close(done) end)
      end)
    end)
    assert.is_true(r.net_destroyed)
    assert.is_false(r.closed_early)
    assert.is_true(r.closed_later)
    assert.is_true(r.tls_destroyed_at_close)
    assert.is_true(r.tls_closed)
  end)
end)
