-- from test/parallel/test-tls-ip-servername-deprecation.js
local N = require('node.common')

describe('test-tls-ip-servername-deprecation', function()
  it('an IP address as servername gives the DEP0123 deprecation warning', function()
    local out = N.luatls({}, [[
      local tls, fs = require('tls'), require('fs')
      local server
      server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end('hello') end)
      server:on('connection', function() server:close() end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false,
          servername = '127.0.0.1' }, function() c:_end() end)
        c:on('data', function() end)
      end)
    ]])
    assert.matches('Setting the TLS ServerName to an IP address is not permitted by RFC 6066. '
      .. 'This will be ignored in a future version.', out, 1, true)
    assert.matches('DEP0123', out, 1, true)
  end)
end)
