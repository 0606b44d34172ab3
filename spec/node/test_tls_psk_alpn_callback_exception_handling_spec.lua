-- from test/parallel/test-tls-psk-alpn-callback-exception-handling.js
local tls = require('tls')
local N = require('node.common')

local CIPHERS = 'PSK+HIGH'

-- a server (options) and a client (options); what each end reported
local function attempt(server_opts, client_opts)
  local r = {}
  H.run(5000, function(done)
    local server = tls.createServer(server_opts, function() r.secure = true end)
    server:on('tlsClientError', function(err, socket) r.server_err = err; socket:destroy() end)
    N.listen(server, function(port)
      local c = tls.connect(N.merge({ port = port, host = '127.0.0.1' }, client_opts))
      c:on('error', function(e) r.client_err = e end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

local PSK = ('\0'):rep(32)
local function psk_client() return { psk = PSK, identity = 'test-identity' } end

describe('test-tls-psk-alpn-callback-exception-handling', function()
  it('a server pskCallback answering with the wrong type, or raising, is a tlsClientError', function()
    -- Node's wrong type is a string; in Lua a string is a key, so a number here
    local r = attempt({ ciphers = CIPHERS, pskIdentityHint = 'test-hint', pskCallback = function() return 42 end },
      { ciphers = CIPHERS, checkServerIdentity = function() end, pskCallback = psk_client })
    assert.is_nil(r.secure)
    assert.equal('ERR_INVALID_ARG_TYPE', r.server_err.code)
    r = attempt({ ciphers = CIPHERS, pskIdentityHint = 'test-hint',
      pskCallback = function() error('Intentional callback error', 0) end },
      { ciphers = CIPHERS, checkServerIdentity = function() end, pskCallback = psk_client })
    assert.is_nil(r.secure)
    assert.equal('Intentional callback error', r.server_err.message)
  end)

  it('an ALPNCallback answering a protocol not offered, or raising, is a tlsClientError', function()
    local r = attempt(N.opts({ ALPNCallback = function() return 'invalid-protocol-not-in-list' end }),
      { rejectUnauthorized = false, ALPNProtocols = { 'http/1.1', 'h2' } })
    assert.is_nil(r.secure)
    assert.equal('ERR_TLS_ALPN_CALLBACK_INVALID_RESULT', r.server_err.code)
    r = attempt(N.opts({ ALPNCallback = function() error('Intentional ALPN callback error', 0) end }),
      { rejectUnauthorized = false, ALPNProtocols = { 'http/1.1' } })
    assert.is_nil(r.secure)
    assert.equal('Intentional ALPN callback error', r.server_err.message)
  end)

  it('a client pskCallback answering with the wrong type, or raising, is the client\'s \'error\'', function()
    local server = { ciphers = CIPHERS, pskIdentityHint = 'test-hint', pskCallback = function() return PSK end }
    local r = attempt(server, { ciphers = CIPHERS, checkServerIdentity = function() end,
      pskCallback = function() return 'invalid-should-be-object' end })
    assert.is_nil(r.secure)
    assert.equal('ERR_INVALID_ARG_TYPE', r.client_err.code)
    r = attempt(server, { ciphers = CIPHERS, checkServerIdentity = function() end,
      pskCallback = function() error('Intentional client PSK callback error', 0) end })
    assert.is_nil(r.secure)
    assert.equal('Intentional client PSK callback error', r.client_err.message)
  end)
end)
