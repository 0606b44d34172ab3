-- from test/parallel/test-tls-generic-stream.js
local tls = require('tls')
local stream = require('stream')
local N = require('node.common')

describe('test-tls-generic-stream', function()
  it('a client and a server TLSSocket over two joined Duplex streams exchange data both ways', function()
    local r = {}
    H.run(5000, function(done)
      local a, b = stream.Duplex(), stream.Duplex()
      a._write = function(_, chunk) b:push(chunk) end
      b._write = function(_, chunk) a:push(chunk) end
      a._final = function() b:push(nil) end
      b._final = function() a:push(nil) end
      local server = tls.TLSSocket(b, { isServer = true, secureContext = tls.createSecureContext(N.opts()) })
      server:on('secure', function() r.server_secure = true end)
      server:on('data', function(d) r.server_got = (r.server_got or '') .. d; server:_end('hello client') end)
      local client
      client = tls.connect({ socket = a, servername = 'localhost', ca = N.CA }, function()
        r.authorized = client.authorized
        client:write('hello server')
      end)
      client:on('data', function(d) r.client_got = (r.client_got or '') .. d end)
      client:on('end', function() r.client_end = true; client:_end() end)
      client:on('close', function() done() end)
    end)
    assert.same({ server_secure = true, authorized = true, server_got = 'hello server', client_got = 'hello client',
      client_end = true }, r)
  end)
end)
