-- from test/parallel/test-tls-destroy-stream-12.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local N = require('node.common')

-- the same scenario as test-tls-destroy-stream, over TLS 1.2
describe('test-tls-destroy-stream-12', function()
  it('a TLS 1.2 server over a duplex handed over with emit(\'connection\'), that writes then destroys', function()
    local r = { data = '' }
    H.run(5000, function(done)
      local tls_server = tls.createServer(N.opts({ maxVersion = 'TLSv1.2' }), function(s)
        s:on('close', function() r.server_closed = true end)
        s:on('error', function() end)
        s:write('Hello World')
        s:destroy()
      end)
      local server
      server = net.createServer(function(conn)
        conn:once('data', function(chunk)
          local a, b = stream.Duplex(), stream.Duplex()
          a._write = function(_, c) b:push(c) end
          b._write = function(_, c) a:push(c) end
          b:on('close', function() conn:destroy() end)
          a:pipe(conn)
          conn:pipe(a)
          conn:on('close', function() a:destroy() end)
          process.nextTick(function() conn:unshift(chunk) end)
          tls_server:emit('connection', b)
        end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          c:on('data', function(d) r.data = r.data .. d end)
          c:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.is_true(r.server_closed)
    assert.is_true(r.data == '' or r.data == 'Hello World')
  end)
end)
