-- from test/parallel/test-tls-client-getephemeralkeyinfo.js
local tls = require('tls')
local N = require('node.common')

-- 1024-bit DH parameters (RFC 5114's named group): generated, not kept in certs/
local function dh1024()
  local out = H.sh('openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 2>/dev/null')
  return out
end

local function probe(size, kind, name, cipher, dhparam)
  local client_info, server_info
  H.run(8000, function(done)
    local o = { ciphers = cipher, maxVersion = 'TLSv1.2', ecdhCurve = name, dhparam = dhparam }
    N.server(o, function(conn)
      server_info = conn:getEphemeralKeyInfo()
      conn:_end()
    end, function(port, server)
      local c
      c = tls.connect({ port = port, rejectUnauthorized = false, ciphers = cipher:find('SECLEVEL') and 'DEFAULT:@SECLEVEL=1' or nil }, function()
        client_info = c:getEphemeralKeyInfo()
        server:close()
      end)
      c:on('close', function() done() end)
    end)
  end)
  assert.equal(kind, client_info.type)
  assert.equal(size, client_info.size)
  assert.equal(name, client_info.name)
  return server_info
end

describe('test-tls-client-getephemeralkeyinfo', function()
  it('the client sees the key exchange: none, DH (auto, 1024, 2048), ECDH P-256, P-521, X25519, X448', function()
    probe(nil, nil, nil, 'AES128-SHA256')
    probe(2048, 'DH', nil, 'DHE-RSA-AES128-GCM-SHA256', 'auto')
    -- Debian's OpenSSL defaults to security level 2, which refuses 1024-bit groups on both ends; Node's own is at 1
    probe(1024, 'DH', nil, 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=1', dh1024())
    probe(2048, 'DH', nil, 'DHE-RSA-AES128-GCM-SHA256', H.cert('dhparam.pem'))
    probe(256, 'ECDH', 'prime256v1', 'ECDHE-RSA-AES128-GCM-SHA256')
    probe(521, 'ECDH', 'secp521r1', 'ECDHE-RSA-AES128-GCM-SHA256')
    probe(253, 'ECDH', 'X25519', 'ECDHE-RSA-AES128-GCM-SHA256')
    probe(448, 'ECDH', 'X448', 'ECDHE-RSA-AES128-GCM-SHA256')
  end)

  it('on a server socket it is null', function()
    assert.is_nil(probe(256, 'ECDH', 'prime256v1', 'ECDHE-RSA-AES128-GCM-SHA256'))
  end)
end)
