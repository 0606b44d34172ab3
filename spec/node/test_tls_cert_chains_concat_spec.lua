-- from test/parallel/test-tls-cert-chains-concat.js
local N = require('node.common')

describe('test-tls-cert-chains-concat', function()
  it('a server cert string with its intermediate appended: the client verifies and sees the chain', function()
    local chain
    local pair = N.pair({ servername = 'localhost', ca = N.CA },
      { key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-fullchain.pem') },
      function(p)
        local cert = p.client.conn:getPeerCertificate(true)
        chain = { cert.subject.CN, cert.issuerCertificate.subject.CN, cert.issuerCertificate.issuerCertificate.subject.CN }
      end)
    assert.is_nil(pair.client.err)
    assert.is_true(pair.client.authorized)
    assert.same({ 'localhost', 'luatls intermediate CA', 'luatls test CA' }, chain)
    assert.equal('luatls intermediate CA', pair.client.cert.issuer.CN)
  end)
end)
