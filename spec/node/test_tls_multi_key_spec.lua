-- from test/parallel/test-tls-multi-key.js
local N = require('node.common')

describe('test-tls-multi-key', function()
  it('an RSA and an ECDSA key side by side: each client gets the certificate its ciphers can use', function()
    local server = { key = { H.cert('server-key.pem'), H.cert('ecdsa-server-key.pem') },
      cert = { H.cert('server-cert.pem'), H.cert('ecdsa-server-cert.pem') } }
    local ec = N.pair({ ciphers = 'ECDHE-ECDSA-AES256-GCM-SHA384', maxVersion = 'TLSv1.2', ca = N.CA, servername = 'localhost' }, server)
    assert.is_nil(ec.client.err)
    assert.equal('ECDHE-ECDSA-AES256-GCM-SHA384', ec.client.cipher.name)
    assert.equal('prime256v1', ec.client.cert.asn1Curve)
    local rsa = N.pair({ ciphers = 'ECDHE-RSA-AES256-GCM-SHA384', maxVersion = 'TLSv1.2', ca = N.CA, servername = 'localhost' }, server)
    assert.is_nil(rsa.client.err)
    assert.equal('ECDHE-RSA-AES256-GCM-SHA384', rsa.client.cipher.name)
    assert.equal(2048, rsa.client.cert.bits)
    assert.is_nil(rsa.client.cert.asn1Curve)
  end)
end)
