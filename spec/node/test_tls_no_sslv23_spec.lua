-- from test/parallel/test-tls-no-sslv23.js
local tls = require('tls')

describe('test-tls-no-sslv23', function()
  it('unknown and SSLv2/SSLv3 methods are refused; the SSLv23 and TLSv1* names are accepted', function()
    local ok, err = pcall(tls.createSecureContext, { secureProtocol = 'blargh' })
    assert.is_false(ok)
    assert.equal('ERR_TLS_INVALID_PROTOCOL_METHOD', err.code)
    assert.equal('Unknown method: blargh', err.message)
    for _, v in ipairs({ '2', '3' }) do
      for _, m in ipairs({ 'SSLv' .. v .. '_method', 'SSLv' .. v .. '_client_method', 'SSLv' .. v .. '_server_method' }) do
        ok, err = pcall(tls.createSecureContext, { secureProtocol = m })
        assert.is_false(ok)
        assert.matches('SSLv' .. v .. ' methods disabled', err.message, 1, true)
      end
    end
    for _, base in ipairs({ 'SSLv23', 'TLSv1', 'TLSv1_1', 'TLSv1_2' }) do
      for _, suffix in ipairs({ '_method', '_client_method', '_server_method' }) do
        assert.is_not_nil(tls.createSecureContext({ secureProtocol = base .. suffix }))
      end
    end
  end)
end)
