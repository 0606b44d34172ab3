-- from test/parallel/test-tls-cert-chains-in-ca.js
local N = require('node.common')

describe('test-tls-cert-chains-in-ca', function()
  it('a server whose intermediate is in its ca (not its cert) still sends the chain', function()
    local chain
    local pair = N.pair({ servername = 'localhost', ca = N.CA },
      { key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-cert.pem'), ca = H.cert('intermediate-cert.pem') },
      function(p)
        local cert = p.client.conn:getPeerCertificate(true)
        chain = { cert.subject.CN, cert.issuerCertificate.subject.CN, cert.issuerCertificate.issuerCertificate.subject.CN }
      end)
    assert.is_nil(pair.client.err)
    assert.is_true(pair.client.authorized)
    assert.same({ 'localhost', 'luatls intermediate CA', 'luatls test CA' }, chain)
  end)
end)
