-- from test/parallel/test-tls-honorcipherorder.js
local N = require('node.common')

local SERVER = 'AES256-SHA256:AES128-GCM-SHA256:AES128-SHA256:ECDHE-RSA-AES128-GCM-SHA256'

local function cipher(honor, client_ciphers)
  local pair = N.pair({ rejectUnauthorized = false, ciphers = client_ciphers, maxVersion = 'TLSv1.2' },
    N.opts({ ciphers = SERVER, honorCipherOrder = honor, maxVersion = 'TLSv1.2' }))
  assert.is_nil(pair.client.err)
  return pair.client.cipher.name
end

describe('test-tls-honorcipherorder', function()
  it('honorCipherOrder picks the server\'s preference, otherwise the client\'s', function()
    assert.equal('AES256-SHA256', cipher(true, 'AES128-SHA256:AES256-SHA256'))
    assert.equal('AES128-SHA256', cipher(false, 'AES128-SHA256:AES256-SHA256'))
    assert.equal('AES128-GCM-SHA256', cipher(true, 'AES128-SHA256:AES128-GCM-SHA256'))
    assert.equal('AES128-SHA256', cipher(false, 'AES128-SHA256:AES128-GCM-SHA256'))
    assert.equal('AES256-SHA256', cipher(true, nil))
    -- the default is the server's order, as in Node
    assert.equal('AES256-SHA256', cipher(nil, 'AES128-SHA256:AES256-SHA256'))
  end)
end)
