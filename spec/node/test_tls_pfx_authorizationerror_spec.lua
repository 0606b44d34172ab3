-- from test/parallel/test-tls-pfx-authorizationerror.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-pfx-authorizationerror', function()
  it('the CA inside a PKCS#12 bundle verifies the peer; getCertificate() can be asked again and again', function()
    -- the client certificate with the CA, as PKCS#12 (passphrase "sample")
    local pfx = H.sh('openssl pkcs12 -export -inkey certs/client-key.pem -in certs/client-cert.pem '
      .. '-certfile certs/ca-cert.pem -passout pass:sample 2>/dev/null')
    local serial = H.sh('openssl x509 -in certs/client-cert.pem -noout -serial'):match('serial=(%x+)')
    local r = { serials = {} }
    H.run(5000, function(done)
      local server
      server = tls.createServer({ pfx = H.cert('server.pfx'), passphrase = 'secret', requestCert = true,
        rejectUnauthorized = false }, function(c)
        r.peer_serial = c:getPeerCertificate().serialNumber
        r.authorizationError = c.authorizationError or 'none'
        c:_end()
      end)
      N.listen(server, function(port)
        local client
        client = tls.connect({ port = port, host = '127.0.0.1', pfx = pfx, passphrase = 'sample', rejectUnauthorized = false }, function()
          for i = 1, 10 do r.serials[i] = client:getCertificate().serialNumber end
          client:_end()
          server:close(done)
        end)
        client:on('data', function() end)
      end)
    end)
    assert.equal(serial, r.peer_serial)
    assert.equal('none', r.authorizationError)
    for i = 1, 10 do assert.equal(serial, r.serials[i]) end
  end)
end)
