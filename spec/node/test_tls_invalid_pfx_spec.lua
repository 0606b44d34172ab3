-- from test/parallel/test-tls-invalid-pfx.js
local tls = require('tls')

describe('test-tls-invalid-pfx', function()
  it('a PKCS#12 file with the wrong passphrase fails with "mac verify failure"', function()
    local ok, err = pcall(tls.createServer, { pfx = H.cert('server.pfx'), passphrase = 'wrong' })
    assert.is_false(ok)
    assert.matches('mac verify failure', err.message, 1, true)
    ok, err = pcall(tls.createServer, { pfx = H.cert('server.pfx'), passphrase = 'secret' })
    assert.is_true(ok, err)
  end)
end)
