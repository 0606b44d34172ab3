-- from test/parallel/test-tls-options-boolean-check.js
local tls = require('tls')
local N = require('node.common')

local KEY, CERT = N.KEY, N.CERT
local KEY2, CERT2 = H.cert('ecdsa-server-key.pem'), H.cert('ecdsa-server-cert.pem')

local function refused(option, opts)
  local ok, err = pcall(tls.createServer, opts)
  assert.is_false(ok)
  assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  assert.matches('The "options.' .. option, err.message, 1, true)
  assert.matches('must be of type string', err.message, 1, true)
end

describe('test-tls-options-boolean-check', function()
  it('strings and lists of strings or { pem } tables are taken as key and cert', function()
    for _, kc in ipairs({
      { KEY, CERT }, { { KEY, KEY2 }, { CERT, CERT2 } }, { { KEY, KEY2 } }, { nil, { CERT, CERT2 } },
      { { { pem = KEY } } }, { { { pem = KEY }, { pem = KEY } } },
    }) do
      assert.is_not_nil(tls.createServer({ key = kc[1], cert = kc[2] }))
    end
  end)

  it('true, a bare { pem } or a number in key or cert is ERR_INVALID_ARG_TYPE naming the option', function()
    for _, kc in ipairs({ { true, CERT }, { true }, { { KEY, true }, { CERT, CERT2 } },
      { { true, KEY2 }, { CERT, CERT2 } }, { true, { CERT, CERT2 } } }) do
      refused('key', { key = kc[1], cert = kc[2] })
    end
    for _, kc in ipairs({ { KEY, true }, { nil, 1 }, { { KEY, KEY2 }, { true, CERT2 } }, { { KEY, KEY2 }, { CERT, true } },
      { { KEY, KEY2 }, true } }) do
      refused('cert', { key = kc[1], cert = kc[2] })
    end
  end)

  it('false stands for "not given"; a bare { pem } table is refused', function()
    for _, kc in ipairs({ { false, CERT }, { KEY, false }, { false, false }, { { KEY, KEY2 }, false }, { false, { CERT, CERT2 } } }) do
      assert.is_not_nil(tls.createServer({ key = kc[1], cert = kc[2] }))
    end
    refused('key', { key = { pem = KEY }, cert = false })
    refused('cert', { key = false, cert = { pem = CERT } })
    assert.is_not_nil(tls.createServer({ key = KEY, cert = CERT, ca = false }))
    for _, v in ipairs({ false, '', 0 }) do
      assert.is_not_nil(tls.createSecureContext({ key = v, cert = v, ca = v }))
    end
  end)

  it('ca as a string or a list; true, a table or a number refused', function()
    for _, ca in ipairs({ N.CA, { N.CA, H.cert('intermediate-cert.pem') } }) do
      assert.is_not_nil(tls.createServer({ key = KEY, cert = CERT, ca = ca }))
    end
    for _, ca in ipairs({ true, 1, { N.CA, true } }) do
      refused('ca', { key = KEY, cert = CERT, ca = ca })
    end
    assert.is_not_nil(tls.createSecureContext({}))
  end)
end)
