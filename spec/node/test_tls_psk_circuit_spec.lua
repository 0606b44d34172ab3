-- from test/parallel/test-tls-psk-circuit.js
local tls = require('tls')
local N = require('node.common')

local CIPHERS = 'PSK+HIGH:TLS_AES_128_GCM_SHA256'
local USERS = {
  UserA = require('crypto').randomBytes(128),
  UserB = ('82072606b502b0f4025e90eb75fe137d'):gsub('%x%x', function(h) return string.char(tonumber(h, 16)) end),
}

-- one PSK connection; returns what happened
local function attempt(secret, opts)
  local r = { psk_calls = 0 }
  H.run(5000, function(done)
    local server = tls.createServer({ ciphers = CIPHERS, pskCallback = function(socket, id)
      r.socket_ok = getmetatable(socket) ~= nil and socket.encrypted == true
      r.id_type = type(id)
      return USERS[id]
    end }, function(c) r.secured = true; c:pipe(c) end)
    server:on('tlsClientError', function() end)
    N.listen(server, function(port)
      local c
      c = tls.connect(N.merge({ port = port, host = '127.0.0.1', ciphers = CIPHERS, checkServerIdentity = function() end,
        pskCallback = function() r.psk_calls = r.psk_calls + 1; return secret end }, opts), function()
        r.protocol = c:getProtocol()
        c:_end('x')
      end)
      c:on('data', function(d) r.data = (r.data or '') .. d end)
      c:on('error', function(e) r.error = e end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

local function ok(r, protocol)
  assert.is_nil(r.error)
  assert.is_true(r.secured)
  assert.equal('x', r.data)
  assert.is_true(r.psk_calls >= 1)
  assert.is_true(r.socket_ok)
  assert.equal('string', r.id_type)
  if protocol then assert.equal(protocol, r.protocol) end
end

describe('test-tls-psk-circuit', function()
  it('known identities with their keys connect over TLS 1.2 and 1.3', function()
    ok(attempt({ psk = USERS.UserA, identity = 'UserA' }))
    ok(attempt({ psk = USERS.UserA, identity = 'UserA' }, { maxVersion = 'TLSv1.2' }), 'TLSv1.2')
    ok(attempt({ psk = USERS.UserA, identity = 'UserA' }, { minVersion = 'TLSv1.3' }), 'TLSv1.3')
    ok(attempt({ psk = USERS.UserB, identity = 'UserB' }))
    ok(attempt({ psk = USERS.UserB, identity = 'UserB' }, { minVersion = 'TLSv1.3' }), 'TLSv1.3')
  end)

  it('an unknown identity, or a wrong key, fails the handshake', function()
    local r = attempt({ psk = USERS.UserB, identity = 'UserC' })
    assert.is_nil(r.secured)
    assert.equal('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', r.error.code)
    r = attempt({ psk = USERS.UserA, identity = 'UserB' })
    assert.is_nil(r.secured)
    assert.equal('ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER', r.error.code)
    ok(attempt({ psk = USERS.UserB, identity = 'UserB' }))
  end)
end)
