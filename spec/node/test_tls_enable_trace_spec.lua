-- from test/parallel/test-tls-enable-trace.js
local N = require('node.common')

describe('test-tls-enable-trace', function()
  it('the enableTrace server option and enableTrace() on a client print OpenSSL\'s trace of the handshake on stderr', function()
    local out, code = N.luatls({}, [[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem'), enableTrace = true }, function(s) s:_end('x') end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false },
          function() c:enableTrace() end)
        c:on('data', function() end)
        c:on('close', function() server:close() end)
      end)
    ]])
    assert.equal(0, code)
    assert.matches('Received Record', out, 1, true)
    assert.matches('ClientHello', out, 1, true)
  end)
end)
