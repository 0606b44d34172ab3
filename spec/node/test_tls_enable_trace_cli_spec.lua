-- from test/parallel/test-tls-enable-trace-cli.js
local N = require('node.common')

describe('test-tls-enable-trace-cli', function()
  it('--trace-tls traces every TLS connection of the process on stderr', function()
    local out, code = N.luatls({ '--trace-tls' }, [[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end('x') end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('data', function() end)
        c:on('close', function() server:close() end)
      end)
    ]])
    assert.equal(0, code)
    assert.matches('Warning: Enabling --trace-tls can expose sensitive data', out, 1, true)
    assert.matches('Received Record', out, 1, true)
    assert.matches('ClientHello', out, 1, true)
  end)
end)
