-- from test/parallel/test-tls-getcertificate-x509.js
local tls = require('tls')
local crypto = require('crypto')
local N = require('node.common')

describe('test-tls-getcertificate-x509', function()
  it('getX509Certificate and getPeerX509Certificate give X509Certificate objects; the issuer is the next one sent', function()
    local own, peer
    local leaf = crypto.X509Certificate(H.cert('chain-server-cert.pem'))
    local intermediate = crypto.X509Certificate(H.cert('intermediate-cert.pem'))
    H.run(5000, function(done)
      local server
      server = N.server({ key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-fullchain.pem') },
        function(s) s:on('data', function() end); s:_end('World') end, function(port)
        local socket
        socket = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          peer = socket:getPeerX509Certificate()
          server:close(done)
        end)
        socket:on('data', function() end)
        socket:_end('Hello')
      end)
      server:once('secureConnection', function(s) own = s:getX509Certificate() end)
    end)
    assert.equal(crypto.X509Certificate, getmetatable(own))
    assert.equal(leaf.serialNumber, own.serialNumber)
    assert.equal(crypto.X509Certificate, getmetatable(peer.issuerCertificate))
    assert.is_nil(peer.issuerCertificate.issuerCertificate)
    assert.equal(intermediate.serialNumber, peer.issuerCertificate.serialNumber)
  end)
end)
