-- Verification: every verify code the test certificates can produce, named
-- as Node names them, both as the client's 'error' and as authorizationError.
local tls = require('tls')

local C = H.cert

-- connects a client with client_opts to a server with server_opts
local function connect_case(server_opts, client_opts)
  local r = H.handshake(server_opts, client_opts)
  return { authorized = r.client.authorized, authorizationError = r.client.authorizationError, error = r.client_error }
end

local CASES = {
  { 'UNABLE_TO_GET_ISSUER_CERT', { key = 'chain-server-key.pem', cert = 'chain-server-cert.pem' },
    { ca = 'intermediate-cert.pem' } },
  { 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', { key = 'chain-server-key.pem', cert = 'chain-server-fullchain.pem' },
    { ca = 'selfsigned-cert.pem' } },
  { 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', { key = 'server-key.pem', cert = 'server-cert.pem' },
    { ca = 'selfsigned-cert.pem' } },
  { 'CERT_SIGNATURE_FAILURE', { key = 'server-key.pem', cert = 'badsig-cert.pem' }, { ca = 'ca-cert.pem' } },
  { 'CERT_NOT_YET_VALID', { key = 'server-key.pem', cert = 'notyet-cert.pem' }, { ca = 'ca-cert.pem' } },
  { 'CERT_HAS_EXPIRED', { key = 'expired-key.pem', cert = 'expired-cert.pem' }, { ca = 'ca-cert.pem' } },
  { 'DEPTH_ZERO_SELF_SIGNED_CERT', { key = 'selfsigned-key.pem', cert = 'selfsigned-cert.pem' },
    { ca = 'ca-cert.pem' } },
  { 'SELF_SIGNED_CERT_IN_CHAIN', { key = 'chain-server-key.pem', cert = 'chain-server-withroot.pem' },
    { ca = 'selfsigned-cert.pem' } },
  { 'CERT_REVOKED', { key = 'revoked-key.pem', cert = 'revoked-cert.pem' },
    { ca = 'ca-cert.pem', crl = 'ca-crl.pem' } },
  -- OpenSSL 3.0 checks the purpose of each CA before its CA flag: a signer
  -- that is not a CA surfaces as INVALID_PURPOSE over TLS, never INVALID_CA
  { 'INVALID_PURPOSE', { key = 'notca-leaf-key.pem', cert = 'notca-leaf-chain.pem' }, { ca = 'ca-cert.pem' },
    'a signer that is not a CA' },
  { 'PATH_LENGTH_EXCEEDED', { key = 'pathlen-leaf-key.pem', cert = 'pathlen-leaf-chain.pem' },
    { ca = 'ca-cert.pem' } },
  { 'INVALID_PURPOSE', { key = 'client-key.pem', cert = 'client-cert.pem' }, { ca = 'ca-cert.pem' },
    'a client certificate used by a server' },
}

local function load(files)
  local o = {}
  for k, v in pairs(files) do o[k] = C(v) end
  return o
end

describe('verification codes', function()
  for _, case in ipairs(CASES) do
    local code, server_files, client_files = case[1], case[2], case[3]
    it(code .. (case[4] and ' (' .. case[4] .. ')' or '') .. ': an error with rejectUnauthorized, authorizationError without', function()
      local r = connect_case(load(server_files), load(client_files))
      assert.is_not_nil(r.error, 'expected an error')
      assert.equal(code, r.error.code)
      assert.is_string(r.error.message)
      local opts = load(client_files)
      opts.rejectUnauthorized = false
      r = connect_case(load(server_files), opts)
      assert.is_nil(r.error)
      assert.is_false(r.authorized)
      assert.equal(code, r.authorizationError)
    end)
  end

  it('trusts the system store plus LUATLS_EXTRA_CA_CERTS by default', function()
    local script = H.script([[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect(server:address().port, 'localhost', { rejectUnauthorized = false }, function()
          print(c.authorized, c.authorizationError)
          c:_end()
          server:close()
        end)
      end)
    ]])
    local with = H.sh('LUATLS_EXTRA_CA_CERTS=certs/ca-cert.pem ' .. H.LUATLS .. ' ' .. script .. ' 2>&1')
    local without = H.sh(H.LUATLS .. ' ' .. script .. ' 2>&1')
    local missing = H.sh('LUATLS_EXTRA_CA_CERTS=/no/such.pem ' .. H.LUATLS .. ' ' .. script .. ' 2>&1')
    os.remove(script)
    assert.equal('true\tnil\n', with)
    assert.equal('false\tUNABLE_TO_VERIFY_LEAF_SIGNATURE\n', without)
    assert.matches('Warning: Ignoring extra certs from `/no/such.pem`', missing)
  end)

  it('tls.rootCertificates lists the default roots as PEM', function()
    local roots = tls.rootCertificates
    assert.is_table(roots)
    assert.is_true(#roots > 50, 'the system store has ' .. #roots .. ' roots')
    for _, pem in ipairs(roots) do
      assert.matches('^%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n', pem)
    end
    assert.equal(roots, tls.rootCertificates)
  end)
end)

describe('subject alternative names', function()
  it('escapes a name that reads like two, and no host matches the hidden one', function()
    local cert, err
    H.run(5000, function(done)
      local server = tls.createServer({ key = C('altcomma-key.pem'), cert = C('altcomma-cert.pem') },
        function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = '127.0.0.1', servername = 'evil.example',
          ca = C('ca-cert.pem') })
        c:on('error', function(e) err = e; cert = e.cert end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    -- as Node writes it: quoted, the comma escaped
    assert.equal('DNS:"good.example\\u002c DNS:evil.example"', cert.subjectaltname)
    assert.equal('ERR_TLS_CERT_ALTNAME_INVALID', err.code)
    assert.equal('Host: evil.example. is not in the cert\'s altnames: DNS:"good.example\\u002c DNS:evil.example"',
      err.reason)
  end)
end)

-- Node's own table (test-tls-check-server-identity.js), host by host
describe('tls.checkServerIdentity, Node\'s cases', function()
  local N = {
    { false, { subject = { CN = 'a.com' } }, "Host: false. is not cert's CN: a.com" },
    { nil, { subject = { CN = 'a.com' } }, "Host: nil. is not cert's CN: a.com" },
    { 'a.com', { subject = { CN = 'a.com' } } },
    { 'a.com', { subject = { CN = 'A.COM' } } },
    { 'a.com', { subject = { CN = 'b.com' } }, "Host: a.com. is not cert's CN: b.com" },
    { 'a.com', { subject = { CN = 'a.com.' } } },
    { 'a.com', { subject = { CN = '.a.com' } }, "Host: a.com. is not cert's CN: .a.com" },
    { '8.8.8.8', { subject = { CN = '8.8.8.8' } }, "IP: 8.8.8.8 is not in the cert's list: " },
    { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'DNS:8.8.8.8' }, "IP: 8.8.8.8 is not in the cert's list: " },
    { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'URI:http://8.8.8.8/' }, "IP: 8.8.8.8 is not in the cert's list: " },
    { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'IP Address:8.8.8.8' } },
    { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'IP Address:8.8.8.0/24' }, "IP: 8.8.8.8 is not in the cert's list: " },
    { 'b.a.com', { subject = { CN = '*.a.com' } } },
    { 'ba.com', { subject = { CN = '*.a.com' } }, "Host: ba.com. is not cert's CN: *.a.com" },
    { '\n.b.com', { subject = { CN = '*n.b.com' } }, "Host: \n.b.com. is not cert's CN: *n.b.com" },
    { 'b.a.com', { subjectaltname = 'DNS:omg.com', subject = { CN = '*.a.com' } }, "Host: b.a.com. is not in the cert's altnames: DNS:omg.com" },
    { 'b.a.com', { subject = { CN = 'b*b.a.com' } }, "Host: b.a.com. is not cert's CN: b*b.a.com" },
    { 'a.com', {}, 'Cert does not contain a DNS name' },
    { 'a.com', { subjectaltname = 'DNS:a.com' } },
    { 'a.b.a.com', { subjectaltname = 'URI:http://a.b.a.com/' }, 'Cert does not contain a DNS name' },
    { 'foo.com', { subject = { CN = { 'foo.com', 'bar.com' } } } },
    { 'a.com', { subjectaltname = 'DNS:*', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*" },
    { 'a.com', { subjectaltname = 'DNS:*.com', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.com" },
    { 'a.co.uk', { subjectaltname = 'DNS:*.co.uk', subject = { CN = 'b.com' } } },
    { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = { CN = 'a.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
    { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
    { 'a.com', { subjectaltname = 'DNS:a.com', subject = { CN = 'b.com' } } },
    { 'a.com', { subjectaltname = 'DNS:A.COM', subject = { CN = 'b.com' } } },
    { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = {} }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
    { 'b.a.com', { subjectaltname = 'DNS:*.a.com', subject = {} } },
    { 'c.b.a.com', { subjectaltname = 'DNS:*.a.com', subject = {} }, "Host: c.b.a.com. is not in the cert's altnames: DNS:*.a.com" },
    { 'b.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} } },
    { 'a-cb.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} } },
    { 'a.b.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} }, "Host: a.b.a.com. is not in the cert's altnames: DNS:*b.a.com" },
    { 'a.b.a.com', { subjectaltname = 'DNS:*b.a.com, DNS:a.b.a.com', subject = {} } },
    { 'a.b.a.com', { subjectaltname = 'URI:http://a.b.a.com/', subject = {} }, 'Cert does not contain a DNS name' },
    { 'a.b.a.com', { subjectaltname = 'URI:http://*.b.a.com/', subject = {} }, 'Cert does not contain a DNS name' },
    { 'a.b.a.com', { subjectaltname = 'IP Address:127.0.0.1', subject = {} }, 'Cert does not contain a DNS name' },
    { '127.0.0.1', { subjectaltname = 'IP Address:127.0.0.1', subject = {} } },
    { '127.0.0.2', { subjectaltname = 'IP Address:127.0.0.1', subject = {} }, "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1" },
    { '127.0.0.1', { subjectaltname = 'DNS:a.com', subject = {} }, "IP: 127.0.0.1 is not in the cert's list: " },
    { 'localhost', { subjectaltname = 'DNS:a.com', subject = { CN = 'localhost' } }, "Host: localhost. is not in the cert's altnames: DNS:a.com" },
    { 'xn--bcher-kva.example.com', { subject = { CN = '*.example.com' } } },
    { 'xn--bcher-kva.example.com', { subject = { CN = 'xn--*.example.com' } }, "Host: xn--bcher-kva.example.com. is not cert's CN: xn--*.example.com" },
    -- the escaped form of names with commas (the 2022 SAN parsing fixes)
    { 'evil.example', { subjectaltname = '"DNS:good.example, DNS:evil.example"' },
      'Host: evil.example. is not in the cert\'s altnames: "DNS:good.example, DNS:evil.example"' },
    { 'evil.example', { subjectaltname = 'DNS:good.example, "DNS:x\\u002c y", DNS:evil.example' } },
  }
  for i, case in ipairs(N) do
    it(('case %d: %s'):format(i, tostring(case[1]):gsub('\n', '\\n')), function()
      local err = tls.checkServerIdentity(case[1], case[2])
      if case[3] then
        assert.is_not_nil(err)
        assert.equal('ERR_TLS_CERT_ALTNAME_INVALID', err.code)
        assert.equal(case[3], err.reason)
        assert.equal(case[2], err.cert)
      else
        assert.is_nil(err and err.reason)
      end
    end)
  end

  it('rejects a malformed escaped name', function()
    local ok, err = pcall(tls.checkServerIdentity, 'a.com', { subjectaltname = 'DNS:"unterminated' })
    assert.is_false(ok)
    assert.equal('ERR_TLS_CERT_ALTNAME_FORMAT', err.code)
  end)
end)
