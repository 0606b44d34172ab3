-- from test/parallel/test-tls-ca-concat.js
local N = require('node.common')

describe('test-tls-ca-concat', function()
  it('ca given as one string holding several certificates: the one that signed the server is found', function()
    local pair = N.pair({ servername = 'localhost', ca = H.cert('selfsigned-cert.pem') .. '\n' .. N.CA }, N.opts())
    assert.is_nil(pair.client.err)
    assert.is_true(pair.client.authorized)
  end)
end)
