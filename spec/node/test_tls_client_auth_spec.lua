-- from test/parallel/test-tls-client-auth.js
local N = require('node.common')

-- Identities with an intermediate CA on both sides: the chain server of certs/, and a
-- client certificate signed by the same intermediate, made here.
local function client_identity()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute('mkdir -p ' .. dir)
  local ext = dir .. '/ext'
  local f = io.open(ext, 'w')
  f:write('basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n')
  f:close()
  local cert = H.sh(('openssl req -new -key certs/client-key.pem -subj "/CN=client10" 2>/dev/null | '
    .. 'openssl x509 -req -CA certs/intermediate-cert.pem -CAkey certs/intermediate-key.pem -set_serial 4242 '
    .. '-days 2 -extfile %s 2>/dev/null'):format(ext))
  os.execute('rm -rf ' .. dir)
  return cert
end

local SUBCA = H.cert('intermediate-cert.pem')
local ROOT = N.CA
local server = { key = H.cert('chain-server-key.pem'), single = H.cert('chain-server-cert.pem') }
server.cert = server.single .. SUBCA
local client = { key = N.CLIENT_KEY }
client.single = client_identity()
client.cert = client.single .. SUBCA

local seen = {}
local function check_identity(hostname, cert)
  seen[#seen + 1] = { hostname, cert.subject.CN }
end

local function connect(c, s)
  local co = N.merge({ servername = 'localhost', checkServerIdentity = check_identity }, c)
  return N.pair(co, s)
end

local function err_of(pair) return pair.client.err or pair.server.err end

describe('test-tls-client-auth', function()
  it('complete chains, with and without a client certificate asked for', function()
    local p = connect({ key = client.key, cert = client.cert, ca = ROOT },
      { key = server.key, cert = server.cert, ca = ROOT, requestCert = true })
    assert.is_nil(err_of(p))
    assert.is_true(p.server.authorized)
    p = connect({ ca = ROOT }, { key = server.key, cert = server.cert, ca = ROOT })
    assert.is_nil(err_of(p))
    for _, s in ipairs(seen) do assert.same({ 'localhost', 'localhost' }, s) end
  end)

  it('a client without a certificate when one is required: TLS 1.2 and TLS 1.3', function()
    local p = connect({ maxVersion = 'TLSv1.2', ca = ROOT },
      { key = server.key, cert = server.cert, ca = ROOT, requestCert = true })
    assert.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', p.server.err.code)
    assert.equal('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', p.client.err.code)
    p = connect({ ca = ROOT }, { key = server.key, cert = server.cert, ca = ROOT, requestCert = true })
    assert.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', p.server.err.code)
    assert.equal('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', p.client.err.code)
  end)

  it('incomplete chains sent, completed from the subordinate CA each side knows (list, string, string in a list)', function()
    for _, shape in ipairs({
      function(root, sub) return { root, sub } end,
      function(root, sub) return root .. '\n' .. sub end,
      function(root, sub) return { root .. '\n' .. sub } end,
    }) do
      local p = connect({ key = client.key, cert = client.single, ca = shape(ROOT, SUBCA) },
        { key = server.key, cert = server.single, ca = shape(ROOT, SUBCA), requestCert = true })
      assert.is_nil(err_of(p))
      assert.is_true(p.server.authorized)
    end
  end)

  it('verification failures: the server\'s chain incomplete, its CA unknown, its root sent but not trusted', function()
    local p = connect({ ca = ROOT }, { key = server.key, cert = server.single })
    assert.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE', p.client.err.code)
    p = connect({}, { key = server.key, cert = server.cert })
    assert.equal('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', p.client.err.code)
    p = connect({}, { key = server.key, cert = server.cert .. '\n' .. ROOT })
    assert.equal('SELF_SIGNED_CERT_IN_CHAIN', p.client.err.code)
    p = connect({ ca = ROOT }, { key = server.key, cert = server.cert .. '\n' .. ROOT })
    assert.is_nil(err_of(p))
  end)

  it('a client chain the server cannot complete, or a client CA it does not know: the client sees ECONNRESET', function()
    local p = connect({ key = client.key, cert = client.single, ca = ROOT },
      { key = server.key, cert = server.cert, ca = ROOT, requestCert = true })
    assert.equal('ECONNRESET', err_of(p).code)
    p = connect({ key = client.key, cert = client.cert, ca = ROOT },
      { key = server.key, cert = server.cert, requestCert = true })
    assert.equal('ECONNRESET', err_of(p).code)
  end)

  it('CA certificates as TRUSTED CERTIFICATE and X509 CERTIFICATE PEM blocks, on either side', function()
    for _, label in ipairs({ 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE' }) do
      local relabelled = ROOT:gsub('CERTIFICATE', label)
      local p = connect({ key = client.key, cert = client.cert, ca = relabelled },
        { key = server.key, cert = server.cert, ca = ROOT, requestCert = true })
      assert.is_nil(err_of(p))
      p = connect({ key = client.key, cert = client.cert, ca = ROOT },
        { key = server.key, cert = server.cert, ca = relabelled, requestCert = true })
      assert.is_nil(err_of(p))
    end
  end)
end)
