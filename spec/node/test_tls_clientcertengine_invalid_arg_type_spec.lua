-- from test/parallel/test-tls-clientcertengine-invalid-arg-type.js
local tls = require('tls')

describe('test-tls-clientcertengine-invalid-arg-type', function()
  it('clientCertEngine of the wrong type: ERR_INVALID_ARG_TYPE', function()
    local ok, err = pcall(tls.createSecureContext, { clientCertEngine = 0 })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  end)
end)
