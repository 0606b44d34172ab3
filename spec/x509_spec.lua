-- crypto.X509Certificate and crypto.KeyObject, and the sockets'
-- getX509Certificate()/getPeerX509Certificate(). Every fact is compared with
-- what Node prints for the same certificate (certs/*.pem), when node is on
-- the machine; without it, with the values written below.
local tls = require('tls')
local crypto = require('crypto')
local fs = require('fs')

local C = H.cert
local CA = C('ca-cert.pem')
local X509 = crypto.X509Certificate

local HAVE_NODE = select(2, H.sh('command -v node >/dev/null 2>&1')) == 0

-- JSON as JavaScript's JSON.stringify writes it (object keys sorted), so that
-- Lua values and Node's can be compared as text
local function json(v)
  local t = type(v)
  if v == nil then return 'null' end
  if t == 'boolean' then return tostring(v) end
  if t == 'number' then return math.tointeger(v) and tostring(math.tointeger(v)) or ('%.17g'):format(v) end
  if t == 'string' then
    return '"' .. v:gsub('[%c"\\]', function(c)
      local short = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n',
        ['\r'] = '\\r', ['\t'] = '\\t' }
      return short[c] or ('\\u%04x'):format(c:byte())
    end) .. '"'
  end
  if #v > 0 or next(v) == nil and getmetatable(v) == 'array' then
    local out = {}
    for i, x in ipairs(v) do out[i] = json(x) end
    return '[' .. table.concat(out, ',') .. ']'
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do out[i] = json(k) .. ':' .. json(v[k]) end
  return '{' .. table.concat(out, ',') .. '}'
end

local function hex(s) return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end)) end

local HOSTS = { 'localhost', 'LOCALHOST', 'a.localhost', 'good.example', 'evil.example', 'wrong.example',
  '127.0.0.1', '' }
local HOST_OPTIONS = { { subject = 'always' }, { subject = 'never' }, { wildcards = false } }
local IPS = { '127.0.0.1', '::1', '0:0:0:0:0:0:0:1', '10.0.0.1', 'localhost' }
local EMAILS = { 'client@luatls.test', 'CLIENT@luatls.test', 'client@LUATLS.TEST', 'x@y.z' }

-- a call's result as text: its value, or the code of what it raised
local function try(f, ...)
  local ok, v = pcall(f, ...)
  if ok then return json(v) end
  return 'error ' .. tostring(type(v) == 'table' and v.code or v)
end

-- every fact of one certificate file, as { key = json text }
local function luatls_facts(path, ca, intermediate)
  local facts = {}
  local ok, x = pcall(X509, fs.readFileSync(path))
  if not ok then
    facts.error = x.code
    return facts
  end
  for _, k in ipairs({ 'subject', 'issuer', 'subjectAltName', 'infoAccess', 'serialNumber', 'validFrom',
    'validTo', 'fingerprint', 'fingerprint256', 'fingerprint512', 'keyUsage', 'ca', 'issuerCertificate' }) do
    facts[k] = json(x[k])
  end
  facts.raw = hex(x.raw)
  local pk = x.publicKey
  facts.publicKey = json({ type = pk.type, asymmetricKeyType = pk.asymmetricKeyType,
    asymmetricKeyDetails = pk.asymmetricKeyDetails, spki = pk:export({ type = 'spki', format = 'pem' }) })
  for _, h in ipairs(HOSTS) do
    facts['checkHost ' .. h] = try(x.checkHost, x, h)
    for i, o in ipairs(HOST_OPTIONS) do facts[('checkHost %s %d'):format(h, i)] = try(x.checkHost, x, h, o) end
  end
  for _, ip in ipairs(IPS) do facts['checkIP ' .. ip] = try(x.checkIP, x, ip) end
  for _, e in ipairs(EMAILS) do facts['checkEmail ' .. e] = try(x.checkEmail, x, e) end
  facts.checkIssued = json({ x:checkIssued(ca), x:checkIssued(intermediate) })
  facts.verify = json({ x:verify(ca.publicKey), x:verify(intermediate.publicKey) })
  facts.toString = json(x:toString())
  local legacy = x:toLegacyObject()
  legacy.raw, legacy.pubkey = hex(legacy.raw), legacy.pubkey and hex(legacy.pubkey)
  facts.toLegacyObject = json(legacy)
  return facts
end

local NODE_FACTS = [[
const { X509Certificate } = require('crypto'), fs = require('fs');
const [HOSTS, HOST_OPTIONS, IPS, EMAILS, files] = JSON.parse(process.argv[2]);
const canon = (v) => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object') { const o = {}; for (const k of Object.keys(v).sort()) o[k] = canon(v[k]); return o; }
  return v;
};
const json = (v) => JSON.stringify(canon(v));
const tryit = (f) => { try { return json(f()); } catch (e) { return 'error ' + e.code; } };
const ca = new X509Certificate(fs.readFileSync('certs/ca-cert.pem'));
const intermediate = new X509Certificate(fs.readFileSync('certs/intermediate-cert.pem'));
for (const path of files) {
  const say = (k, v) => console.log(path + '\t' + k + '\t' + v);
  let x;
  try { x = new X509Certificate(fs.readFileSync(path)); } catch (e) { say('error', e.code); continue; }
  for (const k of ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'serialNumber', 'validFrom',
    'validTo', 'fingerprint', 'fingerprint256', 'fingerprint512', 'keyUsage', 'ca', 'issuerCertificate']) say(k, json(x[k]));
  say('raw', x.raw.toString('hex'));
  const pk = x.publicKey;
  say('publicKey', json({ type: pk.type, asymmetricKeyType: pk.asymmetricKeyType,
    asymmetricKeyDetails: pk.asymmetricKeyDetails, spki: pk.export({ type: 'spki', format: 'pem' }) }));
  for (const h of HOSTS) {
    say('checkHost ' + h, tryit(() => x.checkHost(h)));
    HOST_OPTIONS.forEach((o, i) => say('checkHost ' + h + ' ' + (i + 1), tryit(() => x.checkHost(h, o))));
  }
  for (const ip of IPS) say('checkIP ' + ip, tryit(() => x.checkIP(ip)));
  for (const e of EMAILS) say('checkEmail ' + e, tryit(() => x.checkEmail(e)));
  say('checkIssued', json([x.checkIssued(ca), x.checkIssued(intermediate)]));
  say('verify', json([x.verify(ca.publicKey), x.verify(intermediate.publicKey)]));
  say('toString', json(x.toString()));
  say('toLegacyObject', json(x.toLegacyObject()));
}
]]

local function pem_files()
  local out = H.sh('ls certs/*.pem')
  local files = {}
  for f in out:gmatch('[^\n]+') do files[#files + 1] = f end
  return files
end

describe('crypto.X509Certificate', function()
  it('reads every certificate of certs/ as Node prints it: names, alt names, info access, serial, dates, '
    .. 'fingerprints, key usage, ca, raw, public key, checkHost/IP/Email, checkIssued, verify, PEM, legacy object', function()
    local ca, intermediate = X509(CA), X509(C('intermediate-cert.pem'))
    local files = pem_files()
    assert.is_true(#files > 20)
    local ours = {}
    for _, f in ipairs(files) do ours[f] = luatls_facts(f, ca, intermediate) end

    -- what does not need Node
    local server = ours['certs/server-cert.pem']
    assert.equal(json('C=US\nO=luatls test\nCN=localhost'), server.subject)
    assert.equal(json('C=US\nO=luatls test\nCN=luatls test CA'), server.issuer)
    assert.equal(json('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'), server.subjectAltName)
    assert.equal(json('OCSP - URI:http://ocsp.luatls.test/\nCA Issuers - URI:http://ca.luatls.test/ca.crt'), server.infoAccess)
    assert.equal(json({ '1.3.6.1.5.5.7.3.1' }), server.keyUsage)
    assert.equal('false', server.ca)
    assert.equal('true', ours['certs/ca-cert.pem'].ca)
    assert.equal('null', ours['certs/ca-cert.pem'].keyUsage)
    assert.equal(json('DNS:"good.example\\u002c DNS:evil.example"'), ours['certs/altcomma-cert.pem'].subjectAltName)
    assert.equal('"localhost"', server['checkHost LOCALHOST'])
    assert.equal('null', server['checkHost a.localhost'])
    assert.equal('"::1"', server['checkIP ::1'])
    assert.equal('error ERR_INVALID_ARG_VALUE', server['checkIP localhost'])
    assert.equal('"client@LUATLS.TEST"', ours['certs/client-cert.pem']['checkEmail client@LUATLS.TEST'])
    assert.equal('null', ours['certs/client-cert.pem']['checkEmail CLIENT@luatls.test'])
    assert.equal('[true,false]', server.checkIssued)
    assert.equal('[true,false]', server.verify)
    assert.equal('[false,true]', ours['certs/chain-server-cert.pem'].verify)
    assert.matches('"modulusLength":2048,"publicExponent":65537', server.publicKey)
    assert.matches('"namedCurve":"prime256v1"', ours['certs/ecdsa-server-cert.pem'].publicKey)
    assert.equal('ERR_OSSL_PEM_NO_START_LINE', ours['certs/server-key.pem'].error)
    assert.equal(hex(C('server-cert.pem'):match('^.-%-%-%-%-%-END CERTIFICATE%-%-%-%-%-\n')), hex(X509(C('server-cert.pem')):toString()))

    if not HAVE_NODE then return end
    local lists = {}
    for i, l in ipairs({ HOSTS, HOST_OPTIONS, IPS, EMAILS, files }) do lists[i] = json(l) end
    local js = H.script(NODE_FACTS)
    local out, code = H.sh(("timeout 60 node %s '[%s]' 2>&1"):format(js, table.concat(lists, ',')))
    os.remove(js)
    assert.equal(0, code, out)
    local node = {}
    for file, key, value in out:gmatch('([^\n\t]+)\t([^\n\t]+)\t([^\n]*)') do
      node[file] = node[file] or {}
      node[file][key] = value
    end
    local compared = 0
    for _, f in ipairs(files) do
      assert.is_table(node[f], f .. '\n' .. out:sub(1, 2000))
      for key, value in pairs(node[f]) do
        assert.equal(value, ours[f][key], f .. ' ' .. key)
        compared = compared + 1
      end
      for key in pairs(ours[f]) do assert.is_not_nil(node[f][key], f .. ' ' .. key .. ' (not in Node)') end
    end
    assert.is_true(compared > 1000)
  end)

  it('takes PEM (the first certificate, TRUSTED CERTIFICATE too) or DER; refuses what is not a certificate '
    .. "with OpenSSL's reason, and arguments of the wrong type with Node's codes", function()
    local pem = C('chain-server-fullchain.pem')
    local first = X509(pem)
    assert.equal(X509(C('chain-server-cert.pem')).fingerprint256, first.fingerprint256)
    assert.equal(first.fingerprint, X509(first.raw).fingerprint)                     -- DER
    assert.equal('C=US\nO=luatls test\nCN=luatls test CA', X509(C('ca-untrusted.pem')).subject)
    local function code(...) local ok, e = pcall(...); assert.is_false(ok); return e.code end
    assert.equal('ERR_OSSL_PEM_NO_START_LINE', code(X509, 'garbage'))
    assert.equal('ERR_OSSL_PEM_NO_START_LINE', code(X509, ''))
    assert.equal('ERR_OSSL_ASN1_WRONG_TAG', code(X509, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))
    assert.equal('ERR_INVALID_ARG_TYPE', code(X509, 5))
    local x = X509(C('server-cert.pem'))
    assert.equal('ERR_INVALID_ARG_TYPE', code(x.checkIssued, x, 'x'))
    assert.equal('ERR_INVALID_ARG_TYPE', code(x.verify, x, 'x'))
    assert.equal('ERR_INVALID_ARG_TYPE', code(x.checkHost, x, 5))
    assert.equal('ERR_INVALID_ARG_VALUE', code(x.checkHost, x, 'localhost', { subject = 'sometimes' }))
    assert.equal('ERR_INVALID_ARG_TYPE', code(x.checkHost, x, 'localhost', { wildcards = 'no' }))
    local priv = crypto.createPrivateKey(C('server-key.pem'))
    assert.equal('ERR_INVALID_ARG_VALUE', code(x.verify, x, priv))              -- a private key
    assert.is_true(x:checkPrivateKey(priv))
    assert.is_false(x:checkPrivateKey(crypto.createPrivateKey(C('client-key.pem'))))
    assert.equal(tostring(x), x:toString())
    assert.equal(x:toJSON(), x:toString())
    assert.is_nil(x.issuerCertificate)
  end)

  it('KeyObject: createPublicKey from a public key, a certificate, a private key or a private KeyObject; '
    .. 'createPrivateKey with a passphrase; export and equals', function()
    local x = X509(C('server-cert.pem'))
    local spki = x.publicKey:export({ type = 'spki', format = 'pem' })
    local from_pem = crypto.createPublicKey(spki)
    local from_cert = crypto.createPublicKey(C('server-cert.pem'))
    local priv = crypto.createPrivateKey(C('server-key.pem'))
    assert.equal('private', priv.type)
    local from_priv = crypto.createPublicKey(priv)
    assert.equal('public', from_priv.type)
    for _, k in ipairs({ from_pem, from_cert, from_priv, crypto.createPublicKey(C('server-key.pem')),
      crypto.createPublicKey({ key = x.publicKey:export({ format = 'der' }), format = 'der' }) }) do
      assert.is_true(k:equals(x.publicKey))
      assert.equal(spki, k:export({ type = 'spki', format = 'pem' }))
    end
    assert.is_false(crypto.createPublicKey(C('client-cert.pem')):equals(x.publicKey))
    assert.matches('^%-%-%-%-%-BEGIN PRIVATE KEY', priv:export({ type = 'pkcs8', format = 'pem' }))
    local enc = crypto.createPrivateKey({ key = C('encrypted-key.pem'), passphrase = 'secret' })
    assert.equal('private', enc.type)
    local ok, err = pcall(crypto.createPrivateKey, { key = C('encrypted-key.pem'), passphrase = 'wrong' })
    assert.is_false(ok)
    assert.matches('^ERR_OSSL_', err.code)
    ok, err = pcall(x.publicKey.export, x.publicKey, { type = 'pkcs1', format = 'pem' })
    assert.same({ false, 'ERR_INVALID_ARG_VALUE' }, { ok, err.code })
    local ec = X509(C('ecdsa-server-cert.pem')).publicKey
    assert.same({ 'ec', { namedCurve = 'prime256v1' } }, { ec.asymmetricKeyType, ec.asymmetricKeyDetails })
  end)
end)

describe('getX509Certificate and getPeerX509Certificate', function()
  it("give this end's and the peer's certificate; issuerCertificate follows the chain the peer sent, as in Node", function()
    local facts = {}
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options({ key = C('chain-server-key.pem'),
        cert = C('chain-server-fullchain.pem'), requestCert = true, rejectUnauthorized = false, ca = CA }), function(s)
        local p, own = s:getPeerX509Certificate(), s:getX509Certificate()
        if facts.server_own then   -- the second client, without a certificate
          facts.server_second_peer = p == nil
          return s:_end()
        end
        facts.server_peer = p and p.subject
        facts.server_peer_issuer = p and p.issuerCertificate and p.issuerCertificate.subject
        facts.server_own = own.subject
        facts.server_own_issuer = own.issuerCertificate
        s:_end()
      end)
      server:listen(0, '127.0.0.1', function()
        local c
        -- the client sends its CA after its certificate: the chain the server sees
        c = tls.connect({ port = server:address().port, host = 'localhost', ca = CA,
          key = C('client-key.pem'), cert = C('client-cert.pem') .. CA }, function()
          local p = c:getPeerX509Certificate()
          facts.client_peer = p.subject
          facts.client_peer_issuer = p.issuerCertificate.subject
          facts.client_peer_issuer2 = p.issuerCertificate.issuerCertificate
          facts.client_verify = p:verify(p.issuerCertificate.publicKey)
          facts.client_own = c:getX509Certificate().subject
          facts.legacy_same = p:toLegacyObject().fingerprint256 == c:getPeerCertificate().fingerprint256
        end)
        c:on('data', function() end)
        c:on('close', function()
          local d
          d = tls.connect({ port = server:address().port, host = 'localhost', ca = CA }, function()
            facts.no_cert_own = d:getX509Certificate() == nil
          end)
          d:on('data', function() end)
          d:on('close', function()
            facts.destroyed = d:getPeerX509Certificate() == nil and d:getX509Certificate() == nil
            server:close(done)
          end)
        end)
      end)
    end)
    assert.same({
      client_peer = 'C=US\nO=luatls test\nCN=localhost',
      client_peer_issuer = 'C=US\nO=luatls test\nCN=luatls intermediate CA',   -- the chain the server sent
      client_verify = true,
      client_own = 'C=US\nO=luatls test\nCN=luatls client',
      legacy_same = true,
      server_peer = 'C=US\nO=luatls test\nCN=luatls client',
      server_peer_issuer = 'C=US\nO=luatls test\nCN=luatls test CA',
      server_own = 'C=US\nO=luatls test\nCN=localhost',
      no_cert_own = true,
      server_second_peer = true,
      destroyed = true,
    }, facts)
  end)
end)
