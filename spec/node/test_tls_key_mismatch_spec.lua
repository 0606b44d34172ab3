-- from test/parallel/test-tls-key-mismatch.js
local tls = require('tls')

describe('test-tls-key-mismatch', function()
  it('a key that does not belong to the certificate is refused: "key values mismatch"', function()
    local ok, err = pcall(tls.createSecureContext, { key = H.cert('client-key.pem'), cert = H.cert('server-cert.pem') })
    assert.is_false(ok)
    assert.matches('key values mismatch', err.message, 1, true)
    assert.equal('ERR_OSSL_X509_KEY_VALUES_MISMATCH', err.code)
  end)
end)
