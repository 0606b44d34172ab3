-- tls: TLS servers and clients with Node's API.
local core = require('luatls.core')
local errors = require('luatls.errors')
local net = require('net')
local secure_context = require('luatls.secure_context')
local identity = require('luatls.identity')
local stream = require('stream')

local tls = {}

tls.DEFAULT_MIN_VERSION = 'TLSv1.2'
tls.DEFAULT_MAX_VERSION = 'TLSv1.3'

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

-- tls.CLIENT_RENEG_LIMIT (3) and tls.CLIENT_RENEG_WINDOW (600 s) are checked
-- when set: NaN passes no comparison, so a NaN limit would let a peer
-- renegotiate without end
local limits = { CLIENT_RENEG_LIMIT = 3, CLIENT_RENEG_WINDOW = 600 }

-- tls.rootCertificates: the default trusted roots as PEM strings, read when first asked for
setmetatable(tls, {
  __index = function(t, k)
    if limits[k] ~= nil then return limits[k] end
    if k == 'rootCertificates' then
      local list = core.root_certificates()
      rawset(t, k, list)
      return list
    end
  end,
  __newindex = function(t, k, v)
    if limits[k] == nil then return rawset(t, k, v) end
    limits[k] = errors.check_number('tls.' .. k, v, 0)
  end,
})

---------------------------------------------------------------------------
-- TLSSocket
---------------------------------------------------------------------------

local TLSSocket = net.Socket:extend()
tls.TLSSocket = TLSSocket

TLSSocket.__name = 'TLSSocket'
TLSSocket._verdictRunning = false   -- read by every write (see _write)

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

-- TLSSocket(socket, options): a TLS layer over an existing socket (its fd is
-- used directly) or over any duplex (a table with write, _end and the
-- 'data' and 'end' events). options.isServer makes it the server side.
TLSSocket.encrypted = true
TLSSocket.authorized = false
TLSSocket.alpnProtocol = false

function TLSSocket:init(socket, options)
  options = options or {}
  self._tlsOptions = options
  if socket == nil or options.handle then
    net.Socket.init(self, options)
    return
  end
  if type(socket) ~= 'table' or type(socket.write) ~= 'function' then
    error(errors.invalid_arg_type('socket', 'a net.Socket or a duplex stream', socket), 3)
  end
  local handle, prefix = self:_wrap(socket)
  local o = setmetatable({ handle = handle }, { __index = options })
  net.Socket.init(self, o)
  self._tlsOptions = options
  if options.isServer then
    -- as Node: a tls.Server lends its context and its hooks (SNI, ALPN, OCSP, PSK, sessions)
    local server = options.server
    if server ~= nil and getmetatable(server) ~= nil and server._context then
      self._server, self._context = server, options.secureContext or server._context
    end
    self:_startTLS(true, prefix)
  else
    self._prefix = prefix
  end
end

-- takes over a socket's fd, with what it had read; or bridges a duplex
function TLSSocket:_wrap(socket)
  local h = rawget(socket, '_handle')
  if h and not socket.destroyed and getmetatable(socket) and socket._handlers then
    local prefix = socket:_takeBuffered()
    socket._handle = nil
    if socket._timer then socket._timer:close(); socket._timer = nil end
    self._countedBy, socket._countedBy = socket._countedBy, nil
    socket.destroyed, socket.readable, socket.writable = true, false, false
    socket._wrappedBy = self
    self._upgraded = true
    return h, prefix
  end
  local handle = core.mem_stream()
  self._transport = socket
  self._transportWrite = function(bytes) socket:write(bytes) end
  socket:on('data', function(d)
    if not self.destroyed then self._handle:feed(d) end
  end)
  socket:on('end', function()
    if not self.destroyed then self._handle:feed_eof() end
  end)
  socket:on('close', function() if not self.destroyed then self:destroy() end end)
  socket:on('error', function(e) if not self.destroyed then self:destroy(e) end end)
  return handle, nil
end

-- starts the handshake on the handle this socket has
function TLSSocket:_startTLS(is_server, prefix)
  local o = self._tlsOptions
  self._isServer = is_server
  self._context = self._context or o.secureContext or tls.createSecureContext(o)
  self:_installHooks(is_server)
  local server = self._server
  local request = server and server._requestCert or (not server and o.requestCert == true)
  local reject = server and server._rejectUnauthorized or (not server and o.rejectUnauthorized ~= false)
  self._handle:starttls(self._context.context, is_server, not is_server and self._servername or nil,
    request, reject, prefix, self._upgraded)
  -- enableTrace (the option, the server's option, or enableTrace() called before the SSL existed)
  self._tlsStarted = true
  if o.enableTrace or self._traceWanted or (server and server._tlsOptions.enableTrace) then
    self._handle:enable_trace()
  end
  if not is_server then
    if self._alpn then self._handle:set_alpn(self._alpn) end
    local session = self._session or o.session
    if session then self._handle:set_session(session) end
  end
  if self._transport and not is_server then
    -- send the ClientHello on the next tick: events come after the caller returns, as in Node
    process.nextTick(function() if not self.destroyed then self._handle:feed('') end end)
  end
end

handlers.encrypted = function(s, bytes)
  if s._transportWrite then s._transportWrite(bytes) end
end

-- over a duplex, our end of the TLS stream ends the duplex too
handlers.shutdown = function(s)
  net.Socket._handlers.shutdown(s)
  if s._transport and s._transport._end then s._transport:_end() end
end

-- A socket destroyed while its handshake finished (by a client's 'session'
-- listener, a hook, a timeout) is done with: nothing negotiated can be read
-- from its closed handle and nobody is told it is secure, as Node's
-- _finishInit returns once the handle is gone.
local function gone(s) return s.destroyed or not s._handle end

local function server_secure(s)
  if gone(s) then return end
  local server = s._server
  -- a 'newSession' listener has not called back yet: wait for it
  if s._newSessionPending then
    s._securePending = true
    return
  end
  local o = s._tlsOptions
  local request = server and server._requestCert or (not server and o.requestCert == true)
  local reject = server and server._rejectUnauthorized or (not server and o.rejectUnauthorized ~= false)
  if request then
    local code = s._handle:verify_error()
    if code then
      s.authorizationError = code
      if reject then return s:destroy() end
    else
      s.authorized = true
    end
  end
  s.servername = s._handle:servername() or false
  s:_readNegotiated()
  s:emit('secure')
  -- as Node: a 'secure' listener that destroyed the socket keeps it from the server's listeners
  if server and not s.destroyed then server:emit('secureConnection', s) end
end

-- as Node: a server whose DH prime is below minDHSize (default 1024) is refused
local function dh_too_small(s, opts)
  local key = s._handle:ephemeral_key()
  local min = opts.minDHSize or 1024
  if key and key.type == 'DH' and key.size < min then
    return errors.new('ERR_TLS_DH_PARAM_SIZE', ('DH parameter size %d is less than %d'):format(key.size, min),
      { size = key.size, minDHSize = min })
  end
end

-- As Node's onConnectSecure: verify the server (DH size, chain, then host
-- name), then 'secureConnect', then the session held since the handshake (a
-- TLS 1.2 session arrives before the server is verified: it is handed out
-- only once it is, and never from a refused server), then 'secure'. A refused
-- server's socket is destroyed first, and 'secure' still follows, as in Node;
-- the client's last flight was held back in C until here, so a refused TLS 1.3
-- server never gets our Finished and sees the connection reset.
local function verdict(s)
  if gone(s) then return end
  local opts = s._tlsOptions
  s.servername = s._handle:servername() or false
  local dherr = dh_too_small(s, opts)
  if dherr then
    s._pendingSession = nil
    s:destroy(dherr)
    return s:emit('secure')
  end
  local code, message = s._handle:verify_error()
  local verr
  s:_readNegotiated()
  if code then
    verr = errors.new(code, message)
  elseif not s._handle:peer_certificate() then
    -- authenticated by a pre-shared key: there is no certificate to check
  else
    local host = opts.servername
    if type(host) ~= 'string' or host == '' then host = opts.host or 'localhost' end
    -- a check that raises refuses the certificate with what it raised
    local ok, res = xpcall(opts.checkServerIdentity or tls.checkServerIdentity, errors.traceback,
      host, s:getPeerCertificate(true))
    if not ok or (res and type(res) ~= 'table') then verr = errors.from(res) else verr = res or nil end
  end
  if verr then
    s.authorizationError = verr.code or verr.message
    if opts.rejectUnauthorized ~= false then
      s._pendingSession = nil
      s:destroy(verr)
      return s:emit('secure')
    end
  else
    s.authorized = true
  end
  -- the socket is passed, for Lua listeners that have no `this` (Node passes nothing)
  s:emit('secureConnect', s)
  s._verified = true
  local session = s._pendingSession
  s._pendingSession = nil
  if session then s:emit('session', session) end
  s:emit('secure')
end

local function client_secure(s)
  s._verdictRunning = true
  verdict(s)
  s._verdictRunning = nil
end

-- a write while the verdict runs sends the held flight at once, as Node's
-- write() flushes what OpenSSL produced: a server then sees the handshake
-- complete even if the socket is destroyed right after
function TLSSocket:_write(data, cb)
  if self._verdictRunning and self._handle then self._handle:release_flight() end
  return net.Socket._write(self, data, cb)
end

local function mark_secured(s)
  if s._hsTimer then s._hsTimer:close(); s._hsTimer = nil end
  s._secured = true
end

handlers.secure = function(s)
  if gone(s) then return end
  -- a 'newSession' listener that has not called back holds the handshake,
  -- and its deadline still runs, as in Node
  if not s._newSessionPending then mark_secured(s) end
  if s._isServer then server_secure(s) else client_secure(s) end
end

handlers.error = function(s, err)
  if s._server and not s._secured then return s:destroy(err) end
  net.Socket._handlers.error(s, err)
end

function TLSSocket:_onConnect()
  -- a client whose TLS cannot start (no memory for SSL_new, a freed context)
  -- fails with that error, as any failed connection does
  local ok, err = pcall(self._startTLS, self, false)
  if not ok then return self:destroy(errors.from(err)) end
  net.Socket._onConnect(self)
end

function TLSSocket:destroy(err)
  if self._hsTimer then self._hsTimer:close(); self._hsTimer = nil end
  -- a renegotiation that can no longer finish answers its callbacks, first
  local cbs = not self.destroyed and self._renegCallbacks
  if cbs then
    self._renegCallbacks = nil
    local e = err or errors.new('ERR_SOCKET_CLOSED', 'Socket is closed')
    process.nextTick(function() for _, cb in ipairs(cbs) do cb(e) end end)
  end
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

-- getX509Certificate() -> this end's certificate as a crypto.X509Certificate, or nil
function TLSSocket:getX509Certificate()
  if not ifopen(self) then return nil end
  local h = self._handle:x509_certificate()
  return h and require('crypto').X509Certificate._from(h) or nil
end

-- getPeerX509Certificate() -> the peer's certificate as a crypto.X509Certificate,
-- its issuerCertificate the next one the peer sent (as in Node), or nil
function TLSSocket:getPeerX509Certificate()
  if not ifopen(self) then return nil end
  local h, chain = self._handle:peer_x509_certificate()
  return h and require('crypto').X509Certificate._from(h, chain) or nil
end

function TLSSocket:getProtocol()
  if not ifopen(self) then return nil end
  return self._handle:protocol()
end

function TLSSocket:getCipher()
  if not ifopen(self) then return nil end
  return self._handle:cipher()
end

-- client side: { type = 'ECDH', name = 'X25519', size = 253 } ({} without an
-- ephemeral key: PSK, a resumed TLS 1.2 session); nil on servers, as Node's null
function TLSSocket:getEphemeralKeyInfo()
  if not ifopen(self) or self._isServer then return nil end
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

-- The name a client sends as SNI. Node 20's tls.connect sends one only when
-- options.servername is given (and not empty): the host alone is never sent,
-- though the certificate is still checked against it. An IP address is sent
-- with Node's deprecation warning (RFC 6066 forbids it).
local ip_servername_warned = false
function tls._sniOf(name)
  if name == nil or name == false or name == '' then return nil end
  if type(name) ~= 'string' then error(errors.invalid_arg_type('name', 'of type string', name), 3) end
  if not ip_servername_warned and core.isip(name) ~= 0 then
    ip_servername_warned = true
    io.stderr:write('(luatls) [DEP0123] DeprecationWarning: Setting the TLS ServerName to an IP address '
      .. 'is not permitted by RFC 6066. This will be ignored in a future version.\n')
  end
  return name
end

-- connect(port[, host][, options][, cb]) or connect(options[, cb])
local function connect_args(...)
  local args = table.pack(...)
  local cb
  if args.n > 0 and type(args[args.n]) == 'function' then cb = args[args.n]; args.n = args.n - 1 end
  local options = {}
  local i = 1
  if type(args[1]) ~= 'table' and args.n >= 1 then
    -- as net.connect: a string that is not a number is a Unix socket's path
    if net._isPipeName(args[1]) then options.path = args[1] else options.port = args[1] end
    i = 2
    if type(args[2]) == 'string' then options.host = args[2]; i = 3 end
  end
  if type(args[i]) == 'table' then
    for k, v in pairs(args[i]) do if options[k] == nil then options[k] = v end end
  end
  return options, cb
end

-- tls.connect({ socket = s, ... }): the client side over a connected socket or a duplex
function tls._connectOver(options, ctx, cb, sni)
  local s = TLSSocket(options.socket, options)
  s._context = ctx
  s._alpn = tls.convertALPNProtocols(options.ALPNProtocols)
  s._npn = options.NPNProtocols and tls.convertALPNProtocols(options.NPNProtocols)
  s._servername = sni
  if cb then s:once('secureConnect', cb) end
  local prefix = s._prefix
  s._prefix = nil
  -- a socket still connecting: the handshake starts with its 'connect'
  if options.socket.connecting then s.connecting = true else s:_startTLS(false, prefix) end
  return s
end

function tls.connect(...)
  local options, cb = connect_args(...)
  if options.socket == nil then
    options.host = options.host or 'localhost'
    if options.path == nil then net._check_port(options.port, 'Port') end
  end
  errors.check_number('options.minDHSize', options.minDHSize, 1, nil, { optional = true })
  errors.check('options.enableTrace', options.enableTrace, 'boolean', true)
  if options.checkServerIdentity ~= nil then
    errors.check('options.checkServerIdentity', options.checkServerIdentity, 'function')
  end
  local ctx = options.secureContext or tls.createSecureContext(options)
  if options.pskCallback ~= nil then errors.check('options.pskCallback', options.pskCallback, 'function') end
  tls._checkSession(options.session)
  local sni = tls._sniOf(options.servername)
  if options.socket ~= nil then return tls._connectOver(options, ctx, cb, sni) end
  local s = TLSSocket(nil, options)
  s._context = ctx
  s._alpn = tls.convertALPNProtocols(options.ALPNProtocols)
  s._npn = options.NPNProtocols and tls.convertALPNProtocols(options.NPNProtocols)
  s._servername = sni
  if cb then s:once('secureConnect', cb) end
  if options.timeout ~= nil and options.timeout ~= 0 then s:setTimeout(options.timeout) end
  -- path, port, host, family, localAddress, localPort, lookup, as in Node
  s:connect(options)
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
  self._handshakeTimeout = errors.check_number('options.handshakeTimeout', options.handshakeTimeout, nil, nil,
    { optional = true }) or 120000
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

local function start_server_socket(self, s, handle)
  s:_startTLS(true)
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
end

-- -> the socket; or nil, the error and the socket when its TLS cannot start
-- (SSL_new or its BIO out of memory, a context that was freed): that one
-- connection fails, the server goes on
function Server:_makeSocket(handle)
  local s = TLSSocket(nil, { handle = handle, allowHalfOpen = self.allowHalfOpen, isServer = true })
  s._server = self
  s._context = self._context
  local ok, err = pcall(start_server_socket, self, s, handle)
  if not ok then
    s:destroy()
    return nil, errors.from(err), s
  end
  return s
end

-- a connection that failed before its handshake could start: Node's name for a
-- TLS connection that fails before it is secure
function Server:_acceptFailed(err, s)
  self:emit('tlsClientError', err, s)
end

function tls.createServer(options, listener) return Server(options, listener) end

-- tls.createSecurePair([context][, isServer][, requestCert][, rejectUnauthorized]): the
-- old API. pair.encrypted is piped to and from a socket, pair.cleartext is used instead.
local SecurePair = require('events'):extend()
tls.SecurePair = SecurePair
tls.CleartextStream = TLSSocket

function tls.createSecurePair(context, isServer, requestCert, rejectUnauthorized)
  local pair = SecurePair()
  local encrypted = stream.Duplex()
  local bridge = stream.Duplex()   -- the cleartext socket's transport
  bridge._write = function(_, bytes) encrypted:push(bytes) end
  bridge._final = function() encrypted:push(nil) end
  encrypted._write = function(_, bytes) bridge:push(bytes) end
  encrypted._final = function() bridge:push(nil) end
  local cleartext = TLSSocket(bridge, { isServer = isServer == true, secureContext = context,
    requestCert = requestCert == true, rejectUnauthorized = rejectUnauthorized ~= false })
  pair.encrypted, pair.cleartext = encrypted, cleartext
  cleartext:on(isServer and 'secure' or 'secureConnect', function() pair:emit('secure') end)
  if not isServer then cleartext:_startTLS(false) end
  return pair
end

require('luatls.tls_hooks')(tls, TLSSocket, handlers, Server)
require('luatls.tls_session')(tls, TLSSocket, handlers, Server)
function TLSSocket:_secureServer()
  mark_secured(self)
  server_secure(self)
end

return tls
