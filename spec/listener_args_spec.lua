-- What listeners receive: the callbacks a Lua script cannot reach through
-- `this` get their object.
local net = require('net')
local tls = require('tls')

describe('callbacks receive their object (Lua has no `this`)', function()
  it("net.connect's and socket:connect's callback and 'connect' listeners get the socket; listen's callback gets the server", function()
    local seen = {}
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s) s:on('data', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function(srv)
        seen.listen = srv == server
        local port = server:address().port
        local c1
        c1 = net.connect(port, '127.0.0.1', function(sock)
          seen.connect_cb = sock == c1
          sock:write('hello')
        end)
        c1:on('connect', function(sock) seen.connect_event = sock == c1 end)
        c1:on('data', function() end)
        c1:on('close', function()
          local c2 = net.Socket()
          c2:connect({ port = port, host = '127.0.0.1' }, function(sock)
            seen.method_cb = sock == c2
            sock:_end()
          end)
          c2:on('data', function() end)
          c2:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ listen = true, connect_cb = true, connect_event = true, method_cb = true }, seen)
  end)

  it("tls.connect's callback ('secureConnect') gets the socket; a tls server's listen callback gets the server", function()
    local seen, got = {}, nil
    H.run(5000, function(done)
      local server
      server = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        s:on('data', function(d) s:_end('echo ' .. d) end)
      end)
      server:listen(0, '127.0.0.1', function(srv)
        seen.listen = srv == server
        -- the idiom of the docs: no outer local is needed to write in the callback
        tls.connect({ port = server:address().port, host = '127.0.0.1', servername = 'localhost',
          ca = H.cert('ca-cert.pem') }, function(socket)
          seen.authorized = socket.authorized
          socket:write('hi')
          socket:on('data', function(d) got = d end)
          socket:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ listen = true, authorized = true }, seen)
    assert.equal('echo hi', got)
  end)
end)
