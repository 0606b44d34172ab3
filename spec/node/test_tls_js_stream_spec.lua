-- from test/parallel/test-tls-js-stream.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local N = require('node.common')

describe('test-tls-js-stream', function()
  it('a client over a Duplex relaying a net socket exchanges data with a server and closes', function()
    local r = {}
    H.run(5000, function(done)
      local server
      server = N.server({}, function(c)
        r.server_secure = true
        c:on('data', function(d) r.server_got = (r.server_got or '') .. d end)
        c:_end('ohai')
      end, function(port)
        local raw = net.connect(port, '127.0.0.1')
        local p = stream.Duplex()
        p._write = function(_, chunk) raw:write(chunk) end
        p._final = function() raw:_end() end
        raw:on('data', function(d) p:push(d) end)
        raw:on('end', function() p:push(nil) end)
        local socket
        socket = tls.connect({ socket = p, rejectUnauthorized = false }, function()
          r.client_secure = true
          socket:on('data', function(d) r.client_got = (r.client_got or '') .. d end)
          socket:_end('hello')
        end)
        socket:once('close', function() server:close(done) end)
      end)
    end)
    assert.same({ server_secure = true, client_secure = true, server_got = 'hello', client_got = 'ohai' }, r)
  end)
end)
