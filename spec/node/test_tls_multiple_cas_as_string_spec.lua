-- from test/parallel/test-tls-multiple-cas-as-string.js
local N = require('node.common')

describe('test-tls-multiple-cas-as-string', function()
  it('several CAs as one string or as a list, on the server or on the client', function()
    local both = N.CA .. H.cert('intermediate-cert.pem')
    for _, ca in ipairs({ both, { N.CA, H.cert('intermediate-cert.pem') } }) do
      local pair = N.pair({ servername = 'localhost', ca = ca },
        N.opts({ ca = ca }))
      assert.is_nil(pair.client.err)
      assert.is_true(pair.client.authorized)
    end
    -- the chain server is only trusted through the intermediate in the same string
    local pair = N.pair({ servername = 'localhost', ca = H.cert('intermediate-cert.pem') .. N.CA },
      { key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-cert.pem') })
    assert.is_nil(pair.client.err)
    assert.is_true(pair.client.authorized)
  end)
end)
