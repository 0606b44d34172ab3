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

tls._traceTls = false   -- --trace-tls; read by every connection, so a field of its own

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

-- a read-only view of a list, as Node's frozen arrays: reads, #, ipairs and
-- pairs see the list, a write raises
local function frozen(list)
  return setmetatable({}, {
    __index = list,
    __len = function() return #list end,
    __pairs = function() return next, list, nil end,
    __newindex = function(_, k)
      error(errors.new(nil, ("Cannot assign to read only property '%s' of a frozen list"):format(tostring(k)),
        nil, 'TypeError'), 2)
    end,
    __metatable = false,
  })
end

-- tls.rootCertificates: the default trusted roots as PEM strings, read when
-- first asked for; frozen, and the field cannot be replaced, as in Node
local roots
setmetatable(tls, {
  __index = function(_, k)
    if limits[k] ~= nil then return limits[k] end
    if k == 'rootCertificates' then
      roots = roots or frozen(core.root_certificates())
      return roots
    end
  end,
  __newindex = function(t, k, v)
    if k == 'rootCertificates' then
      error(errors.new(nil, 'Cannot set property rootCertificates, which has only a getter', nil, 'TypeError'), 2)
    end
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
-- false, not nil, for fields every connection reads before anything sets them:
-- a nil one is looked for up the whole class chain each time
TLSSocket._transport = false
TLSSocket._newSessionPending = false
TLSSocket._SNICallback = false
TLSSocket._renegCallbacks = false
TLSSocket._traceWanted = false
TLSSocket._connectTarget = false

function TLSSocket:init(socket, options)
  options = options or {}
  self._tlsOptions = options
  -- a server socket made by a script: its own hooks (a tls.Server's sockets come with a handle)
  if options.isServer and not options.handle then self:_ownHooks(options) end
  if socket == nil or options.handle then
    net.Socket.init(self, options)
    return
  end
  if type(socket) ~= 'table' or type(socket.write) ~= 'function' then
    error(errors.invalid_arg_type('socket', 'a net.Socket or a duplex stream', socket), 3)
  end
  -- as Node, the option is ignored over a socket or duplex: a net.Socket's own allowHalfOpen
  -- decides; over another duplex the TLS socket is never half-open (Node's takes the duplex's,
  -- true by default: doc/tls.md says why not here)
  local half_open = getmetatable(socket) ~= nil and socket._handlers ~= nil and socket.allowHalfOpen == true
  local handle, prefix = self:_wrap(socket)
  local o = setmetatable({ handle = handle, allowHalfOpen = half_open }, { __index = options })
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

-- destroy() of a net.Socket whose fd a TLSSocket took over: as in Node, where
-- both share the handle, the TLS socket is destroyed too, and the net socket's
-- own 'close' follows once the TLS socket's has been emitted, in the loop's
-- next turn (when Node's handle close callback runs)
local function destroy_spent(socket, err)
  if socket._spentClosing then return socket end
  socket._spentClosing = true
  if socket._timer then socket._timer:close(); socket._timer = nil end
  local t = socket._wrappedBy
  local function closed() require('timers').setImmediate(function() socket:emit('close', err ~= nil) end) end
  if t._closeEmitted then closed() else t:once('close', closed) end
  if not t.destroyed then t:destroy(err) end
  return socket
end

-- setTimeout() of such a net.Socket: it reads and writes nothing itself any
-- more (the TLS socket does), so, as its Node counterpart, it is idle from the call on
local function set_timeout_spent(socket, ms, cb)
  ms = errors.check_number('msecs', ms, 0)
  socket.timeout = ms
  if cb then
    if ms == 0 then socket:removeListener('timeout', cb) else socket:once('timeout', cb) end
  end
  if socket._timer then socket._timer:close(); socket._timer = nil end
  if ms == 0 or socket._spentClosing then return socket end
  local t = core.timer()
  socket._timer = t
  t:unref()
  t:start(ms, 0, function()
    t:close()
    if socket._timer == t then socket._timer = nil end
    socket:emit('timeout')
  end)
  return socket
end

-- write() and end() of such a net.Socket: its bytes go to the wire as they are,
-- under TLS, as Node's parent socket writes to the handle both share (a script
-- injecting raw bytes). end() writes its data but does not half-close the
-- connection: the TLS socket over it owns its end.
local function write_spent(socket, data, enc, cb)
  if type(enc) == 'function' then enc, cb = nil, enc end
  if type(data) ~= 'string' then error(errors.invalid_arg_type('chunk', 'of type string', data), 2) end
  if enc ~= nil and enc ~= 'buffer' then data = require('luatls.encoding').encode(data, enc) end
  local t = socket._wrappedBy
  local ok, err = pcall(t._handle.write_raw, t._handle, data)
  if ok and t.destroyed then
    ok, err = false, errors.new('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed')
  end
  if cb then process.nextTick(cb, not ok and errors.from(err) or nil) end
  if not ok and not cb then process.nextTick(function() socket:emit('error', errors.from(err)) end) end
  return ok
end

local function end_spent(socket, data, enc, cb)
  if type(data) == 'function' then data, enc, cb = nil, nil, data
  elseif type(enc) == 'function' then enc, cb = nil, enc end
  if data ~= nil and not socket.writableEnded then write_spent(socket, data, enc) end
  socket.writableEnded = true
  if cb then process.nextTick(cb) end
  return socket
end

-- takes over a plain socket's fd, with what it had read; or bridges a duplex
-- (a TLSSocket too: TLS inside TLS runs over the outer socket's cleartext)
function TLSSocket:_wrap(socket)
  local h = rawget(socket, '_handle')
  if h and not socket.destroyed and getmetatable(socket) and socket._handlers and not socket.encrypted then
    local prefix = socket:_takeBuffered()
    socket._handle = nil
    if socket._timer then socket._timer:close(); socket._timer = nil end
    self._countedBy, socket._countedBy = socket._countedBy, nil
    socket.destroyed, socket.readable, socket.writable = true, false, false
    socket._wrappedBy, self._parent = self, socket
    socket.destroy, socket.setTimeout = destroy_spent, set_timeout_spent
    socket.write, socket._end, socket['end'] = write_spent, end_spent, end_spent
    self._upgraded = true
    return h, prefix
  end
  local handle = core.mem_stream()
  self._transport = socket
  self._transportWrite = function(bytes) socket:write(bytes) end
  socket:on('data', function(d)
    if not self.destroyed and not self._transportClosing then self._handle:feed(d) end
  end)
  socket:on('end', function()
    if not self.destroyed and not self._transportClosing then self._handle:feed_eof() end
  end)
  socket:on('close', function() if not self.destroyed then self:destroy() end end)
  socket:on('error', function(e) if not self.destroyed then self:destroy(e) end end)
  return handle, nil
end

-- enableTrace (this socket's option, else its server's), else --trace-tls,
-- which warns once, as Node does
local trace_warned = false
local function trace_option(o, server)
  local v = o.enableTrace
  if v == nil and server then v = server._tlsOptions.enableTrace end
  if v == nil and tls._traceTls then
    if not trace_warned then
      trace_warned = true
      io.stderr:write('(luatls) Warning: Enabling --trace-tls can expose sensitive data in the resulting log.\n')
    end
    v = true
  end
  return v
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
  if self._traceWanted or trace_option(o, server) then
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

-- A client whose certificate a server refuses gets ECONNRESET, as from a Node
-- server: the connection is reset, not closed (the client's handshake had
-- completed, and a clean close would look like a normal end to it)
local function refuse_client(s)
  if not s._transport then s._handle:reset() end
  return s:destroy()
end

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
      if reject then return refuse_client(s) end
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

-- A client made with tls.TLSSocket() (then connect(), or over a stream) is not
-- tls.connect's: as Node's, it verifies nothing by itself and emits only
-- 'secure'; authorizationError names what the chain check found, for the caller.
local function unchecked_secure(s)
  s.servername = s._handle:servername() or false
  s.authorizationError = s._handle:verify_error()
  s:_readNegotiated()
  s:emit('secure')
end

local function client_secure(s)
  if not s._checksPeer then return unchecked_secure(s) end
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

-- As Node's: the ECONNRESET of a tls.connect client whose peer left before the
-- handshake completed says where it was connecting, from the options given
local EARLY_CLOSE = 'Client network socket disconnected before secure TLS connection was established'
local function name_target(s, err)
  local t = s._connectTarget
  if not t or s._secured or err.code ~= 'ECONNRESET' or err.message ~= EARLY_CLOSE then return end
  err.path, err.host, err.port, err.localAddress = t.path, t.host, t.port, t.localAddress
end

handlers.error = function(s, err)
  if s._server and not s._secured then return s:destroy(err) end
  if type(err) == 'table' then name_target(s, err) end
  net.Socket._handlers.error(s, err)
end

-- A net.Socket taken over while it was still connecting still gets its own
-- 'connect' (Node's TLSSocket listens for its parent's): its listeners run
-- first, and one that destroys the TLS socket keeps the handshake from starting.
local function parent_connected(self)
  local p = self._parent
  if not p or not p.connecting then return end
  p.connecting, p.pending = false, false
  p.remoteAddress, p.remotePort, p.remoteFamily = self.remoteAddress, self.remotePort, self.remoteFamily
  p.localAddress, p.localPort, p.localFamily = self.localAddress, self.localPort, self.localFamily
  p:emit('connect', p)
  p:emit('ready')
end

function TLSSocket:_onConnect()
  parent_connected(self)
  if self.destroyed then return end
  -- a client whose TLS cannot start (no memory for SSL_new, a freed context)
  -- fails with that error, as any failed connection does
  local ok, err = pcall(self._startTLS, self, false)
  if not ok then return self:destroy(errors.from(err)) end
  net.Socket._onConnect(self)
end

-- a TLS socket over a duplex destroys the duplex with it, as Node's stream
-- wrapper does: the transport under it closes too
local function destroy_transport(s)
  local t = s._transport
  s._transportClosing = true
  if t and not t.destroyed and type(t.destroy) == 'function' then t:destroy() end
end

function TLSSocket:destroy(err)
  if self._hsTimer then self._hsTimer:close(); self._hsTimer = nil end
  -- over a duplex, records OpenSSL made but that were not handed out (a TLS 1.2
  -- server's Finished when its 'secure' listener destroys it) go out first, as
  -- Node's stream wrapper writes them before it closes; what the duplex answers
  -- meanwhile reaches nobody
  if self._transport and not self._transport.destroyed and not self.destroyed and self._handle then
    self._transportClosing = true
    self._handle:drain()
  end
  -- a renegotiation that fails with an error answers its callbacks with it,
  -- first; one that a plain close cuts short is not answered, as in Node
  local cbs = not self.destroyed and self._renegCallbacks
  if cbs then
    self._renegCallbacks = nil
    if err then process.nextTick(function() for _, cb in ipairs(cbs) do cb(err) end end) end
  end
  -- a server's socket that fails before its handshake completes is the
  -- server's 'tlsClientError', as in Node
  local server = self._server
  if err and server and not self._secured and not self.destroyed then
    net.Socket.destroy(self)
    destroy_transport(self)
    server:emit('tlsClientError', err, self)
    return self
  end
  net.Socket.destroy(self, err)
  destroy_transport(self)
  return self
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
  s._context, s._checksPeer = ctx, true
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
  -- as Node: the options and the context first, the port after
  local target = { path = options.path, host = options.host, port = options.port, localAddress = options.localAddress }
  errors.check_number('options.minDHSize', options.minDHSize, 1, nil, { optional = true })
  errors.check('options.enableTrace', options.enableTrace, 'boolean', true)
  if options.checkServerIdentity ~= nil then
    errors.check('options.checkServerIdentity', options.checkServerIdentity, 'function')
  end
  if options.ciphers == nil then options.ciphers = tls.DEFAULT_CIPHERS end
  local ctx = options.secureContext or tls.createSecureContext(options)
  if options.socket == nil then
    options.host = options.host or 'localhost'
    if options.path == nil then net._check_port(options.port, 'Port') end
  end
  if options.pskCallback ~= nil then errors.check('options.pskCallback', options.pskCallback, 'function') end
  tls._checkSession(options.session)
  local sni = tls._sniOf(options.servername)
  if options.socket ~= nil then
    local over = tls._connectOver(options, ctx, cb, sni)
    over._connectTarget = target
    return over
  end
  local s = TLSSocket(nil, options)
  s._connectTarget = target
  s._context, s._checksPeer = ctx, true
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
Server._SNICallback = false
Server._pskCallback = false
Server._ALPNCallback = false
Server._contexts = false

function Server:init(options, listener)
  if type(options) == 'function' then options, listener = {}, options end
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 3) end
  net.Server.init(self, options)
  -- first, as Node's: serves what a script hands over with emit('connection', socket)
  self:on('connection', function(raw) self:_onConnectionEvent(raw) end)
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
  local previous = self._context
  local o = setmetatable({}, { __index = options })
  if options.honorCipherOrder == nil then o.honorCipherOrder = true end
  -- sessions belong to this program, as Node ties them to its command line
  if options.sessionIdContext == nil then
    local argv = table.concat(rawget(_G, 'process') and process.argv or {}, ' ')
    o.sessionIdContext = (core.digest('sha1', argv):gsub('.', function(c) return ('%02x'):format(c:byte()) end)):sub(1, 32)
  end
  self._context = tls.createSecureContext(o)
  self:_sessionOptions(options)
  -- as Node: a new context keeps the server's ticket keys unless it is given others,
  -- so tickets issued before a certificate reload still resume
  if previous and options.ticketKeys == nil then
    self:setTicketKeys(previous.context:ticket_keys())
    if net._cluster then net._cluster.rekeyed(self) end   -- the cluster's previous keys too
  end
end

-- the PSK hint and the handshake deadline of a server's socket, once its TLS has started
local function arm_server_socket(self, s)
  local hint = self._tlsOptions.pskIdentityHint
  if hint and not s._handle:set_psk_hint(hint) then
    -- as Node: that connection fails ('tlsClientError'), the server goes on
    process.nextTick(function()
      s:destroy(errors.new('ERR_TLS_PSK_SET_IDENTIY_HINT_FAILED', 'Failed to set PSK identity hint'))
    end)
  end
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

local function start_server_socket(self, s)
  s:_startTLS(true)
  arm_server_socket(self, s)
end

-- -> the socket; or nil, the error and the socket when its TLS cannot start
-- (SSL_new or its BIO out of memory, a context that was freed): that one
-- connection fails, the server goes on
-- As in Node, an accepted socket always has the server's 'error' listener:
-- before the handshake its errors are the server's 'tlsClientError' (see
-- TLSSocket:destroy), after it an error no script listens for is dropped
-- rather than ending the process (a client that resets its connection).
local function server_socket_error() end

-- every accepted socket starts with this same list (EventEmitter:_onShared)
local SERVER_SOCKET_ERROR = { server_socket_error }

function Server:_makeSocket(handle)
  local s = TLSSocket(nil, { handle = handle, allowHalfOpen = self.allowHalfOpen, isServer = true })
  -- the options every socket of this server reads later, in one table for all of them
  local shared = self._acceptOptions
  if not shared then
    shared = { allowHalfOpen = self.allowHalfOpen, isServer = true }
    self._acceptOptions = shared
  end
  s._tlsOptions = shared
  s._server = self
  s._tlsServed = true   -- emit('connection', s) does not serve it again
  s._context = self._context
  s:_onShared('error', SERVER_SOCKET_ERROR)
  local ok, err = pcall(start_server_socket, self, s)
  if not ok then
    s:destroy()
    return nil, errors.from(err), s
  end
  return s
end

-- server:emit('connection', socket_or_duplex): Node's way to hand a tls.Server a
-- connection accepted elsewhere (a net.Server, a proxy, a duplex in memory). The
-- server serves it as one of its own: a server TLSSocket over it with the server's
-- context and hooks, the handshake deadline, then 'secureConnection' or
-- 'tlsClientError'. The sockets the server accepted itself are served already.
function Server:_onConnectionEvent(raw)
  -- a connection is served once (the sockets the server accepted itself, one handed
  -- over twice): a second TLSSocket would take the fd's spent socket for a duplex and
  -- wait for its deadline
  if type(raw) ~= 'table' or rawget(raw, '_tlsServed') then return end
  rawset(raw, '_tlsServed', true)
  local s = TLSSocket(raw, { isServer = true, server = self })
  arm_server_socket(self, s)
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

-- a deprecated API warns once on stderr, as Node's DeprecationWarning does
local deprecations = {}
function tls._deprecate(code, message)
  if deprecations[code] then return end
  deprecations[code] = true
  io.stderr:write(('(luatls) [%s] DeprecationWarning: %s\n'):format(code, message))
end

-- options (the fifth argument, as in Node): more TLSSocket options for the cleartext side
function tls.createSecurePair(context, isServer, requestCert, rejectUnauthorized, options)
  tls._deprecate('DEP0064', 'tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.')
  if options ~= nil and type(options) ~= 'table' then
    error(errors.invalid_arg_type('options', 'of type table', options), 2)
  end
  secure_context.check(context, 2)
  local pair = SecurePair()
  local encrypted = stream.Duplex()
  local bridge = stream.Duplex()   -- the cleartext socket's transport
  bridge._write = function(_, bytes) encrypted:push(bytes) end
  bridge._final = function() encrypted:push(nil) end
  encrypted._write = function(_, bytes) bridge:push(bytes) end
  encrypted._final = function() bridge:push(nil) end
  local o = { isServer = isServer == true, secureContext = context,
    requestCert = requestCert == true, rejectUnauthorized = rejectUnauthorized ~= false }
  for k, v in pairs(options or {}) do o[k] = v end
  local cleartext = TLSSocket(bridge, o)
  pair.encrypted, pair.cleartext = encrypted, cleartext
  cleartext:once('secure', function() pair:emit('secure') end)
  if not isServer then cleartext:_startTLS(false) end
  return pair
end

require('luatls.tls_hooks')(tls, TLSSocket, handlers, Server)
require('luatls.tls_session')(tls, TLSSocket, handlers, Server)
-- sessions and ticket keys shared by a fleet through Redis (doc/scaling.md)
tls.sessionStore = require('luatls.session_store')
function TLSSocket:_secureServer()
  mark_secured(self)
  server_secure(self)
end

-- The C handle looks up each event in this table: the handlers a TLS socket
-- shares with net.Socket are copied in, found without a second lookup
for k, v in pairs(net.Socket._handlers) do
  if rawget(handlers, k) == nil then handlers[k] = v end
end

return tls
