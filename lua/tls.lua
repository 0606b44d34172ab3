-- tls: TLS servers and clients with Node's API.
local core = require('luatls.core')
local errors = require('luatls.errors')
local net = require('net')
local secure_context = require('luatls.secure_context')
local identity = require('luatls.identity')

local tls = {}

tls.DEFAULT_MIN_VERSION = 'TLSv1.2'
tls.DEFAULT_MAX_VERSION = 'TLSv1.3'
tls.CLIENT_RENEG_LIMIT = 3
tls.CLIENT_RENEG_WINDOW = 600

-- Node's defaults; change them before contexts are made
tls.DEFAULT_CIPHERS = secure_context.CORE_CIPHERS
tls.DEFAULT_ECDH_CURVE = 'auto'

---------------------------------------------------------------------------
-- SecureContext
---------------------------------------------------------------------------

tls.SecureContext = secure_context.SecureContext

function tls.createSecureContext(options)
  return secure_context.create(options, tls)
end

-- the names of the ciphers OpenSSL offers, lower case, as Node lists them
function tls.getCiphers()
  local out = {}
  for i, name in ipairs(core.get_ciphers()) do out[i] = name:lower() end
  table.sort(out)
  return out
end

tls.checkServerIdentity = identity.checkServerIdentity

-- tls.rootCertificates: the default trusted roots as PEM strings, read when first asked for
setmetatable(tls, { __index = function(t, k)
  if k == 'rootCertificates' then
    local list = core.root_certificates()
    rawset(t, k, list)
    return list
  end
end })

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
  -- a 'newSession' listener has not called back yet: wait for it
  if s._newSessionPending then
    s._securePending = true
    return
  end
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
  s:_readNegotiated()
  s:emit('secure')
  server:emit('secureConnection', s)
end

local function client_secure(s)
  local opts = s._tlsOptions
  local code, message = s._handle:verify_error()
  local verr
  s:_readNegotiated()
  if code then
    verr = errors.new(code, message)
  elseif not s._handle:peer_certificate() then
    -- authenticated by a pre-shared key: there is no certificate to check
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
  if s._server and not s._secured then return s:destroy(err) end
  net.Socket._handlers.error(s, err)
end

function TLSSocket:_onConnect()
  self:_installHooks(false)
  self._handle:starttls(self._context.context, false, self._servername)
  if self._alpn then self._handle:set_alpn(self._alpn) end
  if self._tlsOptions.session then self._handle:set_session(self._tlsOptions.session) end
  net.Socket._onConnect(self)
end

function TLSSocket:destroy(err)
  if self._hsTimer then self._hsTimer:close(); self._hsTimer = nil end
  -- a server's socket that fails before its handshake completes is the
  -- server's 'tlsClientError', as in Node
  local server = self._server
  if err and server and not self._secured and not self.destroyed then
    net.Socket.destroy(self)
    server:emit('tlsClientError', err, self)
    return self
  end
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

-- client side: { type = 'ECDH', name = 'X25519', size = 253 }; {} on servers
function TLSSocket:getEphemeralKeyInfo()
  if not ifopen(self) then return nil end
  return self._handle:ephemeral_key()
end

function TLSSocket:getSharedSigalgs()
  if not ifopen(self) then return nil end
  return self._handle:shared_sigalgs()
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
  if options.pskCallback ~= nil then errors.check('options.pskCallback', options.pskCallback, 'function') end
  tls._checkSession(options.session)
  local s = TLSSocket(nil, options)
  s._context = ctx
  s._alpn = tls.convertALPNProtocols(options.ALPNProtocols)
  s._npn = options.NPNProtocols and tls.convertALPNProtocols(options.NPNProtocols)
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
  self:_hookOptions(options)
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
  -- sessions belong to this program, as Node ties them to its command line
  if options.sessionIdContext == nil then
    local argv = table.concat(rawget(_G, 'process') and process.argv or {}, ' ')
    o.sessionIdContext = (core.digest('sha1', argv):gsub('.', function(c) return ('%02x'):format(c:byte()) end)):sub(1, 32)
  end
  self._context = tls.createSecureContext(o)
  self:_sessionOptions(options)
end

function Server:_makeSocket(handle)
  local s = TLSSocket(nil, { handle = handle, allowHalfOpen = self.allowHalfOpen, isServer = true })
  s._server = self
  s:_installHooks(true)
  handle:starttls(self._context.context, true, nil, self._requestCert, self._rejectUnauthorized)
  local hint = self._tlsOptions.pskIdentityHint
  if hint then handle:set_psk_hint(hint) end
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

require('luatls.tls_hooks')(tls, TLSSocket, handlers, Server)
require('luatls.tls_session')(tls, TLSSocket, handlers, Server)
TLSSocket._secureServer = server_secure

return tls
