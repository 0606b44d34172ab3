-- tls.createSecureContext: every option of Node's, applied to one SSL_CTX.
local core = require('luatls.core')
local errors = require('luatls.errors')
local Object = require('luatls.class')

local M = {}

local SecureContext = Object:extend()
SecureContext.__name = 'SecureContext'
M.SecureContext = SecureContext
function SecureContext:init(ctx) self.context = ctx end
SecureContext.__tostring = function() return 'SecureContext {}' end

-- raises Node's ERR_TLS_INVALID_CONTEXT unless ctx is nil or a SecureContext
function M.check(ctx, level)
  if ctx ~= nil and getmetatable(ctx) ~= SecureContext then
    error(errors.new('ERR_TLS_INVALID_CONTEXT', 'context must be a SecureContext', nil, 'TypeError'), (level or 1) + 1)
  end
  return ctx
end

-- Node's default cipher list (crypto.constants.defaultCoreCipherList)
M.CORE_CIPHERS = table.concat({
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256',
  'DHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES256-SHA256', 'DHE-RSA-AES256-SHA256', 'HIGH', '!aNULL', '!eNULL', '!EXPORT',
  '!DES', '!RC4', '!MD5', '!PSK', '!SRP', '!CAMELLIA',
}, ':')

local V = core.versions
local SSL_OP = core.ssl_op

-- calls ctx:method(...), turning an OpenSSL error into one that names the option
local function apply(name, ctx, method, ...)
  local ok, res = pcall(ctx[method], ctx, ...)
  if not ok then error(errors.for_option(res, name), 4) end
  return res
end

-- As Node's `if (key)`: false, '' and 0 (JavaScript's falsy values) mean
-- "not given" for key, cert and ca
local function given(v) return v ~= nil and v ~= false and v ~= '' and v ~= 0 end
local FALSY_IS_NONE = { key = true, cert = true, ca = true }

-- a string, or a list of strings (or of tables with field `field`); a table
-- with field `field` alone is taken too when `bare` says so (pfx's { buf })
local function list_of(name, v, field, bare)
  if v == nil or (FALSY_IS_NONE[name] and not given(v)) then return {} end
  if type(v) == 'string' or (bare and type(v) == 'table' and v[field] ~= nil) then return { v } end
  if type(v) ~= 'table' or (next(v) ~= nil and v[1] == nil) then
    error(errors.invalid_arg_type('options.' .. name, 'of type string or a list of strings', v), 4)
  end
  for i, item in ipairs(v) do
    if type(item) ~= 'string' and not (field and type(item) == 'table' and type(item[field]) == 'string') then
      error(errors.invalid_arg_type(('options.%s[%d]'):format(name, i), 'of type string', item), 4)
    end
  end
  return v
end

local function version_of(name, v, which)
  local n = V[v]
  if not n then
    error(errors.new('ERR_TLS_INVALID_PROTOCOL_VERSION',
      ('"%s" is not a valid %s TLS protocol version'):format(tostring(v), which),
      { option = name }, 'TypeError'), 4)
  end
  return n
end

-- the legacy secureProtocol names, as Node maps them to versions: SSLv23 is
-- "up to TLS 1.2" from the default minimum on (false), TLS any version at all
local METHODS = {
  TLS = { 'TLSv1', 'TLSv1.3' }, SSLv23 = { false, 'TLSv1.2' },
  TLSv1 = { 'TLSv1', 'TLSv1' }, TLSv1_1 = { 'TLSv1.1', 'TLSv1.1' }, TLSv1_2 = { 'TLSv1.2', 'TLSv1.2' },
}

local function protocol_method(name, defaults)
  local base = name:match('^(.-)_method$') or name
  base = base:gsub('_server$', ''):gsub('_client$', '')
  if base == 'SSLv2' or base == 'SSLv3' then
    error(errors.new('ERR_TLS_INVALID_PROTOCOL_METHOD', base .. ' methods disabled',
      { option = 'secureProtocol' }, 'TypeError'), 4)
  end
  local m = METHODS[base]
  if not m or not name:match('_method$') then
    error(errors.new('ERR_TLS_INVALID_PROTOCOL_METHOD', 'Unknown method: ' .. name,
      { option = 'secureProtocol' }, 'TypeError'), 4)
  end
  return V[m[1] or defaults.DEFAULT_MIN_VERSION], V[m[2]]
end

-- One cipher string for both versions, split as Node splits it: TLS_* names
-- (and their !TLS_* exclusions) are TLS 1.3 suites, the rest TLS 1.2 ciphers;
-- empty names are dropped. Nothing left at all is refused.
local function split_ciphers(s)
  local v13, v12 = {}, {}
  for c in s:gmatch('[^:]+') do
    if c:match('^!?TLS_') then v13[#v13 + 1] = c else v12[#v12 + 1] = c end
  end
  if #v12 == 0 and #v13 == 0 then
    error(errors.invalid_arg_value('options.ciphers', s, 'names no cipher'), 4)
  end
  return table.concat(v12, ':'), table.concat(v13, ':')
end

local function versions(options, defaults)
  local minv, maxv
  if options.secureProtocol ~= nil then
    errors.check('options.secureProtocol', options.secureProtocol, 'string')
    for _, k in ipairs({ 'minVersion', 'maxVersion' }) do
      if options[k] ~= nil then
        error(errors.new('ERR_TLS_PROTOCOL_VERSION_CONFLICT',
          ('TLS protocol version "%s" conflicts with secureProtocol "%s"'):format(options[k], options.secureProtocol),
          { option = k }, 'TypeError'), 3)
      end
    end
    -- as Node, a default minimum above the method's maximum is no error
    -- here: such a context has no version to offer and its handshakes fail
    return protocol_method(options.secureProtocol, defaults)
  else
    minv = version_of('minVersion', options.minVersion or defaults.DEFAULT_MIN_VERSION, 'minimum')
    maxv = version_of('maxVersion', options.maxVersion or defaults.DEFAULT_MAX_VERSION, 'maximum')
  end
  if minv > maxv then
    error(errors.new('ERR_TLS_INVALID_PROTOCOL_VERSION',
      ('minVersion %s is above maxVersion %s'):format(options.minVersion or defaults.DEFAULT_MIN_VERSION,
        options.maxVersion or defaults.DEFAULT_MAX_VERSION), { option = 'minVersion' }, 'TypeError'), 3)
  end
  return minv, maxv
end

-- As Node: no TLS 1.3 suite named keeps OpenSSL's default ones; no TLS 1.2
-- cipher named leaves TLS 1.2 without ciphers, so TLS 1.3 becomes the minimum.
local function ciphers(ctx, options, defaults, minv, maxv)
  local list = options.ciphers
  if list == nil then list = defaults.DEFAULT_CIPHERS end
  errors.check('options.ciphers', list, 'string')
  if list == '' then list = defaults.DEFAULT_CIPHERS end
  local v12, v13 = split_ciphers(list)
  if v13 ~= '' then apply('ciphers', ctx, 'set_ciphersuites', v13) end
  if v12 ~= '' then
    apply('ciphers', ctx, 'set_ciphers', v12)
  else
    -- OpenSSL clears the list and then reports that it matched nothing
    pcall(ctx.set_ciphers, ctx, '')
    if minv < V['TLSv1.3'] and maxv > V['TLSv1.2'] then minv = V['TLSv1.3'] end
  end
  return minv, maxv
end

local function trust(ctx, options)
  if not given(options.ca) then
    -- CRLs and the CAs of a PKCS#12 file change the store: such a context
    -- gets one of its own instead of the shared default
    apply('ca', ctx, 'use_default_ca', options.crl ~= nil or options.pfx ~= nil)
  end
  for _, pem in ipairs(list_of('ca', options.ca)) do apply('ca', ctx, 'add_ca', pem) end
  for _, pem in ipairs(list_of('crl', options.crl)) do apply('crl', ctx, 'add_crl', pem) end
  -- as Node: any true value turns it on
  if options.allowPartialTrustChain then ctx:allow_partial_chain() end
end

local function identity(ctx, options)
  if options.passphrase ~= nil then errors.check('options.passphrase', options.passphrase, 'string') end
  for _, p in ipairs(list_of('pfx', options.pfx, 'buf', true)) do
    if type(p) == 'table' then apply('pfx', ctx, 'set_pfx', p.buf, p.passphrase or options.passphrase)
    else apply('pfx', ctx, 'set_pfx', p, options.passphrase) end
  end
  -- every certificate first, then the keys: OpenSSL pairs each key with the
  -- certificate of its type (RSA and ECDSA on one server), and checks they match
  local certs = list_of('cert', options.cert)
  for _, pem in ipairs(certs) do apply('cert', ctx, 'set_cert', pem) end
  for _, k in ipairs(list_of('key', options.key, 'pem')) do
    if type(k) == 'table' then apply('key', ctx, 'set_key', k.pem, k.passphrase or options.passphrase)
    else apply('key', ctx, 'set_key', k, options.passphrase) end
  end
end

local function key_exchange(ctx, options, defaults)
  local curve = options.ecdhCurve
  if curve == nil then curve = defaults.DEFAULT_ECDH_CURVE end
  errors.check('options.ecdhCurve', curve, 'string')
  if curve ~= 'auto' then apply('ecdhCurve', ctx, 'set_groups', curve) end
  if options.dhparam ~= nil then
    errors.check('options.dhparam', options.dhparam, 'string')
    local bits = apply('dhparam', ctx, 'set_dhparam', options.dhparam)
    if bits == nil then
      -- as Node, text without parameters is discarded (DHE stays off), but said
      io.stderr:write('(luatls) Warning: the dhparam option holds no DH parameters: it is ignored\n')
    elseif bits > 0 and bits < 2048 then
      io.stderr:write('(luatls) Warning: DH parameter is less than 2048 bits\n')
    end
  end
  if options.sigalgs ~= nil then
    errors.check('options.sigalgs', options.sigalgs, 'string')
    apply('sigalgs', ctx, 'set_sigalgs', options.sigalgs)
  end
end

local function not_supported(option)
  return errors.new('ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED', 'Custom engines not supported by this OpenSSL',
    { option = option })
end

-- OpenSSL engines are not supported, but a mistaken option is reported as
-- Node reports it: a missing engine or a key given too, then the types
local function engines(options)
  local id, engine, cce = options.privateKeyIdentifier, options.privateKeyEngine, options.clientCertEngine
  if id ~= nil then
    if engine == nil then error(errors.invalid_arg_value('options.privateKeyEngine', engine), 4) end
    if options.key then error(errors.invalid_arg_value('options.privateKeyIdentifier', id), 4) end
    errors.check('options.privateKeyIdentifier', id, 'string')
  end
  if engine ~= nil then errors.check('options.privateKeyEngine', engine, 'string') end
  if cce ~= nil then errors.check('options.clientCertEngine', cce, 'string') end
  -- an engine without an identifier is refused too (Node leaves it unused)
  if engine ~= nil then error(not_supported('privateKeyEngine'), 4) end
  if cce ~= nil then error(not_supported('clientCertEngine'), 4) end
end

function M.create(options, defaults)
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 3) end
  engines(options)
  local ctx = core.context_new()
  local minv, maxv = versions(options, defaults)
  minv, maxv = ciphers(ctx, options, defaults, minv, maxv)
  apply('minVersion', ctx, 'set_versions', minv, maxv)
  trust(ctx, options)
  identity(ctx, options)
  if given(options.cert) or options.pfx ~= nil then ctx:build_chains() end
  key_exchange(ctx, options, defaults)
  if options.honorCipherOrder then ctx:set_options(SSL_OP.SSL_OP_CIPHER_SERVER_PREFERENCE) end
  if options.secureOptions ~= nil then
    ctx:set_options(errors.check_number('options.secureOptions', options.secureOptions, nil, nil, { integer = true }))
  end
  if options.sessionIdContext ~= nil then
    errors.check('options.sessionIdContext', options.sessionIdContext, 'string')
    apply('sessionIdContext', ctx, 'set_session_id_context', options.sessionIdContext)
  end
  return SecureContext(ctx)
end

return M
