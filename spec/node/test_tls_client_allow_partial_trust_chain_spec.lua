-- from test/parallel/test-tls-client-allow-partial-trust-chain.js
local N = require('node.common')

-- the chain server of certs/: leaf <- intermediate <- root; the client trusts the intermediate only
local SERVER = { key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-fullchain.pem'),
  ca = H.cert('intermediate-cert.pem') }
local CLIENT = { ca = H.cert('intermediate-cert.pem'), checkServerIdentity = function() end }

describe('test-tls-client-allow-partial-trust-chain', function()
  it('without allowPartialTrustChain an intermediate as the only trust anchor fails: UNABLE_TO_GET_ISSUER_CERT', function()
    local p = N.pair(CLIENT, SERVER)
    assert.equal('UNABLE_TO_GET_ISSUER_CERT', p.client.err.code)
  end)

  it('with allowPartialTrustChain the intermediate is enough', function()
    local p = N.pair(N.merge(CLIENT, { allowPartialTrustChain = true }), SERVER)
    assert.is_nil(p.client.err)
    assert.is_true(p.client.authorized)
  end)
end)
