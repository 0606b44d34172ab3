-- from test/parallel/test-tls-basic-validations.js
local tls = require('tls')

-- luatls words these messages 'The "options.x" argument must be ...' where Node says
-- 'property'; the ports check the code, the option's name and the type named
local function fails(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, 'expected an error')
  return err
end

describe('test-tls-basic-validations', function()
  it('options of the wrong type: ciphers, passphrase, ecdhCurve, handshakeTimeout, sessionTimeout, ticketKeys', function()
    local err = fails(tls.createSecureContext, { ciphers = 1 })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('The "options.ciphers" ', err.message, 1, true)
    assert.matches('must be of type string. Received type number (1)', err.message, 1, true)
    err = fails(tls.createServer, { ciphers = 1 })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    for _, f in ipairs({ tls.createSecureContext, tls.createServer }) do
      err = fails(f, { key = 'dummykey', passphrase = 1 })
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
      assert.matches('The "options.passphrase" ', err.message, 1, true)
    assert.matches('must be of type string', err.message, 1, true)
    end
    err = fails(tls.createServer, { ecdhCurve = 1 })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('The "options.ecdhCurve" ', err.message, 1, true)
    assert.matches('must be of type string', err.message, 1, true)
    err = fails(tls.createServer, { handshakeTimeout = 'abcd' })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('The "options.handshakeTimeout" ', err.message, 1, true)
    assert.matches('must be of type number', err.message, 1, true)
    err = fails(tls.createServer, { sessionTimeout = 'abcd' })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('The "options.sessionTimeout" ', err.message, 1, true)
    assert.matches('must be of type number', err.message, 1, true)
  end)

  it('ticketKeys of the wrong type or length name options.ticketKeys', function()
    local err = fails(tls.createServer, { ticketKeys = 42 })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('options.ticketKeys', err.message, 1, true)
    err = fails(tls.createServer, { ticketKeys = '' })
    assert.equal('ERR_INVALID_ARG_VALUE', err.code)
    assert.matches("The property 'options.ticketKeys' must be exactly 48 bytes", err.message, 1, true)
  end)

  it('createSecurePair refuses a context that is not a SecureContext', function()
    local err = fails(tls.createSecurePair, {})
    assert.equal('ERR_TLS_INVALID_CONTEXT', err.code)
    assert.equal('context must be a SecureContext', err.message)
  end)

  it('convertALPNProtocols: wire format passes through, a name over 255 bytes is ERR_OUT_OF_RANGE', function()
    local out = {}
    tls.convertALPNProtocols('abcd', out)
    assert.equal('abcd', out.ALPNProtocols)
    local err = fails(tls.convertALPNProtocols, { ('a'):rep(500) }, {})
    assert.equal('ERR_OUT_OF_RANGE', err.code)
    assert.equal('The byte length of the protocol at index 0 exceeds the maximum length. It must be <= 255. Received 500',
      err.message)
  end)

  it('unknown minVersion or maxVersion; a checkServerIdentity that is not a function', function()
    assert.equal('ERR_TLS_INVALID_PROTOCOL_VERSION', fails(tls.createSecureContext, { minVersion = 'fhqwhgads' }).code)
    assert.equal('ERR_TLS_INVALID_PROTOCOL_VERSION', fails(tls.createSecureContext, { maxVersion = 'fhqwhgads' }).code)
    for _, v in ipairs({ 1, true }) do
      -- (with a port: luatls checks the port first, Node the options)
      assert.equal('ERR_INVALID_ARG_TYPE', fails(tls.connect, { port = 1, host = '127.0.0.1', checkServerIdentity = v }).code)
    end
  end)
end)
