-- Every createSecureContext option taking effect against a real peer.
local tls = require('tls')
local crypto = require('crypto')

local C = H.cert
local CA = C('ca-cert.pem')

-- one handshake with the test certificate and CA unless told otherwise
local function handshake(server_opts, client_opts, bare)
  local co = { ca = CA }
  for k, v in pairs(client_opts or {}) do co[k] = v end
  return H.handshake(bare and server_opts or H.tls_options(server_opts), co)
end

describe('createSecureContext options against a peer', function()
  it('ciphers: one TLS 1.2 cipher, one TLS 1.3 suite; TLS 1.2 names alone keep the default TLS 1.3 suites', function()
    local r = handshake({ ciphers = 'ECDHE-RSA-AES256-GCM-SHA384', maxVersion = 'TLSv1.2' })
    assert.equal('TLSv1.2', r.client.protocol)
    assert.equal('ECDHE-RSA-AES256-GCM-SHA384', r.client.cipher)
    r = handshake({ ciphers = 'ECDHE-RSA-AES256-GCM-SHA384' })
    assert.equal('TLSv1.3', r.client.protocol)
    assert.equal('TLS_AES_256_GCM_SHA384', r.client.cipher)
    r = handshake({ ciphers = 'TLS_CHACHA20_POLY1305_SHA256' })
    assert.equal('TLSv1.3', r.client.protocol)
    assert.equal('TLS_CHACHA20_POLY1305_SHA256', r.client.cipher)
  end)

  it('honorCipherOrder: servers prefer their own order unless told not to', function()
    local client = { ciphers = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' }
    local r = handshake({}, client)
    assert.equal('ECDHE-RSA-AES128-GCM-SHA256', r.client.cipher)
    r = handshake({ honorCipherOrder = false }, client)
    assert.equal('ECDHE-RSA-AES256-GCM-SHA384', r.client.cipher)
  end)

  it('ecdhCurve: the group negotiated, seen through getEphemeralKeyInfo', function()
    local r = handshake({})
    assert.same({ type = 'ECDH', name = 'X25519', size = 253 }, r.client.ephemeral)
    assert.is_nil(r.server.ephemeral)   -- Node's null on a server
    r = handshake({ ecdhCurve = 'P-384' })
    assert.same({ type = 'ECDH', name = 'secp384r1', size = 384 }, r.client.ephemeral)
    -- a group the client did not guess first: the server asks again (HelloRetryRequest)
    r = handshake({ ecdhCurve = 'P-256' }, { ecdhCurve = 'X25519:P-256' })
    assert.equal('prime256v1', r.client.ephemeral.name)
  end)

  it('dhparam: finite-field DHE with the given group, and auto', function()
    local dhe = { ciphers = 'DHE-RSA-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' }
    local o = { dhparam = C('dhparam.pem') }
    for k, v in pairs(dhe) do o[k] = v end
    local r = handshake(o, dhe)
    assert.equal('DHE-RSA-AES128-GCM-SHA256', r.client.cipher)
    assert.same({ type = 'DH', size = 2048 }, r.client.ephemeral)
    o.dhparam = 'auto'
    r = handshake(o, dhe)
    assert.equal('DH', r.client.ephemeral.type)
    local ok, err = pcall(tls.createSecureContext, { dhparam = C('dhparam-small.pem') })
    assert.is_false(ok)
    assert.equal('DH parameter is less than 1024 bits', err.message:match(': (.*)$'))
  end)

  it('sigalgs: the server offers only what it allows', function()
    local r = handshake({ requestCert = true, rejectUnauthorized = false, ca = CA },
      { key = C('client-key.pem'), cert = C('client-cert.pem') })
    assert.is_true(#r.server.sigalgs > 2)
    r = handshake({ requestCert = true, rejectUnauthorized = false, ca = CA, sigalgs = 'RSA-PSS+SHA256' },
      { key = C('client-key.pem'), cert = C('client-cert.pem') })
    assert.same({ 'RSA-PSS+SHA256' }, r.server.sigalgs)
  end)

  it('minVersion, maxVersion, secureProtocol and secureOptions choose the version', function()
    assert.equal('TLSv1.3', handshake({}).client.protocol)
    assert.equal('TLSv1.2', handshake({}, { maxVersion = 'TLSv1.2' }).client.protocol)
    assert.equal('TLSv1.2', handshake({ secureProtocol = 'TLSv1_2_method' }).client.protocol)
    assert.equal('TLSv1.2', handshake({ secureOptions = crypto.constants.SSL_OP_NO_TLSv1_3 }).client.protocol)
    local r = handshake({ minVersion = 'TLSv1.3' }, { maxVersion = 'TLSv1.2' })
    assert.equal('ERR_SSL_UNSUPPORTED_PROTOCOL', r.server_error.code)
    assert.equal('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', r.client_error.code)
  end)

  it("'DEFAULT@SECLEVEL=0' enables TLS 1.0 and 1.1", function()
    for _, v in ipairs({ 'TLSv1', 'TLSv1.1' }) do
      local legacy = { ciphers = 'DEFAULT@SECLEVEL=0', minVersion = v, maxVersion = v }
      local r = handshake(legacy, legacy)
      assert.equal(v, r.client.protocol)
    end
    local r = handshake({ ciphers = 'DEFAULT@SECLEVEL=0', minVersion = 'TLSv1', maxVersion = 'TLSv1' },
      { minVersion = 'TLSv1' })
    assert.is_not_nil(r.client_error)
  end)

  it('serves the RSA or the ECDSA certificate by what the client accepts', function()
    local both = { key = { C('server-key.pem'), C('ecdsa-server-key.pem') },
      cert = { C('server-cert.pem'), C('ecdsa-server-cert.pem') } }
    local r = handshake(both, { ciphers = 'ECDHE-ECDSA-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' })
    assert.equal('prime256v1', r.client.key)
    r = handshake(both, { ciphers = 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' })
    assert.equal(2048, r.client.key)
    r = handshake(both, { sigalgs = 'ECDSA+SHA256' })
    assert.equal('TLSv1.3', r.client.protocol)
    assert.equal('prime256v1', r.client.key)
  end)

  it('pfx: key, certificate and chain from PKCS#12', function()
    local r = handshake({ pfx = C('server.pfx'), passphrase = 'secret' }, {}, true)
    assert.equal('TLSv1.3', r.client.protocol)
    assert.equal(2048, r.client.key)
    local ok, err = pcall(tls.createSecureContext, { pfx = { { buf = C('server.pfx'), passphrase = 'bad' } } })
    assert.is_false(ok)
    assert.equal('pfx', err.option)
    assert.equal('ERR_OSSL_PKCS12_MAC_VERIFY_FAILURE', err.code)
  end)

  it('crl: a revoked server certificate is refused', function()
    local r = handshake({ key = C('revoked-key.pem'), cert = C('revoked-cert.pem') }, { crl = C('ca-crl.pem') })
    assert.equal('CERT_REVOKED', r.client_error.code)
    r = handshake({}, { crl = C('ca-crl.pem') })
    assert.is_nil(r.client_error)
  end)

  it('a SecureContext is shared by several servers and clients', function()
    local ctx = tls.createSecureContext({ key = C('server-key.pem'), cert = C('server-cert.pem'), ca = CA })
    local protocols = {}
    for _ = 1, 2 do
      local r = handshake({ secureContext = ctx }, { secureContext = ctx })
      protocols[#protocols + 1] = r.client.protocol
    end
    assert.same({ 'TLSv1.3', 'TLSv1.3' }, protocols)
  end)
end)

describe('createSecureContext errors', function()
  local function fails(options)
    local ok, err = pcall(tls.createSecureContext, options)
    assert.is_false(ok)
    return err
  end

  it('raises Node\'s codes with messages that name the option', function()
    local cases = {
      { { ciphers = 'NOPE' }, 'ERR_SSL_NO_CIPHER_MATCH', 'ciphers' },
      { { key = C('encrypted-key.pem'), passphrase = 'wrong', cert = C('server-cert.pem') }, 'ERR_OSSL_BAD_DECRYPT', 'key' },
      { { key = C('client-key.pem'), cert = C('server-cert.pem') }, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'key' },
      { { minVersion = 'TLSv1.3', maxVersion = 'TLSv1.2' }, 'ERR_TLS_INVALID_PROTOCOL_VERSION', 'minVersion' },
      { { minVersion = 'TLSv9' }, 'ERR_TLS_INVALID_PROTOCOL_VERSION', 'minVersion' },
      { { ca = 'not PEM' }, 'ERR_OSSL_PEM_NO_START_LINE', 'ca' },
      { { cert = 'not PEM' }, 'ERR_OSSL_PEM_NO_START_LINE', 'cert' },
      { { crl = 'not PEM' }, 'ERR_OSSL_PEM_NO_START_LINE', 'crl' },
      { { ecdhCurve = 'nope' }, 'ERR_CRYPTO_OPERATION_FAILED', 'ecdhCurve' },
      { { sigalgs = 'nope' }, 'ERR_INVALID_ARG_VALUE', 'sigalgs' },
      { { secureProtocol = 'SSLv3_method' }, 'ERR_TLS_INVALID_PROTOCOL_METHOD', 'secureProtocol' },
      { { secureProtocol = 'Nope_method' }, 'ERR_TLS_INVALID_PROTOCOL_METHOD', 'secureProtocol' },
      { { secureProtocol = 'TLSv1_2_method', minVersion = 'TLSv1.2' }, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT', 'minVersion' },
      { { sessionIdContext = string.rep('x', 33) }, 'ERR_OSSL_UNKNOWN', 'sessionIdContext' },
      { { privateKeyEngine = 'pkcs11' }, 'ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED', 'privateKeyEngine' },
      { { clientCertEngine = 'pkcs11' }, 'ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED', 'clientCertEngine' },
      { { key = 42 }, 'ERR_INVALID_ARG_TYPE', 'options.key' },
    }
    for _, case in ipairs(cases) do
      local err = fails(case[1])
      assert.equal(case[2], err.code)
      assert.equal(case[3], err.option)
      assert.is_string(err.message)
    end
    assert.equal('"TLSv9" is not a valid minimum TLS protocol version', fails({ minVersion = 'TLSv9' }).message)
    assert.equal('SSLv3 methods disabled', fails({ secureProtocol = 'SSLv3_method' }).message)
  end)
end)

describe('tls defaults and constants', function()
  it("has Node's default cipher list, curve and versions, settable before contexts are made", function()
    assert.equal(crypto.constants.defaultCoreCipherList, tls.DEFAULT_CIPHERS)
    assert.matches('^TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE%-RSA%-AES128%-GCM%-SHA256', tls.DEFAULT_CIPHERS)
    assert.equal('auto', tls.DEFAULT_ECDH_CURVE)
    assert.equal('TLSv1.2', tls.DEFAULT_MIN_VERSION)
    assert.equal('TLSv1.3', tls.DEFAULT_MAX_VERSION)
    assert.equal(0x4000, crypto.constants.SSL_OP_NO_TICKET)
    local ciphers = tls.getCiphers()
    assert.is_true(#ciphers > 20)
    local set = {}
    for _, c in ipairs(ciphers) do set[c] = true end
    assert.is_true(set['aes128-gcm-sha256'])
    assert.is_true(set['tls_aes_256_gcm_sha384'])
    local saved = tls.DEFAULT_MAX_VERSION
    tls.DEFAULT_MAX_VERSION = 'TLSv1.2'
    local r = handshake({}, {})
    tls.DEFAULT_MAX_VERSION = saved
    assert.equal('TLSv1.2', r.client.protocol)
  end)

  it('takes Node\'s --tls-* flags on the command line', function()
    local script = H.script([[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect(server:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') }, function()
          print(c:getProtocol(), c:getCipher().name, require('crypto').constants.defaultCipherList)
          c:_end()
          server:close()
        end)
      end)
    ]])
    local out = H.sh(H.LUATLS .. ' --tls-max-v1.2 --tls-cipher-list=ECDHE-RSA-AES256-SHA384 ' .. script .. ' 2>&1')
    local out13 = H.sh(H.LUATLS .. ' --tls-min-v1.3 --use-openssl-ca ' .. script .. ' 2>&1')
    os.remove(script)
    assert.equal('TLSv1.2\tECDHE-RSA-AES256-SHA384\tECDHE-RSA-AES256-SHA384\n', out)
    assert.matches('^TLSv1%.3\tTLS_AES_256_GCM_SHA384\t', out13)
  end)
end)
