-- tls: TLS servers and clients with Node's API.
local core = require('luatls.core')
local errors = require('luatls.errors')
local net = require('net')
local Object = require('luatls.class')

local tls = {}

tls.DEFAULT_MIN_VERSION = 'TLSv1.2'
tls.DEFAULT_MAX_VERSION = 'TLSv1.3'
tls.CLIENT_RENEG_LIMIT = 3
tls.CLIENT_RENEG_WINDOW = 600

local SSL_OP_CIPHER_SERVER_PREFERENCE = 0x00400000

---------------------------------------------------------------------------
-- SecureContext
---------------------------------------------------------------------------

local SecureContext = Object:extend()
tls.SecureContext = SecureContext

function SecureContext:init(ctx) self.context = ctx end

-- calls ctx:method(...), turning an OpenSSL error into one that names the option
local function apply(name, ctx, method, ...)
  local ok, err = pcall(ctx[method], ctx, ...)
  if not ok then error(errors.for_option(err, name), 4) end
end

local function list_of(name, v, allow_tables)
  if v == nil then return {} end
  if type(v) == 'string' or (allow_tables and type(v) == 'table' and v.pem) then return { v } end
  if type(v) ~= 'table' then
    error(errors.invalid_arg_type('options.' .. name, 'of type string or a list of strings', v), 4)
  end
  for i, item in ipairs(v) do
    if type(item) ~= 'string' and not (allow_tables and type(item) == 'table' and type(item.pem) == 'string') then
      error(errors.invalid_arg_type(('options.%s[%d]'):format(name, i), 'of type string', item), 4)
    end
  end
  return v
end

local function version_of(name, v)
  local n = core.versions[v]
  if not n then
    error(errors.new('ERR_TLS_INVALID_PROTOCOL_VERSION',
      ("%s is not a valid TLS protocol version"):format(tostring(v)), { option = name }, 'TypeError'), 4)
  end
  return n
end

-- one cipher string for both versions: TLS_* names are TLS 1.3 suites
local function split_ciphers(s)
  local v13, v12 = {}, {}
  for c in s:gmatch('[^:]+') do
    if c:match('^TLS_') then v13[#v13 + 1] = c else v12[#v12 + 1] = c end
  end
  return table.concat(v12, ':'), table.concat(v13, ':')
end

function tls.createSecureContext(options)
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 2) end
  local ctx = core.context_new()
  local minv = version_of('minVersion', options.minVersion or tls.DEFAULT_MIN_VERSION)
  local maxv = version_of('maxVersion', options.maxVersion or tls.DEFAULT_MAX_VERSION)
  if options.ciphers ~= nil then
    errors.check('options.ciphers', options.ciphers, 'string')
    local v12, v13 = split_ciphers(options.ciphers)
    apply('ciphers', ctx, 'set_ciphersuites', v13)
    if v12 ~= '' then apply('ciphers', ctx, 'set_ciphers', v12) end
    -- as Node: no suites of one version means that version is off
    if v13 == '' and maxv > core.versions['TLSv1.2'] then maxv = core.versions['TLSv1.2'] end
    if v12 == '' and minv < core.versions['TLSv1.3'] then minv = core.versions['TLSv1.3'] end
  end
  apply('minVersion', ctx, 'set_versions', minv, maxv)
  local cas = list_of('ca', options.ca)
  if options.ca == nil then pcall(ctx.use_default_ca, ctx) end
  for _, pem in ipairs(cas) do apply('ca', ctx, 'add_ca', pem) end
  local certs = list_of('cert', options.cert)
  for _, pem in ipairs(certs) do apply('cert', ctx, 'set_cert', pem) end
  if options.passphrase ~= nil then errors.check('options.passphrase', options.passphrase, 'string') end
  local keys = list_of('key', options.key, true)
  for _, k in ipairs(keys) do
    if type(k) == 'table' then apply('key', ctx, 'set_key', k.pem, k.passphrase or options.passphrase)
    else apply('key', ctx, 'set_key', k, options.passphrase) end
  end
  if #keys > 0 and #certs > 0 then apply('key', ctx, 'check_key') end
  if options.honorCipherOrder then ctx:set_options(SSL_OP_CIPHER_SERVER_PREFERENCE) end
  if options.secureOptions ~= nil then
    errors.check('options.secureOptions', options.secureOptions, 'number')
    ctx:set_options(math.tointeger(options.secureOptions) or 0)
  end
  return SecureContext(ctx)
end

---------------------------------------------------------------------------
-- checkServerIdentity
---------------------------------------------------------------------------

local function split_host(host)
  local parts = {}
  host = host:gsub('%.$', ''):lower()
  for p in (host .. '.'):gmatch('([^.]*)%.') do parts[#parts + 1] = p end
  return parts
end

-- RFC 6125 matching, wildcards only in the left-most label, never *.tld
local function host_matches(host_parts, pattern)
  if type(pattern) ~= 'string' or pattern == '' then return false end
  local pp = split_host(pattern)
  if #pp ~= #host_parts then return false end
  for _, p in ipairs(pp) do
    if p == '' or p:find('[^\33-\126]') then return false end
  end
  for i = #host_parts, 2, -1 do
    if host_parts[i] ~= pp[i] then return false end
  end
  local sub, psub = host_parts[1], pp[1]
  local star = psub:find('*', 1, true)
  if not star or psub:find('xn--', 1, true) then return sub == psub end
  if psub:find('*', star + 1, true) or #pp <= 2 then return false end
  local prefix, suffix = psub:sub(1, star - 1), psub:sub(star + 1)
  if #prefix + #suffix > #sub then return false end
  return sub:sub(1, #prefix) == prefix and (suffix == '' or sub:sub(-#suffix) == suffix)
end

function tls.checkServerIdentity(hostname, cert)
  hostname = tostring(hostname)
  local altnames = cert.subjectaltname
  local dns, ips = {}, {}
  if altnames then
    for name in (altnames .. ', '):gmatch('(.-), ') do
      if name:sub(1, 4) == 'DNS:' then dns[#dns + 1] = name:sub(5)
      elseif name:sub(1, 11) == 'IP Address:' then ips[#ips + 1] = core.canonical_ip(name:sub(12)) or name:sub(12) end
    end
  end
  local valid, reason = false, 'Unknown reason'
  hostname = hostname:gsub('%.$', '')
  if core.isip(hostname) ~= 0 then
    local want = core.canonical_ip(hostname)
    for _, ip in ipairs(ips) do if ip == want then valid = true end end
    if not valid then reason = ("IP: %s is not in the cert's list: %s"):format(hostname, table.concat(ips, ', ')) end
  elseif #dns > 0 or (cert.subject and cert.subject.CN) then
    local parts = split_host(hostname)
    if #dns > 0 then
      for _, d in ipairs(dns) do if host_matches(parts, d) then valid = true end end
      if not valid then reason = ("Host: %s. is not in the cert's altnames: %s"):format(hostname, altnames) end
    else
      local cn = cert.subject.CN
      local cns = type(cn) == 'table' and cn or { cn }
      for _, c in ipairs(cns) do if host_matches(parts, c) then valid = true end end
      if not valid then reason = ("Host: %s. is not cert's CN: %s"):format(hostname, table.concat(cns, ', ')) end
    end
  else
    reason = 'Cert does not contain a DNS name'
  end
  if valid then return nil end
  return errors.new('ERR_TLS_CERT_ALTNAME_INVALID',
    "Hostname/IP does not match certificate's altnames: " .. reason,
    { reason = reason, host = hostname, cert = cert })
end

---------------------------------------------------------------------------
-- TLSSocket
---------------------------------------------------------------------------

local TLSSocket = net.Socket:extend()
tls.TLSSocket = TLSSocket

TLSSocket.__name = 'TLSSocket'

function TLSSocket:_describe()
  local parts = net.Socket._describe(self)
  if self._secured and not self.destroyed then
    parts[#parts + 1] = self:getProtocol()
    parts[#parts + 1] = self.authorized and 'authorized' or ('unauthorized: ' .. tostring(self.authorizationError))
  end
  return parts
end

local handlers = setmetatable({}, { __index = net.Socket._handlers })
TLSSocket._handlers = handlers

function TLSSocket:init(_socket, options)
  options = options or {}
  self.encrypted = true
  self.authorized = false
  self.authorizationError = nil
  self.alpnProtocol = false
  self.servername = nil
  self._tlsOptions = options
  net.Socket.init(self, options)
end

local function server_secure(s)
  local server = s._server
  if server._requestCert then
    local code = s._handle:verify_error()
    if code then
      s.authorizationError = code
      if server._rejectUnauthorized then return s:destroy() end
    else
      s.authorized = true
    end
  end
  s.servername = s._handle:servername() or false
  s:emit('secure')
  server:emit('secureConnection', s)
end

local function client_secure(s)
  local opts = s._tlsOptions
  local code, message = s._handle:verify_error()
  local verr
  if code then
    verr = errors.new(code, message)
  else
    local host = opts.servername or opts.host or 'localhost'
    -- a check that raises refuses the certificate with what it raised
    local _, res = pcall(opts.checkServerIdentity or tls.checkServerIdentity, host, s:getPeerCertificate(true))
    verr = res
  end
  if verr then
    s.authorizationError = verr.code or tostring(verr)
    if opts.rejectUnauthorized ~= false then return s:destroy(verr) end
  else
    s.authorized = true
  end
  s:emit('secureConnect')
end

handlers.secure = function(s)
  if s._hsTimer then s._hsTimer:close(); s._hsTimer = nil end
  s._secured = true
  if s._server then server_secure(s) else client_secure(s) end
end

handlers.error = function(s, err)
  local server = s._server
  if server and not s._secured then
    s:destroy()
    server:emit('tlsClientError', err, s)
    return
  end
  net.Socket._handlers.error(s, err)
end

function TLSSocket:_onConnect()
  self._handle:starttls(self._context.context, false, self._servername)
  net.Socket._onConnect(self)
end

function TLSSocket:destroy(err)
  if self._hsTimer then self._hsTimer:close(); self._hsTimer = nil end
  return net.Socket.destroy(self, err)
end

local function ifopen(s) return s._handle and not s.destroyed end

function TLSSocket:getPeerCertificate(detailed)
  if not ifopen(self) then return nil end
  return self._handle:peer_certificate(detailed) or {}
end

function TLSSocket:getCertificate()
  if not ifopen(self) then return nil end
  return self._handle:certificate() or {}
end

function TLSSocket:getProtocol()
  if not ifopen(self) then return nil end
  return self._handle:protocol()
end

function TLSSocket:getCipher()
  if not ifopen(self) then return nil end
  return self._handle:cipher()
end

function TLSSocket:isSessionReused()
  return ifopen(self) and self._handle:session_reused() or false
end

---------------------------------------------------------------------------
-- connect
---------------------------------------------------------------------------

-- connect(port[, host][, options][, cb]) or connect(options[, cb])
local function connect_args(...)
  local args = table.pack(...)
  local cb
  if args.n > 0 and type(args[args.n]) == 'function' then cb = args[args.n]; args.n = args.n - 1 end
  local options = {}
  local i = 1
  if type(args[1]) ~= 'table' and args.n >= 1 then
    options.port = args[1]
    i = 2
    if type(args[2]) == 'string' then options.host = args[2]; i = 3 end
  end
  if type(args[i]) == 'table' then
    for k, v in pairs(args[i]) do if options[k] == nil then options[k] = v end end
  end
  return options, cb
end

function tls.connect(...)
  local options, cb = connect_args(...)
  options.host = options.host or 'localhost'
  net._check_port(options.port, 'Port')
  if options.checkServerIdentity ~= nil then
    errors.check('options.checkServerIdentity', options.checkServerIdentity, 'function')
  end
  local ctx = options.secureContext or tls.createSecureContext(options)
  local s = TLSSocket(nil, options)
  s._context = ctx
  local servername = options.servername
  if servername == nil and core.isip(options.host) == 0 then servername = options.host end
  s._servername = servername
  if cb then s:once('secureConnect', cb) end
  s:connect({ port = options.port, host = options.host, family = options.family })
  return s
end

---------------------------------------------------------------------------
-- Server
---------------------------------------------------------------------------

local Server = net.Server:extend()
tls.Server = Server
Server.__name = 'tls.Server'

function Server:init(options, listener)
  if type(options) == 'function' then options, listener = {}, options end
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 3) end
  net.Server.init(self, options)
  self._tlsOptions = options
  self._requestCert = options.requestCert == true
  self._rejectUnauthorized = options.rejectUnauthorized ~= false
  self._handshakeTimeout = options.handshakeTimeout or 120000
  self:setSecureContext(options)
  if listener then self:on('secureConnection', listener) end
end

-- servers prefer their own cipher order unless told otherwise, as Node's do
function Server:setSecureContext(options)
  if options.secureContext then
    self._context = options.secureContext
    return
  end
  local o = setmetatable({}, { __index = options })
  if options.honorCipherOrder == nil then o.honorCipherOrder = true end
  self._context = tls.createSecureContext(o)
end

function Server:_makeSocket(handle)
  local s = TLSSocket(nil, { handle = handle, allowHalfOpen = self.allowHalfOpen, isServer = true })
  s._server = self
  handle:starttls(self._context.context, true, nil, self._requestCert, self._rejectUnauthorized)
  if self._handshakeTimeout > 0 then
    local t = core.timer()
    s._hsTimer = t
    t:start(self._handshakeTimeout, 0, function()
      t:close()
      s._hsTimer = nil
      if s.destroyed or s._secured then return end
      handlers.error(s, errors.new('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout'))
    end)
  end
  return s
end

function tls.createServer(options, listener) return Server(options, listener) end

return tls
