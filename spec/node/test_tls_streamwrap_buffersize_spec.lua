-- from test/parallel/test-tls-streamwrap-buffersize.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local N = require('node.common')

describe('test-tls-streamwrap-buffersize', function()
  it('bufferSize over a Duplex relaying a net socket: 0, then one more per byte written', function()
    local r = { sizes = {} }
    H.run(5000, function(done)
      local server
      server = N.server({}, function(socket)
        local str = ''
        socket:on('data', function(d) str = str .. d end)
        socket:on('end', function() r.str = str; server:close() end)
      end, function(port)
        local client_side, server_side = stream.Duplex(), stream.Duplex()
        client_side._write = function(_, chunk) server_side:push(chunk) end
        server_side._write = function(_, chunk) client_side:push(chunk) end
        client_side._final = function() server_side:push(nil) end
        server_side._final = function() client_side:push(nil) end
        local socket
        socket = net.connect({ port = port, host = '127.0.0.1' }, function()
          client_side:pipe(socket)
          socket:pipe(client_side)
          socket:on('close', function() client_side:destroy() end)
          local client
          client = tls.connect({ socket = server_side, rejectUnauthorized = false }, function()
            r.initial = client.bufferSize
            for i = 1, 9 do client:write('a'); r.sizes[i] = client.bufferSize end
            client:on('close', function() r.final = client.bufferSize; done() end)
            client:_end()
          end)
        end)
      end)
    end)
    assert.equal(0, r.initial)
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9 }, r.sizes)
    assert.is_nil(r.final)
    assert.equal(('a'):rep(9), r.str)
  end)
end)
