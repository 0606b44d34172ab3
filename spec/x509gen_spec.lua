-- require('x509'): keys, CAs and certificates made in-process, checked by the
-- openssl command and by real handshakes: mutual TLS, every bad kind's verify
-- code, CRL revocation and an OCSP staple.
local tls = require('tls')
local fs = require('fs')
local util = require('util')
local x509 = require('x509')

-- writes text to a temporary file; the caller removes it
local function tmp(text)
  local path = os.tmpname()
  fs.writeFileSync(path, text)
  return path
end

-- runs `openssl ARGS` with files made from the texts ({name = text}, written
-- and named in args as {name}): output and exit code
local function openssl(args, files)
  local paths = {}
  for name, text in pairs(files or {}) do paths[name] = tmp(text) end
  local cmd = 'openssl ' .. args:gsub('{(%w+)}', paths) .. ' 2>&1'
  local out, code = H.sh(cmd)
  for _, p in pairs(paths) do os.remove(p) end
  return out, code
end

local function raises(code, fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, 'expected an error ' .. code)
  assert.is_table(err, tostring(err))
  assert.equal(code, err.code, tostring(err.message))
  return err
end

local CA = x509.createCA({ subject = { CN = 'x509gen spec CA', O = 'luatls' } })

describe('x509 keys', function()
  it('generates ec, rsa, ed25519 and ed448 keys that print their type and never the key', function()
    local cases = {
      { x509.generateKey('ec'), 'ec', 256, '<PrivateKey ec P-256>' },
      { x509.generateKey('ec', { curve = 'P-384' }), 'ec', 384, '<PrivateKey ec P-384>' },
      { x509.generateKey('ec', { curve = 'secp256k1' }), 'ec', 256, '<PrivateKey ec secp256k1>' },
      { x509.generateKey('rsa', { rsaBits = 1024 }), 'rsa', 1024, '<PrivateKey rsa 1024>' },
      { x509.generateKey('ed25519'), 'ed25519', 256, '<PrivateKey ed25519>' },
      { x509.generateKey('ed448'), 'ed448', 456, '<PrivateKey ed448>' },
    }
    for _, c in ipairs(cases) do
      local k = c[1]
      assert.equal(c[2], k:type())
      assert.equal(c[3], k:bits())
      assert.equal(c[4], tostring(k))
      assert.equal(c[4], util.inspect(k))
      assert.equal('{ ' .. c[4] .. ' }', util.inspect({ k }))
      assert.is_true(x509.isPrivateKey(k))
    end
    assert.equal('P-256', cases[1][1]:curve())
    assert.is_nil(cases[4][1]:curve())
  end)

  it('key:pem() round-trips, encrypted with a passphrase; publicPem() is the public half', function()
    local k = x509.generateKey('ec')
    local pem = k:pem()
    assert.matches('^%-%-%-%-%-BEGIN PRIVATE KEY%-%-%-%-%-\n', pem)
    assert.equal(pem, x509.loadKey(pem):pem())
    local enc = k:pem('secret')
    assert.matches('^%-%-%-%-%-BEGIN ENCRYPTED PRIVATE KEY', enc)
    assert.equal(pem, x509.loadKey(enc, 'secret'):pem())
    raises('ERR_OSSL_BAD_DECRYPT', function() x509.loadKey(enc, 'wrong') end)
    raises('ERR_INVALID_ARG_VALUE', function() x509.loadKey(enc) end)
    local out, code = openssl('pkey -pubin -in {pub} -noout -text', { pub = k:publicPem() })
    assert.equal(0, code, out)
    assert.matches('NIST CURVE: P%-256', out)
    -- the key of a certificate file made by the openssl command
    assert.is_true(x509.loadKey(H.cert('server-key.pem')):matches(H.cert('server-cert.pem')))
    assert.is_false(k:matches(H.cert('server-cert.pem')))
  end)

  it('no private key shows in tostring or util.inspect of a CA or of what it issues', function()
    local issued = CA:issue({})
    for _, v in ipairs({ CA, issued, { issued = issued, ca = CA } }) do
      local text = tostring(v) .. util.inspect(v, { depth = 5 })
      assert.is_nil(text:find('PRIVATE KEY', 1, true), text)
    end
    assert.matches('^<Certificate CN=localhost issued by O=luatls, CN=x509gen spec CA, key ec P%-256>$', tostring(issued))
    assert.equal('<CertificateAuthority O=luatls, CN=x509gen spec CA, key ec P-256>', tostring(CA))
    -- the key is there when asked for, and when the table is copied into options
    assert.matches('BEGIN PRIVATE KEY', issued.key)
    local copy = {}
    for k, v in pairs(issued) do copy[k] = v end
    assert.equal(issued.key, copy.key)
    assert.is_nil(rawget(issued, 'key'))
  end)

  it('refuses unknown key types, curves and sizes with error objects', function()
    raises('ERR_INVALID_ARG_VALUE', function() x509.generateKey('dsa') end)
    raises('ERR_INVALID_ARG_VALUE', function() x509.generateKey('ec', { curve = 'P-999' }) end)
    raises('ERR_OUT_OF_RANGE', function() x509.generateKey('rsa', { rsaBits = 256 }) end)
    raises('ERR_INVALID_ARG_VALUE', function() x509.loadKey('not a key') end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ key = 'dsa' }) end)
  end)
end)

describe('x509 certificates', function()
  it('createCA makes a self-signed root; issue makes a leaf that openssl verify accepts', function()
    local p = x509.parse(CA.cert)
    assert.is_true(p.ca)
    assert.equal('x509gen spec CA', p.subject.CN)
    assert.same(p.subject, p.issuer)
    assert.same({ CA.cert }, CA.chain)
    assert.equal(CA.cert, CA.root)
    local leaf = CA:issue({
      subject = { CN = 'server.test', O = 'luatls', OU = { 'a', 'b' } },
      altNames = { 'DNS:server.test', 'DNS:*.server.test', 'IP:127.0.0.1', 'IP:::1', 'email:a@b.test', 'URI:https://x.test/' },
      ocsp = 'http://ocsp.test/', crl = 'http://crl.test/ca.crl', caIssuers = 'http://ca.test/ca.crt',
      days = 10, serial = 'ABCDEF',
    })
    local c = x509.parse(leaf.cert)
    assert.equal('server.test', c.subject.CN)
    assert.same({ 'a', 'b' }, c.subject.OU)
    assert.equal('DNS:server.test, DNS:*.server.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, ' ..
      'email:a@b.test, URI:https://x.test/', c.subjectaltname)
    assert.same({ ['OCSP - URI'] = { 'http://ocsp.test/' }, ['CA Issuers - URI'] = { 'http://ca.test/ca.crt' } }, c.infoAccess)
    assert.same({ '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2' }, c.ext_key_usage)
    assert.equal('ABCDEF', leaf.serial)
    assert.is_false(c.ca)
    assert.equal(CA.cert, leaf.ca)
    assert.same({ CA.cert }, leaf.chain)
    local out, code = openssl('verify -CAfile {ca} {leaf}', { ca = CA.cert, leaf = leaf.cert })
    assert.equal(0, code, out)
    out = openssl('x509 -in {leaf} -noout -text -dates', { leaf = leaf.cert })
    assert.matches('Digital Signature', out)
    assert.matches('URI:http://crl.test/ca.crl', out)
    assert.matches('CA:FALSE', out)
    -- ten days, from five minutes ago
    local nb = out:match('notBefore=([^\n]+)')
    local na = out:match('notAfter=([^\n]+)')
    assert.is_string(nb)
    assert.is_string(na)
    local function epoch(s) return tonumber((H.sh(("date -u -d '%s' +%%s"):format(s)))) end
    assert.is_true(math.abs(epoch(na) - os.time() - 10 * 86400) < 60)
    assert.is_true(math.abs(os.time() - 300 - epoch(nb)) < 60)
  end)

  it('isCA and pathLen make an intermediate; a chain of them verifies to the root', function()
    local inter = CA:intermediate({ pathLen = 0 })
    assert.equal(2, #inter.chain)
    assert.equal(CA.cert, inter.root)
    local out = openssl('x509 -in {c} -noout -text', { c = inter.cert })
    assert.matches('CA:TRUE, pathlen:0', out)
    assert.matches('Certificate Sign, CRL Sign', out)
    local leaf = inter:issue({ key = 'rsa' })
    assert.equal(2, #leaf.chain)
    -- cert is the leaf then the intermediate, as a server sends it
    local code
    out, code = openssl('verify -CAfile {root} -untrusted {cert} {cert}', { root = CA.cert, cert = leaf.cert })
    assert.equal(0, code, out)
    -- issue{ isCA = true } and loadCA give the same kind of CA
    local sub = x509.loadCA(CA:issue({ isCA = true, subject = { CN = 'sub CA' } }))
    assert.equal(2, #sub.chain)
    out, code = openssl('verify -CAfile {root} -untrusted {cert} {cert}', { root = CA.cert, cert = sub:issue({}).cert })
    assert.equal(0, code, out)
  end)

  it('loadCA takes the test CA made by the openssl command', function()
    local ca = x509.loadCA({ key = H.cert('ca-key.pem'), cert = H.cert('ca-cert.pem') })
    local leaf = ca:issue({ key = 'ed25519' })
    local out, code = openssl('verify -CAfile certs/ca-cert.pem {leaf}', { leaf = leaf.cert })
    assert.equal(0, code, out)
    raises('ERR_INVALID_ARG_VALUE', function()
      x509.loadCA({ key = H.cert('server-key.pem'), cert = H.cert('ca-cert.pem') })
    end)
    raises('ERR_INVALID_ARG_VALUE', function()
      x509.loadCA({ key = H.cert('server-key.pem'), cert = H.cert('server-cert.pem') })
    end)
  end)

  it('createCSR makes a request openssl accepts; ca:sign checks it and keeps its subject and names', function()
    local csr, key = x509.createCSR({ subject = { CN = 'requester', O = 'luatls' }, altNames = { 'DNS:req.test' } })
    assert.matches('^%-%-%-%-%-BEGIN CERTIFICATE REQUEST', csr)
    assert.is_true(x509.isPrivateKey(key))
    local out, code = openssl('req -in {csr} -noout -verify', { csr = csr })
    assert.equal(0, code, out)
    local signed = CA:sign(csr, { days = 5 })
    assert.is_nil(signed.key)
    local c = x509.parse(signed.cert)
    assert.equal('requester', c.subject.CN)
    assert.equal('DNS:req.test', c.subjectaltname)
    assert.is_true(key:matches(signed.cert))
    -- the options win over the request
    c = x509.parse(CA:sign(csr, { subject = { CN = 'other' }, altNames = { 'DNS:other.test' } }).cert)
    assert.equal('other', c.subject.CN)
    assert.equal('DNS:other.test', c.subjectaltname)
    -- a request whose signature does not match its content is refused
    local der = openssl('req -in {csr} -outform DER', { csr = csr })
    local tampered = openssl('req -inform DER -in {der}', { der = (der:gsub('requester', 'requestes')) })
    assert.matches('^%-%-%-%-%-BEGIN CERTIFICATE REQUEST', tampered)
    raises('ERR_INVALID_ARG_VALUE', function() CA:sign(tampered) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:sign('not a request') end)
  end)

  it('createSelfSigned makes a certificate a peer can trust as its own CA', function()
    local ss = x509.createSelfSigned({ key = 'rsa' })
    assert.equal(ss.cert, ss.ca)
    local r = H.handshake(ss, { ca = ss.ca })
    assert.is_nil(r.client_error)
    assert.is_true(r.client.authorized)
  end)

  it('refuses bad options with error objects naming them', function()
    local e = raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ altNames = { 'FTP:x' } }) end)
    assert.equal('altNames', e.option)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ altNames = { 'IP:not-an-ip' } }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ keyUsage = { 'everything' } }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ extKeyUsage = { 'serverAuth,critical' } }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ subject = { NOPE = 'x' } }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ subject = { C = 'too long' } }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ serial = -1 }) end)
    raises('ERR_INVALID_ARG_VALUE', function() CA:issue({ kind = 'nonsense' }) end)
    raises('ERR_INVALID_ARG_TYPE', function() CA:issue({ days = 'ten' }) end)
    raises('ERR_OUT_OF_RANGE', function() CA:issue({ days = 0 / 0 }) end)
    raises('ERR_INVALID_ARG_TYPE', function() CA:issue('localhost') end)
  end)
end)

describe('x509 mutual TLS in-process', function()
  it('a server and a client certificate from one CA: both sides authorized, bytes echoed', function()
    local server_id = CA:issue({ extKeyUsage = { 'serverAuth' } })
    local client_id = CA:issue({ subject = { CN = 'alice' }, altNames = { 'email:alice@example.test' },
      extKeyUsage = { 'clientAuth' } })
    local r = {}
    H.run(10000, function(done)
      local server = tls.createServer({ key = server_id.key, cert = server_id.cert, ca = CA.cert,
        requestCert = true, rejectUnauthorized = true }, function(s)
        r.server_authorized = s.authorized
        r.client_cn = s:getPeerCertificate().subject.CN
        s:pipe(s)
      end)
      server:listen(0, '127.0.0.1', function()
        local c
        -- client_id carries key, cert and ca: it plugs straight into the options
        c = tls.connect(server:address().port, 'localhost', client_id, function()
          r.client_authorized = c.authorized
          r.server_cn = c:getPeerCertificate().subject.CN
          c:write('ping over mutual TLS')
        end)
        c:on('data', function(d)
          r.echo = (r.echo or '') .. d
          if r.echo == 'ping over mutual TLS' then c:_end() end
        end)
        c:on('error', function(e) r.error = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_nil(r.error)
    assert.is_true(r.server_authorized)
    assert.is_true(r.client_authorized)
    assert.equal('alice', r.client_cn)
    assert.equal('localhost', r.server_cn)
    assert.equal('ping over mutual TLS', r.echo)
  end)

  it('works with rsa, ed25519 and P-384 keys under an RSA CA', function()
    local ca = x509.createCA({ key = 'rsa', rsaBits = 2048 })
    for _, o in ipairs({ { key = 'rsa' }, { key = 'ed25519' }, { key = 'ec', curve = 'P-384' } }) do
      local r = H.handshake(ca:issue(o), { ca = ca.cert })
      assert.is_nil(r.client_error)
      assert.is_true(r.client.authorized, o.key)
    end
  end)

  it('a server that asks for a client certificate sees an expired one as CERT_HAS_EXPIRED', function()
    local client_id = x509.bad.expired(CA, { subject = { CN = 'late' } })
    local seen
    H.run(10000, function(done)
      local id = CA:issue({})
      local server = tls.createServer({ key = id.key, cert = id.cert, ca = CA.cert, requestCert = true,
        rejectUnauthorized = false }, function(s)
        seen = { s.authorized, s.authorizationError }
        s:_end()
      end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect(server:address().port, 'localhost', client_id)
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ false, 'CERT_HAS_EXPIRED' }, seen)
  end)
end)

describe('x509 bad certificates', function()
  -- the client trusts the CA (and takes its CRL, for the revoked kind)
  local function client_options(b) return { ca = b.ca, crl = b.crl } end

  for _, kind in ipairs(x509.bad.kinds) do
    local code = x509.bad.codes[kind]
    it(kind .. ': a luatls client reports ' .. code .. ', as an error and as authorizationError', function()
      local b = x509.bad[kind](CA)
      assert.equal(kind, b.kind)
      local r = H.handshake(b, client_options(b))
      assert.is_not_nil(r.client_error, 'expected ' .. code)
      assert.equal(code, r.client_error.code)
      local o = client_options(b)
      o.rejectUnauthorized = false
      r = H.handshake(b, o)
      assert.is_nil(r.client_error)
      assert.is_false(r.client.authorized)
      assert.equal(code, r.client.authorizationError)
      -- the same through ca:issue{ kind = ... }
      assert.equal(kind, CA:issue({ kind = kind }).kind)
    end)
  end

  it('weakKey: a server at the default security level refuses the key (ERR_SSL_EE_KEY_TOO_SMALL)', function()
    local b = x509.bad.weakKey(CA)
    assert.equal('<PrivateKey rsa 1024>', tostring(b.privateKey))
    local e = raises('ERR_SSL_EE_KEY_TOO_SMALL', function() tls.createServer({ key = b.key, cert = b.cert }) end)
    assert.equal('cert', e.option)
    assert.matches('ee key too small', e.message)
    -- and the client's message names the cause
    local r = H.handshake(b, { ca = b.ca })
    assert.equal('EE certificate key too weak', r.client_error.message)
  end)

  local node = H.sh('command -v node')
  local it_node = node ~= '' and it or pending
  it_node('node, given the same files, reports the same codes', function()
    local dir = H.sh('mktemp -d'):gsub('%s+$', '')
    local kinds = {}
    for _, kind in ipairs(x509.bad.kinds) do
      local b = x509.bad[kind](CA)
      for _, f in ipairs({ 'key', 'cert', 'ca', 'crl' }) do
        if b[f] then fs.writeFileSync(('%s/%s-%s.pem'):format(dir, kind, f), b[f]) end
      end
      kinds[#kinds + 1] = kind
    end
    -- Node's own OpenSSL defaults to security level 1, where a 1024-bit RSA
    -- key passes: its client is set to level 2, as luatls's default is
    local script = dir .. '/check.js'
    fs.writeFileSync(script, [[
const tls = require('tls'), fs = require('fs');
const dir = process.argv[2];
(async () => {
  for (const kind of process.argv.slice(3)) {
    const f = (n) => fs.existsSync(`${dir}/${kind}-${n}.pem`) ? fs.readFileSync(`${dir}/${kind}-${n}.pem`) : undefined;
    await new Promise((resolve) => {
      const server = tls.createServer({ key: f('key'), cert: f('cert'),
        ciphers: kind === 'weakKey' ? 'DEFAULT:@SECLEVEL=0' : undefined }, (s) => s.end());
      server.listen(0, '127.0.0.1', () => {
        const c = tls.connect({ port: server.address().port, host: 'localhost', ca: f('ca'), crl: f('crl'),
          ciphers: 'DEFAULT:@SECLEVEL=2' });
        c.on('secureConnect', () => { console.log(kind, 'none'); c.end(); });
        c.on('error', (e) => console.log(kind, e.code));
        c.on('close', () => { server.close(); resolve(); });
      });
    });
  }
})();
]])
    local out, code = H.sh(('timeout 60 node %s %s %s 2>&1'):format(script, dir, table.concat(kinds, ' ')))
    H.sh('rm -rf ' .. dir)
    assert.equal(0, code, out)
    local got = {}
    for kind, c in out:gmatch('(%w+) ([%w_]+)\n') do got[kind] = c end
    assert.same(x509.bad.codes, got)
  end)
end)

describe('x509 revocation', function()
  it('ca:crl lists revoked serials: a client with the CRL reports CERT_REVOKED, others pass', function()
    local ca = x509.createCA({ subject = { CN = 'CRL CA' } })
    local revoked, good = ca:issue({}), ca:issue({})
    local crl = ca:crl({ revoked = { revoked.serial, { serial = 7, reason = 'superseded' } } })
    local out, code = openssl('crl -in {crl} -noout -text -CAfile {ca}', { crl = crl, ca = ca.cert })
    assert.equal(0, code, out)
    assert.matches('verify OK', out)
    assert.matches('Serial Number: ' .. revoked.serial, out)
    assert.matches('Serial Number: 07', out)
    assert.matches('Superseded', out)
    local r = H.handshake(revoked, { ca = ca.cert, crl = crl })
    assert.equal('CERT_REVOKED', r.client_error and r.client_error.code)
    r = H.handshake(good, { ca = ca.cert, crl = crl })
    assert.is_nil(r.client_error)
    assert.is_true(r.client.authorized)
    -- ca:revoke() records, and every later CRL lists it
    ca:revoke(good, 'keyCompromise')
    r = H.handshake(good, { ca = ca.cert, crl = ca:crl() })
    assert.equal('CERT_REVOKED', r.client_error and r.client_error.code)
    -- an expired CRL is an error of its own
    r = H.handshake(ca:issue({}), { ca = ca.cert, crl = ca:crl({ thisUpdate = os.time() - 10 * 86400, days = 1 }) })
    assert.equal('CRL_HAS_EXPIRED', r.client_error and r.client_error.code)
  end)

  it('ca:ocspResponse staples through OCSPRequest to a client with requestOCSP; openssl ocsp reads it', function()
    local ca = x509.createCA({ subject = { CN = 'OCSP CA' } })
    local id = ca:issue({ ocsp = 'http://ocsp.luatls.test/' })
    local got, asked
    H.run(10000, function(done)
      local server = tls.createServer(id, function(s) s:_end() end)
      server:on('OCSPRequest', function(cert, issuer, cb)
        asked = { cert = cert, issuer = issuer }
        setTimeout(function() cb(nil, ca:ocspResponse(cert)) end, 1)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = 'localhost', ca = ca.cert, requestOCSP = true })
        c:on('OCSPResponse', function(der) got = der end)
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_string(got)
    assert.equal(x509.parse(id.cert).raw, asked.cert)
    assert.equal(x509.parse(ca.cert).raw, asked.issuer)
    local out, code = openssl('ocsp -respin {der} -CAfile {ca} -issuer {ca} -cert {leaf} -no_nonce',
      { der = got, ca = ca.cert, leaf = id.cert })
    assert.equal(0, code, out)
    assert.matches('Response verify OK', out)
    assert.matches(': good', out)
    -- revoked, from ca:revoke() or from the options
    ca:revoke(id, 'keyCompromise')
    out = openssl('ocsp -respin {der} -CAfile {ca} -issuer {ca} -cert {leaf} -no_nonce',
      { der = ca:ocspResponse(id), ca = ca.cert, leaf = id.cert })
    assert.matches(': revoked', out)
    assert.matches('Reason: keyCompromise', out)
    out = openssl('ocsp -respin {der} -CAfile {ca} -issuer {ca} -cert {leaf} -no_nonce',
      { der = ca:ocspResponse(id.cert, { status = 'unknown' }), ca = ca.cert, leaf = id.cert })
    assert.matches(': unknown', out)
    -- what openssl s_client says about the staple
    local staple = ca:ocspResponse(id.cert, { status = 'good' })
    local sclient
    H.run(15000, function(done)
      local server = tls.createServer(id, function(s) s:_end() end)
      server:on('OCSPRequest', function(_, _, cb) cb(nil, staple) end)
      server:listen(0, '127.0.0.1', function()
        local child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. server:address().port, '-status' },
          function(_, o) sclient = o; server:close(done) end)
        child.stdin:_end('')
      end)
    end)
    assert.matches('Cert Status: good', sclient)
  end)
end)

describe('x509 example', function()
  it('mutual-tls-inprocess.lua: both sides authorized, the bytes echoed', function()
    local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' examples/mutual-tls-inprocess.lua 2>&1')
    assert.equal(0, code, out)
    assert.is_nil(out:find('PRIVATE KEY', 1, true))
    local lines = {}
    for l in out:gmatch('[^\n]+') do lines[#lines + 1] = l end
    table.sort(lines)
    assert.same({
      '<Certificate CN=alice issued by O=luatls, CN=Example CA, key ec P-256>',
      '<CertificateAuthority O=luatls, CN=Example CA, key ec P-256>',
      'client: echoed "hello over mutual TLS"',
      'client: server localhost authorized',
      'server: client alice authorized',
    }, lines)
  end)
end)

describe('x509 in hooks', function()
  it('ca:issue inside an SNICallback makes certificates on demand', function()
    local ca = x509.createCA()
    local r = {}
    H.run(10000, function(done)
      local server = tls.createServer({ SNICallback = function(name, cb)
        cb(nil, tls.createSecureContext(ca:issue({ subject = { CN = name }, altNames = { 'DNS:' .. name } })))
      end }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local c
        -- to 127.0.0.1, asking for a name nobody resolves
        c = tls.connect({ port = server:address().port, host = '127.0.0.1', ca = ca.cert,
          servername = 'made.example.test', checkServerIdentity = function(_, cert)
            return tls.checkServerIdentity('made.example.test', cert)
          end }, function()
          r.authorized, r.cn = c.authorized, c:getPeerCertificate().subject.CN
        end)
        c:on('error', function(e) r.error = e end)
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_nil(r.error)
    assert.is_true(r.authorized)
    assert.equal('made.example.test', r.cn)
  end)
end)

describe('x509 under allocation failures', function()
  it('each call succeeds or raises an error; the process goes on and the next call works', function()
    local script = H.script([[
      local faults = require('luatls.faults')
      local x509 = require('x509')
      local ca = x509.createCA()
      local leaf, csr = ca:issue(), x509.createCSR()
      local ops = {
        function() return x509.createCA() end,
        function() return ca:issue({ altNames = { 'DNS:a', 'IP:::1' }, ocsp = 'http://o/', crl = 'http://c/' }) end,
        function() return ca:sign(csr) end,
        function() return ca:crl({ revoked = { 1, 2, leaf } }) end,
        function() return ca:ocspResponse(leaf) end,
        function() return x509.createCSR({ altNames = { 'DNS:x' } }) end,
        function() return x509.generateKey('ec'):pem('pw') end,
        function() return x509.loadKey(leaf.key) end,
      }
      local ok_n, err_n, odd = 0, 0, 0
      for _, arm in ipairs({ function(n) faults.openssl(n) end, function(n) faults.lua(n, 2) end }) do
        for _, op in ipairs(ops) do
          for n = 0, 300 do
            arm(n)
            local ok, e = pcall(op)
            faults.openssl(-1)
            faults.lua(-1)
            if ok then ok_n = ok_n + 1
            elseif type(e) == 'table' and e.code or tostring(e):find('not enough memory') then err_n = err_n + 1
            else odd = odd + 1; print('odd', e) end
          end
        end
      end
      local ssl_failed, lua_failed = faults.failed()
      local after = ca:issue()
      print(ok_n > 0, err_n > 0, odd, ssl_failed > 0, lua_failed > 0, x509.parse(after.cert).subject.CN)
    ]])
    local out, code = H.sh('timeout 60 ' .. H.LUATLS_FAULTS .. ' ' .. script .. ' 2>&1')
    os.remove(script)
    assert.equal(0, code, out)
    assert.equal('true\ttrue\t0\ttrue\ttrue\tlocalhost\n', out)
  end)
end)
