-- from test/parallel/test-tls-set-sigalgs.js
local N = require('node.common')

local function test(csigalgs, ssigalgs)
  local shared
  local pair = N.pair(
    { checkServerIdentity = function() end, ca = N.CA, cert = N.CLIENT_CERT, key = N.CLIENT_KEY, sigalgs = csigalgs },
    N.opts({ ca = N.CA, requestCert = true, rejectUnauthorized = true, sigalgs = ssigalgs }),
    function(p) shared = p.server.conn:getSharedSigalgs() end)
  return pair, shared
end

describe('test-tls-set-sigalgs', function()
  it('the signature algorithms both ends allow are the shared ones', function()
    local pair, shared = test('RSA-PSS+SHA384', 'RSA-PSS+SHA384')
    assert.is_nil(pair.client.err)
    assert.is_nil(pair.server.err)
    assert.same({ 'RSA-PSS+SHA384' }, shared)
    pair, shared = test('RSA-PSS+SHA256:RSA-PSS+SHA512:ECDSA+SHA256', 'RSA-PSS+SHA256:ECDSA+SHA256')
    assert.is_nil(pair.client.err)
    assert.same({ 'RSA-PSS+SHA256', 'ECDSA+SHA256' }, shared)
  end)

  it('none in common fails the handshake on both ends', function()
    for _, c in ipairs({ { 'RSA-PSS+SHA384', 'ECDSA+SHA256' }, { 'RSA-PSS+SHA384:ECDSA+SHA256', 'ECDSA+SHA384:RSA-PSS+SHA256' } }) do
      local pair = test(c[1], c[2])
      assert.is_not_nil(pair.server.err)
      assert.is_not_nil(pair.client.err)
      assert.is_nil(pair.client.protocol)
    end
  end)
end)
