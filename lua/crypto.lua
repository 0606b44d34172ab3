-- crypto: what TLS scripts need of Node's crypto module.
--   require('crypto').constants.SSL_OP_NO_TICKET
--   require('crypto').X509Certificate(pem_or_der)
local core = require('luatls.core')
local errors = require('luatls.errors')
local secure_context = require('luatls.secure_context')
local Object = require('luatls.class')

local crypto = {}

local constants = {}
for k, v in pairs(core.ssl_op) do constants[k] = v end
constants.defaultCoreCipherList = secure_context.CORE_CIPHERS
-- defaultCipherList follows tls.DEFAULT_CIPHERS (and --tls-cipher-list)
crypto.constants = setmetatable(constants, { __index = function(_, k)
  if k == 'defaultCipherList' then return require('tls').DEFAULT_CIPHERS end
end })

-- randomBytes(size) -> a string of size random bytes
function crypto.randomBytes(size)
  -- the C side makes at most 1 GiB at once (Node: 2 GiB)
  size = errors.check_number('size', size, 0, 1 << 30, { integer = true })
  return core.random_bytes(size)
end

---------------------------------------------------------------------------
-- KeyObject: an asymmetric key, as Node's (public or private)
---------------------------------------------------------------------------

local KeyObject = Object:extend()
KeyObject.__name = 'KeyObject'
crypto.KeyObject = KeyObject

-- KeyObject._from(handle): from the core's key object
function KeyObject._from(handle)
  local k = setmetatable({ _handle = handle }, KeyObject)
  k.type = handle:is_private() and 'private' or 'public'
  k.asymmetricKeyType = handle:key_type()
  k.asymmetricKeyDetails = handle:details()
  return k
end

function KeyObject:init()
  error(errors.new('ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor', nil, 'TypeError'), 3)
end

-- export({ type = 'spki' | 'pkcs8', format = 'pem' | 'der' }): PEM text or DER bytes
function KeyObject:export(options)
  if options == nil then options = {} end
  errors.check('options', options, 'table')
  local format = options.format or 'pem'
  if format ~= 'pem' and format ~= 'der' then
    error(errors.invalid_arg_value('options.format', format), 2)
  end
  local want = self.type == 'private' and 'pkcs8' or 'spki'
  if options.type ~= nil and options.type ~= want then
    -- Node's other encodings (pkcs1, sec1, jwk) are not made here
    error(errors.invalid_arg_value('options.type', options.type, ("must be '%s' for a %s key"):format(want, self.type)), 2)
  end
  return self._handle:export(format == 'der')
end

function KeyObject:equals(other)
  if getmetatable(other) ~= KeyObject then
    error(errors.invalid_arg_type('otherKeyObject', 'an instance of KeyObject', other), 2)
  end
  return self._handle:equals(other._handle)
end

function KeyObject.__tostring(k) return ('KeyObject { type = %s, %s }'):format(k.type, k.asymmetricKeyType) end

-- the key text, and its passphrase, from createPublicKey/createPrivateKey's argument
local function key_input(key)
  if type(key) == 'table' and getmetatable(key) == nil then
    if key.format ~= nil and key.format ~= 'pem' and key.format ~= 'der' then
      error(errors.invalid_arg_value('key.format', key.format), 3)
    end
    if key.passphrase ~= nil then errors.check('key.passphrase', key.passphrase, 'string') end
    return key.key, key.passphrase
  end
  return key
end

-- createPublicKey(key): key is PEM (a public key, a certificate or a private
-- key), DER SPKI, { key = ..., format = 'pem' | 'der' }, or a private KeyObject
function crypto.createPublicKey(key)
  if getmetatable(key) == KeyObject then
    if key.type == 'public' then return key end
    return KeyObject._from(key._handle:public())
  end
  local data, passphrase = key_input(key)
  if type(data) ~= 'string' then error(errors.invalid_arg_type('key', 'of type string or a KeyObject', data), 2) end
  local ok, handle = pcall(core.pkey_parse, data, false, passphrase)
  if not ok then error(handle, 2) end
  return KeyObject._from(handle)
end

-- createPrivateKey(key): PEM or DER (PKCS#8, PKCS#1, SEC1), or
-- { key = ..., passphrase = ..., format = ... } for an encrypted one
function crypto.createPrivateKey(key)
  local data, passphrase = key_input(key)
  if type(data) ~= 'string' then error(errors.invalid_arg_type('key', 'of type string', data), 2) end
  local ok, handle = pcall(core.pkey_parse, data, true, passphrase)
  if not ok then error(handle, 2) end
  return KeyObject._from(handle)
end

---------------------------------------------------------------------------
-- X509Certificate: Node's class, its properties read when first asked for
---------------------------------------------------------------------------

local X509Certificate = Object:extend()
X509Certificate.__name = 'X509Certificate'
crypto.X509Certificate = X509Certificate

-- X509Certificate(pem_or_der): the first certificate of a PEM text, or DER
function X509Certificate:init(buffer)
  if type(buffer) ~= 'string' then
    error(errors.invalid_arg_type('buffer', 'of type string', buffer), 3)
  end
  local ok, handle = pcall(core.x509_parse, buffer)
  if not ok then error(handle, 3) end
  rawset(self, '_handle', handle)
end

-- an X509Certificate for a core X509 object, linked to the issuers that follow it
function X509Certificate._from(handle, chain, i)
  local x = setmetatable({ _handle = handle }, X509Certificate)
  i = i or 1
  if chain and chain[i] then rawset(x, 'issuerCertificate', X509Certificate._from(chain[i], chain, i + 1)) end
  return x
end

-- the properties, computed once each
local getters = {
  subject = function(h) return h:subject() end,
  issuer = function(h) return h:issuer() end,
  subjectAltName = function(h) return h:subject_alt_name() end,
  infoAccess = function(h) return h:info_access() end,
  validFrom = function(h) return h:valid_from() end,
  validTo = function(h) return h:valid_to() end,
  fingerprint = function(h) return h:fingerprint('sha1') end,
  fingerprint256 = function(h) return h:fingerprint('sha256') end,
  fingerprint512 = function(h) return h:fingerprint('sha512') end,
  keyUsage = function(h) return h:key_usage() end,
  serialNumber = function(h) return h:serial_number() end,
  raw = function(h) return h:der() end,
  ca = function(h) return h:ca() end,
  publicKey = function(h)
    local k = h:public_key()
    return k and KeyObject._from(k)
  end,
}
X509Certificate._getters = getters

X509Certificate.__index = function(self, k)
  local get = getters[k]
  if get then
    local v = get(rawget(self, '_handle'))
    if v ~= nil then rawset(self, k, v) end
    return v
  end
  return X509Certificate[k]
end

-- Node's check options: subject = 'default' | 'always' | 'never', wildcards,
-- partialWildcards, multiLabelWildcards, singleLabelSubdomains
local FLAGS = core.x509_check_flags
local function check_flags(options)
  if options == nil then return 0 end
  errors.check('options', options, 'table')
  local subject = options.subject
  if subject == nil then subject = 'default' end
  errors.check('options.subject', subject, 'string')
  local flags = 0
  if subject == 'always' then flags = flags | FLAGS.ALWAYS_CHECK_SUBJECT
  elseif subject == 'never' then flags = flags | FLAGS.NEVER_CHECK_SUBJECT
  elseif subject ~= 'default' then error(errors.invalid_arg_value('options.subject', subject), 3) end
  local function bool(name, default)
    local v = options[name]
    if v == nil then return default end
    errors.check('options.' .. name, v, 'boolean')
    return v
  end
  if not bool('wildcards', true) then flags = flags | FLAGS.NO_WILDCARDS end
  if not bool('partialWildcards', true) then flags = flags | FLAGS.NO_PARTIAL_WILDCARDS end
  if bool('multiLabelWildcards', false) then flags = flags | FLAGS.MULTI_LABEL_WILDCARDS end
  if bool('singleLabelSubdomains', false) then flags = flags | FLAGS.SINGLE_LABEL_SUBDOMAINS end
  return flags
end

local function call(h, method, ...)
  local ok, res = pcall(h[method], h, ...)
  if not ok then error(res, 3) end
  return res
end

-- checkHost(name[, options]) -> the name in the certificate that matches, or nil
function X509Certificate:checkHost(name, options)
  errors.check('name', name, 'string')
  return call(self._handle, 'check_host', name, check_flags(options))
end

-- checkEmail(email[, options]) -> email when the certificate names it, or nil
function X509Certificate:checkEmail(email, options)
  errors.check('email', email, 'string')
  return call(self._handle, 'check_email', email, check_flags(options))
end

-- checkIP(ip) -> ip when the certificate names it, or nil
function X509Certificate:checkIP(ip, options)
  errors.check('ip', ip, 'string')
  return call(self._handle, 'check_ip', ip, check_flags(options))
end

-- checkIssued(otherCert): was this certificate issued by otherCert?
function X509Certificate:checkIssued(otherCert)
  if getmetatable(otherCert) ~= X509Certificate then
    error(errors.invalid_arg_type('otherCert', 'an instance of X509Certificate', otherCert), 2)
  end
  return self._handle:check_issued(otherCert._handle)
end

local function key_arg(pkey, kind)
  if getmetatable(pkey) ~= KeyObject then
    error(errors.invalid_arg_type('pkey', 'an instance of KeyObject', pkey), 3)
  end
  if pkey.type ~= kind then error(errors.invalid_arg_value('pkey', pkey), 3) end
  return pkey._handle
end

-- checkPrivateKey(privateKey): does the key belong to this certificate?
function X509Certificate:checkPrivateKey(pkey)
  return self._handle:check_private_key(key_arg(pkey, 'private'))
end

-- verify(publicKey): was this certificate signed with that key (an issuer's publicKey)?
function X509Certificate:verify(pkey)
  return self._handle:verify(key_arg(pkey, 'public'))
end

function X509Certificate:toString() return self._handle:pem() end
function X509Certificate:toJSON() return self._handle:pem() end

-- the object getPeerCertificate() gives for this certificate
function X509Certificate:toLegacyObject() return self._handle:legacy() end

X509Certificate.__tostring = function(x) return x._handle:pem() end

return crypto
