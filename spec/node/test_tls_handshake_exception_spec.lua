-- from test/parallel/test-tls-handshake-exception.js
local N = require('node.common')

describe('test-tls-handshake-exception', function()
  it('an error raised by a secureConnection listener is reported with its message', function()
    -- Node hands a Duplex to the server with emit('connection') and connects with https;
    -- here a plain TLS server and client
    local out, code = N.luatls({}, [[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function() error('eyecatcher') end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('error', function() end)
      end)
    ]])
    assert.are_not.equal(0, code)
    assert.matches('eyecatcher', out, 1, true)
  end)
end)
