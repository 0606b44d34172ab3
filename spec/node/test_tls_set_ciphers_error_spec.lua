-- from test/parallel/test-tls-set-ciphers-error.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-set-ciphers-error', function()
  it('cipher strings that match nothing, TLS 1.2 or 1.3, are refused when the server is made', function()
    for _, ciphers in ipairs({ 'aes256-sha', 'FOOBARBAZ', 'TLS_not_a_cipher' }) do
      local ok, err = pcall(tls.createServer, N.opts({ ciphers = ciphers }))
      assert.is_false(ok)
      assert.matches('no cipher match', err.message:lower(), 1, true)
    end
  end)
end)
