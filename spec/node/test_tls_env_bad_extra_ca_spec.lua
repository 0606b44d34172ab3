-- from test/parallel/test-tls-env-bad-extra-ca.js

describe('test-tls-env-bad-extra-ca', function()
  it('an extra CA file that cannot be read is a warning, and the script still runs', function()
    local out, code = H.sh('LUATLS_EXTRA_CA_CERTS=/no/such/file.pem ' .. H.LUATLS
      .. [[ -e 'require("tls").createSecureContext({}) print("ran")' 2>&1]])
    assert.equal(0, code)
    assert.matches('ran\n', out, 1, true)
    assert.matches('Warning: Ignoring extra certs from `/no/such/file.pem`, load failed', out, 1, true)
  end)
end)
