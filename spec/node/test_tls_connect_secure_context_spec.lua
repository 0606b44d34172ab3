-- from test/parallel/test-tls-connect-secure-context.js
local tls = require('tls')
local N = require('node.common')

local function connect_with(ctx)
  local r = {}
  H.run(5000, function(done)
    N.server({}, function(s) s:_end() end, function(port, server)
      local c
      c = tls.connect({ port = port, host = '127.0.0.1', servername = 'localhost', secureContext = ctx }, function()
        r.authorized = c.authorized
      end)
      c:on('error', function(e) r.error = e end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

describe('test-tls-connect-secure-context', function()
  it('a client with a SecureContext made beforehand verifies with its ca', function()
    local r = connect_with(tls.createSecureContext({ ca = N.CA }))
    assert.is_nil(r.error)
    assert.is_true(r.authorized)
  end)

  it('options given as nil (Node\'s null) are ignored', function()
    local ctx = tls.createSecureContext({ ca = N.CA, ciphers = nil, clientCertEngine = nil, crl = nil, dhparam = nil,
      passphrase = nil, pfx = nil, privateKeyIdentifier = nil, privateKeyEngine = nil, sessionIdContext = nil,
      sessionTimeout = nil, sigalgs = nil, ticketKeys = nil })
    local r = connect_with(ctx)
    assert.is_nil(r.error)
    assert.is_true(r.authorized)
  end)
end)
