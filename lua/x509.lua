-- x509: certificates made in-process, for prototypes and tests: a CA, the
-- certificates it issues (good ones and deliberately bad ones), CSRs, CRLs
-- and OCSP responses. Keys stay inside OpenSSL (PrivateKey userdata); a
-- private key leaves as PEM only when asked: key:pem(), or reading the
-- `key` field of what ca:issue returns. See doc/prototyping.md.
--
--   local x509 = require('x509')
--   local ca = x509.createCA{ subject = { CN = 'Test CA' } }
--   local server = ca:issue{ altNames = { 'DNS:localhost', 'IP:127.0.0.1' } }
--   tls.createServer(server, onConnection)        -- its key, cert and ca
--   tls.connect{ port = port, ca = ca.cert }
local core = require('luatls.core')
local errors = require('luatls.errors')
local Object = require('luatls.class')

local x509 = {}

local DAY = 86400
local KEY_NAME = 'luatls.PrivateKey'

---------------------------------------------------------------------------
-- checking options
---------------------------------------------------------------------------

local function check_table(name, v, optional)
  if v == nil and optional then return {} end
  if type(v) ~= 'table' then error(errors.invalid_arg_type(name, 'of type table', v), 4) end
  return v
end

local function bad_value(name, v, reason)
  error(errors.invalid_arg_value(name, v, reason), 4)
end

local function is_key(v)
  if type(v) ~= 'userdata' then return false end
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__name == KEY_NAME
end
x509.isPrivateKey = is_key

-- first ... last: seconds since 1970 (os.time()), as integers
local MIN_TIME, MAX_TIME = -631152000, 253402300799   -- 1950 .. 9999

local function check_time(name, v)
  return errors.check_number(name, v, MIN_TIME, MAX_TIME, { optional = true, integer = true })
end

local function check_days(name, v, default)
  if v == nil then return default end
  return errors.check_number(name, v, 0, 36500)
end

---------------------------------------------------------------------------
-- keys
---------------------------------------------------------------------------

local KEY_TYPES = { ec = true, rsa = true, ed25519 = true, ed448 = true }

-- x509.generateKey('ec' | 'rsa' | 'ed25519' | 'ed448'[, { curve = 'P-256', rsaBits = 2048 }])
function x509.generateKey(kind, opts)
  opts = check_table('options', opts, true)
  kind = kind or 'ec'
  if not KEY_TYPES[kind] then
    bad_value('type', kind, "must be 'ec', 'rsa', 'ed25519' or 'ed448'")
  end
  if kind == 'rsa' then
    local bits = errors.check_number('options.rsaBits', opts.rsaBits or 2048, 512, 16384, { integer = true })
    return core.gen_key('rsa', bits)
  elseif kind == 'ec' then
    local curve = opts.curve or 'P-256'
    errors.check('options.curve', curve, 'string')
    return core.gen_key('ec', curve)
  end
  return core.gen_key(kind)
end

-- x509.loadKey(pem_or_der[, passphrase]) -> PrivateKey
function x509.loadKey(text, passphrase)
  errors.check('key', text, 'string')
  errors.check('passphrase', passphrase, 'string', true)
  return core.read_key(text, passphrase)
end

-- options.key: a type name (with options.curve / options.rsaBits), a
-- PrivateKey, or a PEM private key (with options.passphrase)
local function key_from(opts, default)
  local k = opts.key
  if k == nil then k = default or 'ec' end
  if is_key(k) then return k end
  if type(k) == 'string' and KEY_TYPES[k] then return x509.generateKey(k, opts) end
  if type(k) == 'string' and k:find('-----BEGIN', 1, true) then return x509.loadKey(k, opts.passphrase) end
  bad_value('options.key', k, "must be 'ec', 'rsa', 'ed25519', 'ed448', a PrivateKey or a PEM private key")
end

local function key_label(k)
  return tostring(k):match('^<PrivateKey (.*)>$') or '?'
end

---------------------------------------------------------------------------
-- names, serials, PEM
---------------------------------------------------------------------------

-- fields in the order certificates usually list them; others follow by name
local NAME_ORDER = { 'C', 'ST', 'L', 'O', 'OU', 'CN' }
local NAME_RANK = {}
for i, k in ipairs(NAME_ORDER) do NAME_RANK[k] = i end

-- { CN = 'x', O = 'y', OU = { 'a', 'b' } }, or 'x' (a CN), or { {'CN', 'x'}, ... }
-- in an order of one's own -> { {'C', ..}, ..., {'CN', ..} }
local function name_list(name, v)
  if type(v) == 'string' then return { { 'CN', v } } end
  check_table(name, v)
  local list = {}
  if #v > 0 then
    for i, e in ipairs(v) do
      if type(e) ~= 'table' or type(e[1]) ~= 'string' or type(e[2]) ~= 'string' then
        bad_value(('%s[%d]'):format(name, i), e, "must be { 'field', 'value' }")
      end
      list[#list + 1] = { e[1], e[2] }
    end
    return list
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= 'string' then bad_value(name, v, 'must have field names as keys') end
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    local ra, rb = NAME_RANK[a] or 99, NAME_RANK[b] or 99
    if ra ~= rb then return ra < rb end
    return a < b
  end)
  for _, k in ipairs(keys) do
    local values = v[k]
    if type(values) ~= 'table' then values = { values } end
    for _, one in ipairs(values) do
      if type(one) ~= 'string' then bad_value(name .. '.' .. k, one, 'must be a string') end
      list[#list + 1] = { k, one }
    end
  end
  return list
end

local function dn(list)
  local parts = {}
  for _, e in ipairs(list) do parts[#parts + 1] = e[1] .. '=' .. e[2] end
  return #parts > 0 and table.concat(parts, ', ') or '(empty)'
end

-- a certificate's subject (Node's object) as 'CN=x, O=y'
local function dn_of(subject)
  local list = {}
  for k, v in pairs(subject or {}) do
    if type(v) == 'table' then for _, one in ipairs(v) do list[#list + 1] = { k, one } end
    else list[#list + 1] = { k, v } end
  end
  table.sort(list, function(a, b)
    local ra, rb = NAME_RANK[a[1]] or 99, NAME_RANK[b[1]] or 99
    if ra ~= rb then return ra < rb end
    return a[1] < b[1]
  end)
  return dn(list)
end

-- serials as Node's serialNumber has them: upper-case hex, no leading zeros
local function norm_serial(s)
  s = s:upper():gsub('^0+', '')
  return s == '' and '0' or s
end

local function random_serial()
  local bytes = core.random_bytes(16)
  local hex = bytes:gsub('.', function(c) return ('%02X'):format(c:byte()) end)
  -- positive, and 16 bytes long
  return ('%X'):format((tonumber(hex:sub(1, 2), 16) & 0x7f) | 0x40) .. hex:sub(3)
end

local function check_serial(name, v)
  if v == nil then return random_serial() end
  if math.type(v) == 'integer' and v > 0 then return ('%X'):format(v) end
  if type(v) == 'string' and v:match('^%x+$') and #v <= 40 and v:find('[1-9a-fA-F]') then return norm_serial(v) end
  bad_value(name, v, 'must be a positive integer or up to 40 hexadecimal digits')
end

local function split_pem(text)
  local out = {}
  for block in text:gmatch('%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-.-%-%-%-%-%-END CERTIFICATE%-%-%-%-%-') do
    out[#out + 1] = block .. '\n'
  end
  return out
end

local function parse(cert) return core.parse_certificate(cert) end

-- x509.parse(pem_or_der) -> Node's certificate object (subject, issuer, valid_to, ...)
function x509.parse(cert)
  errors.check('cert', cert, 'string')
  return parse(cert)
end

---------------------------------------------------------------------------
-- extensions
---------------------------------------------------------------------------

local KEY_USAGES = {}
for u in ('digitalSignature nonRepudiation keyEncipherment dataEncipherment keyAgreement keyCertSign cRLSign encipherOnly decipherOnly'):gmatch('%S+') do
  KEY_USAGES[u] = true
end
local EXT_KEY_USAGES = {}
for u in ('serverAuth clientAuth codeSigning emailProtection timeStamping OCSPSigning ipsecIKE msCodeInd msCodeCom msCTLSign msEFS anyExtendedKeyUsage'):gmatch('%S+') do
  EXT_KEY_USAGES[u] = true
end

-- a list of names -> "name,name" (false: no extension; nil: the default)
local function usage_list(name, v, known, default, prefix)
  if v == false then return nil end
  if v == nil then v = default end
  if v == nil then return nil end
  check_table(name, v)
  for i, u in ipairs(v) do
    if not (type(u) == 'string' and (known[u] or u:match('^%d+%.%d+[%.%d]*$'))) then
      local names = {}
      for k in pairs(known) do names[#names + 1] = k end
      table.sort(names)
      bad_value(('%s[%d]'):format(name, i), u, 'must be one of ' .. table.concat(names, ', ') .. ' or a dotted OID')
    end
  end
  if #v == 0 then return nil end
  return (prefix or '') .. table.concat(v, ',')
end

local function check_alt_names(name, v)
  if v == nil then return nil end
  check_table(name, v)
  for i, a in ipairs(v) do
    if type(a) ~= 'string' then bad_value(('%s[%d]'):format(name, i), a, "must be a string like 'DNS:localhost'") end
  end
  return v
end

local function check_url(name, v)
  if v == nil then return nil end
  errors.check(name, v, 'string')
  if v == '' or v:find('%z') then bad_value(name, v, 'must be a URL') end
  return v
end

---------------------------------------------------------------------------
-- what ca:issue returns: key, cert and trust in one table
---------------------------------------------------------------------------

-- cert = the leaf then its intermediates (what a server sends), chain = the
-- issuer's certificates up to the root, ca = the root, privateKey = the
-- PrivateKey; `key` is its PEM, made when read (never stored, so
-- util.inspect and tostring show no key). pairs() includes `key`, so the
-- table can be copied into options.
local Credentials = { __name = 'Certificate' }
local INFO = setmetatable({}, { __mode = 'k' })   -- subject and issuer, for tostring

Credentials.__index = function(t, k)
  if k == 'key' then
    local pk = rawget(t, 'privateKey')
    return pk and pk:pem() or nil
  end
  return nil
end

Credentials.__pairs = function(t)
  -- a key the script stored itself is listed once, as stored
  local done_raw, key_given = false, rawget(t, 'privateKey') == nil or rawget(t, 'key') ~= nil
  local k
  return function()
    if not done_raw then
      local v
      k, v = next(t, k)
      if k ~= nil then return k, v end
      done_raw = true
    end
    if not key_given then
      key_given = true
      return 'key', t.key
    end
    return nil
  end, t, nil
end

Credentials.__tostring = function(t)
  local info = INFO[t] or { subject = '?', issuer = '?' }
  local s = ('<Certificate %s issued by %s'):format(info.subject, info.issuer)
  if rawget(t, 'kind') then s = s .. ' (' .. t.kind .. ')' end
  if rawget(t, 'privateKey') then s = s .. ', key ' .. key_label(t.privateKey) end
  return s .. '>'
end

local function credentials(fields)
  local c = setmetatable(fields, Credentials)
  local p = parse(fields.cert)
  rawset(c, 'serial', norm_serial(p.serialNumber))
  INFO[c] = { subject = dn_of(p.subject), issuer = dn_of(p.issuer) }
  return c
end

---------------------------------------------------------------------------
-- the certificate authority
---------------------------------------------------------------------------

local CA = Object:extend()
CA.__name = 'CertificateAuthority'

-- key: PrivateKey; cert: this CA's certificate; parents: the certificates above it
function CA:init(key, cert, parents)
  self.key = key
  self.cert = cert
  self.chain = { cert }
  for _, p in ipairs(parents or {}) do self.chain[#self.chain + 1] = p end
  self.root = self.chain[#self.chain]
  self.subject = parse(cert).subject
  self.revoked = {}
end

CA.__tostring = function(self)
  return ('<CertificateAuthority %s, key %s>'):format(dn_of(self.subject), key_label(self.key))
end

-- digitalSignature, and keyEncipherment for RSA keys (nil: a CSR's key, either)
local function leaf_usage(k)
  local u = { 'digitalSignature' }
  if k == nil or k:type() == 'rsa' then u[2] = 'keyEncipherment' end
  return u
end

local DEFAULT_ALT_NAMES = { 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1' }

-- the validity of opts: notBefore (default: five minutes ago, for clocks
-- that disagree a little), notAfter (default: notBefore + days)
local function validity(opts, default_days)
  local now = os.time()
  local nb = check_time('options.notBefore', opts.notBefore) or now - 300
  local days = check_days('options.days', opts.days, default_days)
  local na = check_time('options.notAfter', opts.notAfter) or math.floor((opts.notBefore or now) + days * DAY)
  return nb, na
end

-- the spec core.gen_certificate signs, from an issue-style options table
local function cert_spec(opts, is_ca, default_days)
  local nb, na = validity(opts, default_days)
  local spec = {
    serial = check_serial('options.serial', opts.serial),
    not_before = nb, not_after = na,
    alt_names = check_alt_names('options.altNames', opts.altNames),
    ocsp = check_url('options.ocsp', opts.ocsp),
    crl = check_url('options.crl', opts.crl),
    ca_issuers = check_url('options.caIssuers', opts.caIssuers),
    digest = errors.check('options.digest', opts.digest, 'string', true),
  }
  if opts.subject ~= nil then spec.subject = name_list('options.subject', opts.subject) end
  if is_ca then
    spec.ca = true
    if opts.pathLen ~= nil then
      spec.path_len = errors.check_number('options.pathLen', opts.pathLen, 0, 1000000, { integer = true })
    end
  else
    spec.ca = false
  end
  return spec
end

local function usages(spec, opts, key, is_ca)
  local ku = usage_list('options.keyUsage', opts.keyUsage, KEY_USAGES,
    is_ca and { 'keyCertSign', 'cRLSign', 'digitalSignature' } or leaf_usage(key))
  spec.key_usage = ku and 'critical,' .. ku
  spec.ext_key_usage = usage_list('options.extKeyUsage', opts.extKeyUsage, EXT_KEY_USAGES,
    not is_ca and { 'serverAuth', 'clientAuth' } or nil)
end

-- x509.createCA{ subject, key, rsaBits, curve, days (3650), pathLen, serial,
--   notBefore, notAfter, keyUsage, digest } -> a self-signed root
function x509.createCA(opts)
  opts = check_table('options', opts, true)
  local key = key_from(opts)
  local spec = cert_spec(opts, true, 3650)
  spec.subject = spec.subject or { { 'CN', 'luatls Test CA' } }
  usages(spec, opts, key, true)
  spec.signer, spec.key = key, key
  return CA(key, core.gen_certificate(spec))
end

-- x509.loadCA{ key = PEM | PrivateKey, cert = PEM (the CA, then the certificates
-- above it), chain = { PEM... }, passphrase } -> a CA that issues with them.
-- Takes what ca:issue{ isCA = true } returns as it is.
function x509.loadCA(opts)
  check_table('options', opts)
  errors.check('options.cert', opts.cert, 'string')
  local key = opts.privateKey or opts.key
  if not is_key(key) then
    errors.check('options.key', key, 'string')
    key = x509.loadKey(key, opts.passphrase)
  end
  local certs = split_pem(opts.cert)
  if #certs == 0 then certs = { opts.cert } end
  if not key:matches(certs[1]) then bad_value('options.key', tostring(key), "is not the certificate's key") end
  if not parse(certs[1]).ca then bad_value('options.cert', opts.cert:sub(1, 30), 'is not a CA certificate') end
  local seen, parents = { [certs[1]] = true }, {}
  local function add(pem)
    if not seen[pem] then seen[pem] = true; parents[#parents + 1] = pem end
  end
  for i = 2, #certs do add(certs[i]) end
  for _, pem in ipairs(check_table('options.chain', opts.chain, true)) do
    for _, one in ipairs(split_pem(pem)) do add(one) end
  end
  return CA(key, certs[1], parents)
end

-- the chain fields of what this CA issues
function CA:_wrap(fields, leaf_pem)
  local cert = leaf_pem
  for i = 1, #self.chain - 1 do cert = cert .. self.chain[i] end
  fields.cert = cert
  fields.chain = {}
  for i, p in ipairs(self.chain) do fields.chain[i] = p end
  fields.ca = self.root
  return credentials(fields)
end

-- one certificate signed by this CA for key (or for a CSR); corrupt: flip a bit of its signature
function CA:_sign(opts, key, csr, corrupt)
  local is_ca = opts.isCA == true
  local spec = cert_spec(opts, is_ca, is_ca and 3650 or 365)
  if not csr then
    spec.subject = spec.subject or { { 'CN', 'localhost' } }
    if opts.altNames == nil and opts.subject == nil and not is_ca then spec.alt_names = DEFAULT_ALT_NAMES end
  end
  usages(spec, opts, key, is_ca)
  spec.signer, spec.issuer, spec.key, spec.csr = self.key, self.cert, key, csr
  spec.corrupt_signature = corrupt
  return core.gen_certificate(spec)
end

local bad = {}
x509.bad = bad

-- ca:issue{ subject, altNames, key, rsaBits, curve, days (365), notBefore,
--   notAfter, serial, keyUsage, extKeyUsage, isCA, pathLen, ocsp, crl,
--   caIssuers, digest, kind } -> { key, cert, chain, ca, serial, privateKey }
function CA:issue(opts)
  opts = check_table('options', opts, true)
  if opts.kind ~= nil then
    local make = bad[opts.kind]
    if type(make) ~= 'function' or opts.kind == 'codes' then
      bad_value('options.kind', opts.kind, 'must be one of ' .. table.concat(bad.kinds, ', '))
    end
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.kind = nil
    return make(self, o)
  end
  local key = key_from(opts)
  return self:_wrap({ privateKey = key }, self:_sign(opts, key))
end

-- ca:issue, with one bit of the signature flipped
function CA:_issueCorrupt(opts)
  local key = key_from(opts)
  return self:_wrap({ privateKey = key }, self:_sign(opts, key, nil, true))
end

-- ca:intermediate{ subject, pathLen, key, days, ... } -> a CA below this one
function CA:intermediate(opts)
  opts = check_table('options', opts, true)
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.isCA = true
  local cn = self.subject.CN
  if type(cn) == 'table' then cn = cn[1] end
  o.subject = o.subject or { CN = (cn or 'luatls') .. ' Intermediate' }
  local key = key_from(o)
  return CA(key, self:_sign(o, key), self.chain)
end

-- ca:sign(csrPem, { days, subject, altNames, keyUsage, ... }) -> what ca:issue
-- returns, without a key. The request's signature is checked; its subject and
-- alt names are used unless the options give others.
function CA:sign(csr, opts)
  errors.check('csr', csr, 'string')
  opts = check_table('options', opts, true)
  return self:_wrap({}, self:_sign(opts, nil, csr))
end

local REASONS = {
  unspecified = 0, keyCompromise = 1, cACompromise = 2, affiliationChanged = 3, superseded = 4,
  cessationOfOperation = 5, certificateHold = 6, removeFromCRL = 8, privilegeWithdrawn = 9, aACompromise = 10,
}

local function check_reason(name, v)
  if v == nil then return nil end
  if REASONS[v] == nil then bad_value(name, v, 'must be a CRL reason such as keyCompromise or superseded') end
  return REASONS[v]
end

-- a serial from a serial (integer or hex), a certificate (PEM or DER) or what ca:issue returns
local function serial_of(name, v)
  if type(v) == 'table' and rawget(v, 'cert') then return rawget(v, 'serial') or norm_serial(parse(v.cert).serialNumber) end
  if type(v) == 'string' and not v:match('^%x+$') then
    local ok, p = pcall(parse, v)
    if ok then return norm_serial(p.serialNumber) end
  end
  return check_serial(name, v)
end

-- ca:revoke(cert | serial[, reason]) -> the serial: later CRLs and OCSP responses list it
function CA:revoke(what, reason)
  local serial = serial_of('cert', what)
  self.revoked[#self.revoked + 1] = { serial = serial, date = os.time(), reason = check_reason('reason', reason) }
  return serial
end

function CA:isRevoked(what)
  local serial = serial_of('cert', what)
  for _, r in ipairs(self.revoked) do
    if r.serial == serial then return r end
  end
  return nil
end

-- ca:crl{ revoked = { serial | cert | { serial, date, reason } ... }, days (30),
--   thisUpdate, nextUpdate, number } -> PEM, for the `crl` option; lists
-- what ca:revoke() recorded as well
function CA:crl(opts)
  opts = check_table('options', opts, true)
  local now = os.time()
  local this_update = check_time('options.thisUpdate', opts.thisUpdate) or now - 300
  local days = check_days('options.days', opts.days, 30)
  local next_update = check_time('options.nextUpdate', opts.nextUpdate) or math.floor((opts.thisUpdate or now) + days * DAY)
  local list = {}
  for _, r in ipairs(self.revoked) do list[#list + 1] = r end
  for i, r in ipairs(check_table('options.revoked', opts.revoked, true)) do
    local name = ('options.revoked[%d]'):format(i)
    if type(r) == 'table' and rawget(r, 'serial') ~= nil and rawget(r, 'cert') == nil then
      list[#list + 1] = { serial = serial_of(name, r.serial), date = check_time(name .. '.date', r.date) or now,
        reason = check_reason(name .. '.reason', r.reason) }
    else
      list[#list + 1] = { serial = serial_of(name, r), date = now }
    end
  end
  local number = opts.number
  if number == nil then
    self._crlNumber = (self._crlNumber or 0) + 1
    number = self._crlNumber
  end
  number = errors.check_number('options.number', number, 0, math.maxinteger, { integer = true })
  return core.gen_crl({ signer = self.key, issuer = self.cert, this_update = this_update,
    next_update = next_update, number = number, revoked = list,
    digest = errors.check('options.digest', opts.digest, 'string', true) })
end

local STATUS = { good = 0, revoked = 1, unknown = 2 }

-- ca:ocspResponse(cert[, { status = 'good' | 'revoked' | 'unknown', reason,
--   revokedAt, thisUpdate, nextUpdate, days (7) }]) -> DER, what a server's
-- 'OCSPRequest' listener hands its callback. cert: PEM or DER (the listener's
-- first argument), or what ca:issue returns. The status defaults to what
-- ca:revoke() recorded.
function CA:ocspResponse(cert, opts)
  opts = check_table('options', opts, true)
  if type(cert) == 'table' and rawget(cert, 'cert') then cert = cert.cert end
  errors.check('cert', cert, 'string')
  local now = os.time()
  local record = self:isRevoked(cert)
  local status = opts.status or (record and 'revoked' or 'good')
  if STATUS[status] == nil then bad_value('options.status', status, "must be 'good', 'revoked' or 'unknown'") end
  local this_update = check_time('options.thisUpdate', opts.thisUpdate) or now - 300
  local days = check_days('options.days', opts.days, 7)
  local next_update = check_time('options.nextUpdate', opts.nextUpdate) or math.floor((opts.thisUpdate or now) + days * DAY)
  local reason = check_reason('options.reason', opts.reason)
  if reason == nil and record then reason = record.reason end
  return core.gen_ocsp_response({ signer = self.key, issuer = self.cert, cert = cert, status = STATUS[status],
    revoked_at = check_time('options.revokedAt', opts.revokedAt) or (record and record.date) or now,
    reason = reason, this_update = this_update, next_update = next_update,
    digest = errors.check('options.digest', opts.digest, 'string', true) })
end

---------------------------------------------------------------------------
-- self-signed certificates and requests
---------------------------------------------------------------------------

-- x509.createSelfSigned{ subject, altNames, key, days (365), ... } -> what
-- ca:issue returns; its ca is the certificate itself, so a peer can trust it
function x509.createSelfSigned(opts)
  opts = check_table('options', opts, true)
  local key = key_from(opts)
  local spec = cert_spec(opts, false, 365)
  spec.subject = spec.subject or { { 'CN', 'localhost' } }
  if opts.altNames == nil and opts.subject == nil then spec.alt_names = DEFAULT_ALT_NAMES end
  -- keyCertSign: OpenSSL takes a certificate as its own issuer only when its key may sign certificates
  local ku = leaf_usage(key)
  ku[#ku + 1] = 'keyCertSign'
  usages(spec, { keyUsage = opts.keyUsage == nil and ku or opts.keyUsage, extKeyUsage = opts.extKeyUsage }, key, false)
  spec.signer, spec.key = key, key
  local pem = core.gen_certificate(spec)
  return credentials({ privateKey = key, cert = pem, chain = {}, ca = pem })
end

-- x509.createCSR{ subject, altNames, key, rsaBits, curve, digest } -> PEM, PrivateKey
function x509.createCSR(opts)
  opts = check_table('options', opts, true)
  local key = key_from(opts)
  local pem = core.gen_csr({ key = key,
    subject = name_list('options.subject', opts.subject or { CN = 'localhost' }),
    alt_names = check_alt_names('options.altNames', opts.altNames),
    digest = errors.check('options.digest', opts.digest, 'string', true) })
  return pem, key
end

---------------------------------------------------------------------------
-- bad certificates: each one call, each a verify error a client reports
---------------------------------------------------------------------------

-- what a luatls (or Node) client that trusts the CA reports for each kind
bad.codes = {
  expired = 'CERT_HAS_EXPIRED',
  notYetValid = 'CERT_NOT_YET_VALID',
  wrongHost = 'ERR_TLS_CERT_ALTNAME_INVALID',
  wrongUsage = 'INVALID_PURPOSE',
  selfSigned = 'DEPTH_ZERO_SELF_SIGNED_CERT',
  untrustedRoot = 'SELF_SIGNED_CERT_IN_CHAIN',
  unknownIssuer = 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  missingIntermediate = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  pathLength = 'PATH_LENGTH_EXCEEDED',
  revoked = 'CERT_REVOKED',
  badSignature = 'CERT_SIGNATURE_FAILURE',
  weakKey = 'UNSPECIFIED',
}
bad.kinds = { 'expired', 'notYetValid', 'wrongHost', 'wrongUsage', 'selfSigned', 'untrustedRoot',
  'unknownIssuer', 'missingIntermediate', 'pathLength', 'revoked', 'badSignature', 'weakKey' }

local function copy(opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  return o
end

local function mark(c, kind, ca)
  rawset(c, 'kind', kind)
  rawset(c, 'ca', ca.root)
  return c
end

-- valid until yesterday
function bad.expired(ca, opts)
  local o = copy(opts)
  local now = os.time()
  o.notBefore = o.notBefore or now - 31 * DAY
  o.notAfter = o.notAfter or now - DAY
  return mark(ca:issue(o), 'expired', ca)
end

-- valid from tomorrow
function bad.notYetValid(ca, opts)
  local o = copy(opts)
  o.notBefore = o.notBefore or os.time() + DAY
  return mark(ca:issue(o), 'notYetValid', ca)
end

-- for wrong.example, not localhost
function bad.wrongHost(ca, opts)
  local o = copy(opts)
  o.subject = o.subject or { CN = 'wrong.example' }
  o.altNames = o.altNames or { 'DNS:wrong.example' }
  return mark(ca:issue(o), 'wrongHost', ca)
end

-- neither digitalSignature nor serverAuth/clientAuth: fit for no TLS peer
function bad.wrongUsage(ca, opts)
  local o = copy(opts)
  o.keyUsage = o.keyUsage or { 'dataEncipherment' }
  o.extKeyUsage = o.extKeyUsage or { 'emailProtection' }
  return mark(ca:issue(o), 'wrongUsage', ca)
end

-- a leaf signed by its own key; ca stays the CA a client trusts
function bad.selfSigned(ca, opts)
  return mark(x509.createSelfSigned(copy(opts)), 'selfSigned', ca)
end

-- issued by a root the client does not trust, sent with that root
function bad.untrustedRoot(ca, opts)
  local other = x509.createCA({ subject = { CN = 'luatls Untrusted Root CA' } })
  local c = other:issue(copy(opts))
  rawset(c, 'cert', c.cert .. other.cert)
  return mark(c, 'untrustedRoot', ca)
end

-- issued by an intermediate of a root the client does not know, sent without the root
function bad.unknownIssuer(ca, opts)
  local other = x509.createCA({ subject = { CN = 'luatls Unknown Root CA' } })
  local c = other:intermediate({ subject = { CN = 'luatls Unknown Intermediate CA' } }):issue(copy(opts))
  return mark(c, 'unknownIssuer', ca)
end

-- issued by an intermediate of the CA, sent without it
function bad.missingIntermediate(ca, opts)
  local c = ca:intermediate():issue(copy(opts))
  rawset(c, 'cert', split_pem(c.cert)[1])
  return mark(c, 'missingIntermediate', ca)
end

-- root -> intermediate (pathLen 0) -> another CA -> leaf: one CA too many
function bad.pathLength(ca, opts)
  local first = ca:intermediate({ pathLen = 0, subject = { CN = 'luatls Intermediate CA (pathLen 0)' } })
  local second = first:intermediate({ subject = { CN = 'luatls Intermediate CA (one too many)' } })
  return mark(second:issue(copy(opts)), 'pathLength', ca)
end

-- revoked by the CA; crl is the CA's CRL that says so (for the client's `crl` option)
function bad.revoked(ca, opts)
  local c = ca:issue(copy(opts))
  ca:revoke(c, 'keyCompromise')
  rawset(c, 'crl', ca:crl())
  return mark(c, 'revoked', ca)
end

-- one bit of the CA's signature flipped
function bad.badSignature(ca, opts)
  return mark(ca:_issueCorrupt(copy(opts)), 'badSignature', ca)
end

-- an RSA key of 1024 bits (options.rsaBits), below security level 2: a server
-- refuses it as it is (ERR_SSL_EE_KEY_TOO_SMALL), so ciphers lowers the
-- server's level to 0 (tls.DEFAULT_CIPHERS plus @SECLEVEL=0)
function bad.weakKey(ca, opts)
  local o = copy(opts)
  o.key, o.rsaBits = 'rsa', o.rsaBits or 1024
  local c = mark(ca:issue(o), 'weakKey', ca)
  rawset(c, 'ciphers', require('tls').DEFAULT_CIPHERS .. ':@SECLEVEL=0')
  return c
end

return x509
