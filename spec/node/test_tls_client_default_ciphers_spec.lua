-- from test/parallel/test-tls-client-default-ciphers.js
local tls = require('tls')

describe('test-tls-client-default-ciphers', function()
  it('tls.connect makes its context through tls.createSecureContext, with tls.DEFAULT_CIPHERS', function()
    local saved, ciphers = tls.createSecureContext, nil
    local DONE = {}
    tls.createSecureContext = function(options) ciphers = options.ciphers; error(DONE) end
    local ok, err = pcall(tls.connect)
    tls.createSecureContext = saved
    assert.is_false(ok)
    assert.equal(DONE, err)
    assert.equal(tls.DEFAULT_CIPHERS, ciphers)
  end)
end)
