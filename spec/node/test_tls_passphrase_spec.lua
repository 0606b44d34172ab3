-- from test/parallel/test-tls-passphrase.js
local tls = require('tls')
local N = require('node.common')

local ENC = H.cert('encrypted-key.pem')

local function connect_with(client_opts)
  local pair = N.pair(N.merge({ rejectUnauthorized = false }, client_opts),
    N.opts({ key = ENC, passphrase = 'secret', requestCert = true, rejectUnauthorized = false }))
  return pair
end

describe('test-tls-passphrase', function()
  it('an encrypted key with its passphrase, as a string, a list or { pem, passphrase } tables', function()
    for _, opts in ipairs({
      { key = ENC, passphrase = 'secret', cert = N.CERT },
      { key = { ENC }, passphrase = 'secret', cert = N.CERT },
      { key = { { pem = ENC, passphrase = 'secret' } }, cert = N.CERT },
      { key = { { pem = ENC, passphrase = 'secret' } }, passphrase = 'ignored', cert = N.CERT },
      { key = { { pem = N.KEY } }, cert = N.CERT },
      { key = N.KEY, passphrase = 'not needed', cert = N.CERT },
    }) do
      local pair = connect_with(opts)
      assert.is_nil(pair.client.err)
      assert.is_nil(pair.server.err)
      assert.equal('localhost', pair.server.cert.subject.CN)
    end
  end)

  it('a missing or wrong passphrase is refused at once', function()
    for _, opts in ipairs({
      { key = ENC, cert = N.CERT },
      { key = ENC, passphrase = 'wrong', cert = N.CERT },
      { key = { { pem = ENC, passphrase = 'wrong' } }, cert = N.CERT },
      { key = { { pem = ENC } }, cert = N.CERT },
    }) do
      local ok, err = pcall(tls.createSecureContext, opts)
      assert.is_false(ok)
      assert.matches('bad decrypt', err.message:lower(), 1, true)
    end
  end)
end)
