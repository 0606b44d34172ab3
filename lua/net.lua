-- net: TCP and Unix domain sockets and servers, as in Node.
local core = require('luatls.core')
local errors = require('luatls.errors')
local abort = require('luatls.abort')
local stream = require('stream')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local net = {}

local DEFAULT_HWM = 16384

-- ports: an integer 0..65535 or a string of digits
local function check_port(port, name)
  local n = port
  if type(port) == 'string' and port:match('^%s*%d+%s*$') then n = tonumber(port) end
  if math.type(n) == 'float' and n == math.floor(n) then n = math.tointeger(n) end
  if math.type(n) ~= 'integer' or n < 0 or n > 65535 then error(errors.bad_port(name, port), 3) end
  return n
end
net._check_port = check_port

-- as Node: a string that is not a number >= 0 names a Unix socket
function net._isPipeName(s)
  local n = type(s) == 'string' and tonumber(s)
  return type(s) == 'string' and not (n and n >= 0)
end

function net.isIP(s) return type(s) == 'string' and core.isip(s) or 0 end
function net.isIPv4(s) return net.isIP(s) == 4 end
function net.isIPv6(s) return net.isIP(s) == 6 end

---------------------------------------------------------------------------
-- Socket
---------------------------------------------------------------------------

-- a stream.Readable for its readable side; luatls/socket_stream.lua has the
-- stream state of both sides (reading, writing, cork, encodings, destroy)
local Socket = stream.Readable:extend()
net.Socket = Socket
net.Stream = Socket

-- Defaults live on the class; an instance holds only what differs, which
-- keeps an idle connection's table small.
Socket.allowHalfOpen = false
Socket.connecting = false
Socket.destroyed = false
Socket.readable = false
Socket.writable = false
Socket.pending = true
Socket.bytesRead = 0
Socket.bytesWritten = 0
Socket.writableLength = 0
Socket.writableHighWaterMark = DEFAULT_HWM
Socket.readableHighWaterMark = 65536
Socket._refed = true
Socket._emitClose = false   -- as Node's: 'close' comes from destroy(), with hadError
Socket.__fields = 64         -- a connected TLS socket holds about 50
Socket._rEnded = false       -- read by every chunk

-- Node's code for a bad high-water mark is ERR_INVALID_ARG_VALUE
local HWM = { integer = true, optional = true, code = 'ERR_INVALID_ARG_VALUE' }

-- Fields every chunk and every write reads, kept in the instance: one found only on
-- a class costs a table lookup per class level on each read. A socket holds more
-- than 32 fields once connected, so these fit in the 64 slots it has anyway.
local function hot_fields(self)
  self.destroyed, self.writableEnded, self.writableCorked = false, false, 0
  self.readableLength, self._decoder, self._awaitDrain = 0, false, false
  self._defaultEncoding, self._timer, self._endedByPeer = false, false, false
end

function Socket:init(options)
  stream.Stream.init(self)
  hot_fields(self)
  options = options or {}
  if options.allowHalfOpen == true then self.allowHalfOpen = true end
  if options.highWaterMark ~= nil or options.readableHighWaterMark ~= nil or options.writableHighWaterMark ~= nil then
    -- as Node's streams: highWaterMark sets both sides and wins over the other two
    local hwm = errors.check_number('options.highWaterMark', options.highWaterMark, 0, nil, HWM)
    local r = hwm or errors.check_number('options.readableHighWaterMark', options.readableHighWaterMark, 0, nil, HWM)
    local w = hwm or errors.check_number('options.writableHighWaterMark', options.writableHighWaterMark, 0, nil, HWM)
    if w then self.writableHighWaterMark = w end
    if r then self.readableHighWaterMark = r end
  end
  if options.encoding ~= nil then self:setEncoding(options.encoding) end
  if options.noDelay then self._noDelay = true end
  if options.keepAlive then
    self:setKeepAlive(true, errors.check_number('options.keepAliveInitialDelay', options.keepAliveInitialDelay,
      nil, nil, { optional = true }))
  end
  if options.signal ~= nil then self:_abortWith(abort.check('options.signal', options.signal)) end
  if options.handle then
    self:_attach(options.handle)
    self:_connected()
  end
end

Socket.__name = 'Socket'

-- 127.0.0.1:80 or [::1]:80
local function hostport(address, port)
  if address and address:find(':', 1, true) then address = '[' .. address .. ']' end
  return ('%s:%s'):format(address or '?', port or '?')
end
net._hostport = hostport

-- one line for util.inspect and the REPL: Socket { 127.0.0.1:5000 -> 127.0.0.1:80, ... }
function Socket:_describe()
  local parts = {}
  if self.localPort then
    parts[1] = hostport(self.localAddress, self.localPort) .. ' -> ' ..
      hostport(self.remoteAddress, self.remotePort)
  end
  for _, state in ipairs({ 'connecting', 'destroyed' }) do
    if self[state] then parts[#parts + 1] = state end
  end
  return parts
end

function Socket.__tostring(s)
  return ('%s { %s }'):format(getmetatable(s).__name, table.concat(s:_describe(), ', '))
end

-- C events arrive here: one function per event name, looked up per class
local handlers = {}
Socket._handlers = handlers

function Socket:_attach(handle)
  self._handle = handle
  handle:start(self._handlers, self)   -- C calls self._handlers[event](self, ...)
  if not self._refed then handle:setref(false) end
  -- TCP options asked for before there was a socket (Node applies them at connect)
  if self._noDelay then handle:nodelay(true) end
  if self._keepAlive then handle:keepalive(true, self._keepAliveDelay) end
  -- reading starts at once, unless pause() came first
  if not self._paused then
    handle:read_start()
    self._reading = true
  end
end

function Socket:_connected()
  self.connecting = false
  self.pending = false
  self.readable = true
  self.writable = true
  local h = self._handle
  self.remoteAddress, self.remotePort, self.remoteFamily = h:peername()
  self.localAddress, self.localPort, self.localFamily = h:sockname()
  self:_updateState()
end

handlers.connect = function(s)
  if s.destroyed then return end
  s:_connected()
  s:_onConnect()
end

-- names the address a connect (or the bind before it) failed for, as Node does
local function at_target(err, t)
  if err.syscall == 'bind' then
    t = { address = t.localAddress or (t.address:find(':', 1, true) and '::' or '0.0.0.0'), port = t.localPort or 0 }
  end
  err.address, err.port = t.path or t.address, t.port
  err.message = t.path and (err.message .. ' ' .. t.path) or ('%s %s:%d'):format(err.message, t.address, t.port)
  return err
end

handlers.error = function(s, err)
  if s.connecting and s:_tryNextAddress(err) then return end
  if err.syscall == 'connect' and s._target then at_target(err, s._target) end
  s:destroy(err)
end

function Socket:_onConnect()
  local p = self._pendingWrites
  self._pendingWrites = nil
  if p then for i = 1, #p do self:_write(p[i][1], p[i][2]) end end
  if self._pendingEnd then self._handle:shutdown() end
  -- the socket is passed, for Lua listeners that have no `this` (Node passes nothing)
  self:emit('connect', self)
  self:emit('ready')
end

require('luatls.socket_stream')(Socket, handlers)

-- as Node: the peer gets an RST, not a FIN (a stream that is not TCP just closes)
function Socket:resetAndDestroy()
  if self._handle and not self.destroyed then self._handle:reset() end
  return self:destroy()
end

-- setTimeout(ms[, cb]): 'timeout' after ms of inactivity; 0 disables
function Socket:setTimeout(ms, cb)
  ms = errors.check_number('msecs', ms, 0)
  if not self.destroyed then self.timeout = ms end
  if cb then
    if ms == 0 then self:removeListener('timeout', cb) else self:once('timeout', cb) end
  end
  if ms == 0 then
    if self._timer then self._timer:close(); self._timer = nil end
    return self
  end
  if self.destroyed then return self end
  local t = self._timer or core.timer()
  self._timer, self._timeoutMs = t, ms
  t:unref()
  t:start(ms, 0, function()
    t:stop()
    self:emit('timeout')
  end)
  return self
end

-- both are remembered and applied when the socket exists, as in Node
function Socket:setNoDelay(on)
  self._noDelay = on ~= false
  if self._handle and not self.destroyed then self._handle:nodelay(on ~= false) end
  return self
end

function Socket:setKeepAlive(enable, delay)
  delay = errors.check_number('initialDelay', delay, nil, nil, { optional = true }) or 0
  -- whole seconds, within what the kernel takes (Node lets any number through)
  self._keepAlive, self._keepAliveDelay = enable == true, math.min(math.floor(math.max(0, delay) / 1000), 32767)
  if self._handle and not self.destroyed then self._handle:keepalive(self._keepAlive, self._keepAliveDelay) end
  return self
end

function Socket:address()
  if not self._handle or self.destroyed then return {} end
  local a, p, f = self._handle:sockname()
  return { address = a, port = p, family = f }
end

function Socket:ref()
  self._refed = true
  if self._handle and not self.destroyed then self._handle:setref(true) end
  return self
end

function Socket:unref()
  self._refed = false
  if self._handle and not self.destroyed then self._handle:setref(false) end
  return self
end

-- connect(port[, host][, cb]) or connect(options[, cb])
local function connect_args(...)
  local a, b, c = ...
  if type(a) == 'table' then return a, (type(b) == 'function' and b or nil) end
  -- as Node: a string that is not a number names a Unix socket
  if net._isPipeName(a) then return { path = a }, (type(b) == 'function' and b or nil) end
  local options = { port = a }
  if type(b) == 'string' then options.host = b
  elseif type(b) == 'function' then c = b end
  return options, (type(c) == 'function' and c or nil)
end
net._connect_args = connect_args

function Socket:_connectTo(address, port)
  local l = self._local or {}
  local h, err
  if port == nil then
    self._target = { path = address }
    h, err = core.pipe_connect(address)
  else
    self._target = { address = address, port = port, localAddress = l[1], localPort = l[2] }
    h, err = core.tcp_connect(address, port, l[1], l[2])
  end
  if not h then
    if port and self:_tryNextAddress(err) then return end
    at_target(err, self._target)
    nextTick(function() self:destroy(err) end)
    return
  end
  self:_attach(h)
end

-- a failed attempt moves on to the next address of the lookup, if any
function Socket:_tryNextAddress(_err)
  local list = self._addresses
  if not list or self._addressIndex >= #list then return false end
  if self._handle then self._handle:close(); self._handle = nil end
  self._addressIndex = self._addressIndex + 1
  self:_connectTo(list[self._addressIndex].address, self._target.port)
  return true
end

-- options.family: 0, 4 or 6, or Node's 'IPv4' and 'IPv6'
local FAMILIES = { [0] = 0, [4] = 4, [6] = 6, IPv4 = 4, IPv6 = 6 }
local function check_family(family)
  if family == nil then return 0 end
  local f = FAMILIES[family]
  if f == nil then
    error(errors.new('ERR_INVALID_ARG_VALUE', ("The property 'options.family' must be one of: 0, 4, 6. Received %s")
      :format(errors.repr(family)), { option = 'options.family' }, 'TypeError'), 3)
  end
  return f
end

local function invalid_ip(ip)
  return errors.new('ERR_INVALID_IP_ADDRESS', 'Invalid IP address: ' .. tostring(ip), nil, 'TypeError')
end

-- what a lookup answered: connect to the first address, the rest in turn
local function resolved(self, host, port, err, list)
  if self.destroyed then return end
  if not err and #list == 0 then
    err = errors.new('ENOTFOUND', 'getaddrinfo ENOTFOUND ' .. host, { hostname = host })
  end
  self:emit('lookup', err, list and list[1] and list[1].address, list and list[1] and list[1].family, host)
  if not err then
    for _, a in ipairs(list) do
      if type(a.address) ~= 'string' or core.isip(a.address) == 0 then err = invalid_ip(a.address); break end
    end
  end
  if err then return self:destroy(err) end
  self._addresses, self._addressIndex = list, 1
  self:_connectTo(list[1].address, port)
end

-- options.lookup(host, opts, cb), called as Node calls it: cb(err, address,
-- family), or cb(err, { { address =, family = }, ... }) when opts.all is set
local function custom_lookup(self, lookup, host, family, port, hints)
  local answered = false
  hints = hints or 0
  lookup(host, family ~= 0 and { family = family, hints = hints } or { all = true, hints = hints }, function(err, address, fam)
    if answered then return end
    answered = true
    local list = type(address) == 'table' and address or { { address = address, family = fam } }
    resolved(self, host, port, err and errors.from(err), not err and list or nil)
  end)
end

function Socket:connect(...)
  local options, cb = connect_args(...)
  local path = options.path
  if path ~= nil then errors.check('options.path', path, 'string') end
  local port = path == nil and check_port(options.port, 'Port') or nil
  local family = check_family(options.family)
  local host = options.host or 'localhost'
  if type(host) ~= 'string' then error(errors.invalid_arg_type('options.host', 'of type string', host), 2) end
  local lookup, laddr, lport = options.lookup, options.localAddress, options.localPort
  if lookup ~= nil then errors.check('options.lookup', lookup, 'function') end
  -- getaddrinfo flags for the lookup function (dns.ADDRCONFIG, ...), as in Node
  errors.check_number('options.hints', options.hints, 0, nil, { integer = true, optional = true })
  if laddr ~= nil and (type(laddr) ~= 'string' or core.isip(laddr) == 0) then error(invalid_ip(laddr), 2) end
  if lport ~= nil then lport = check_port(errors.check('options.localPort', lport, 'number'), 'options.localPort') end
  if path and (laddr or lport) then
    error(errors.new('ERR_INVALID_ARG_VALUE', 'localAddress and localPort cannot be used with a path',
      { option = laddr and 'options.localAddress' or 'options.localPort' }, 'TypeError'), 2)
  end
  if self.destroyed then return self end
  self.connecting = true
  self.writable = true
  self:_updateState()
  if cb then self:once('connect', cb) end
  if path then
    self:_connectTo(path)
    return self
  end
  self._local = (laddr or lport) and { laddr, lport } or nil
  if core.isip(host) ~= 0 then
    self:_connectTo(host, port)
  elseif lookup then
    custom_lookup(self, lookup, host, family, port, options.hints)
  else
    core.getaddrinfo(host, family, function(err, list) resolved(self, host, port, err, list) end)
  end
  return self
end

-- the signal option: aborting destroys the socket with an AbortError, as in
-- Node, whose stream layer listens at once (an abort right after the socket is
-- made is not lost); a signal aborted before fails it on the next tick
function Socket:_abortWith(signal)
  local stop
  local function onabort()
    if stop then stop() end
    if not self.destroyed then self:destroy(abort.abort_error(signal)) end
  end
  if signal.aborted then return nextTick(onabort) end
  stop = abort.listen(signal, onabort)
  self:once('close', stop)
end

function net.createConnection(...)
  local options, cb = connect_args(...)
  local s = Socket(options)
  -- as Node: the timeout option is setTimeout(timeout), 0 leaves it off
  if options.timeout ~= nil and options.timeout ~= 0 then s:setTimeout(options.timeout) end
  return s:connect(options, cb)
end
net.connect = net.createConnection

---------------------------------------------------------------------------
-- Server
---------------------------------------------------------------------------

local Server = require('events'):extend()
net.Server = Server

function Server:init(options, listener)
  require('events').init(self)
  if type(options) == 'function' then options, listener = {}, options end
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 3) end
  self._options = options
  self.allowHalfOpen = options.allowHalfOpen == true
  self.pauseOnConnect = options.pauseOnConnect == true
  -- for every accepted socket, as Node's are
  self.noDelay, self.keepAlive = options.noDelay == true, options.keepAlive == true
  self.keepAliveInitialDelay = errors.check_number('options.keepAliveInitialDelay', options.keepAliveInitialDelay,
    nil, nil, { optional = true })
  self.highWaterMark = errors.check_number('options.highWaterMark', options.highWaterMark, 0, nil, HWM)
  self._connections = 0
  self.listening = false
  self._refed = true
  if listener then self:on('connection', listener) end
end

function net.createServer(options, listener) return Server(options, listener) end

Server.__name = 'Server'
function Server.__tostring(s)
  local a = s:address()
  if type(a) == 'table' then a = hostport(a.address, a.port) end
  return ('%s { %s, %d connections }'):format(getmetatable(s).__name,
    a and ('listening on ' .. a) or 'not listening', s._connections)
end

local LISTEN_REASONS = {
  EADDRINUSE = 'address already in use', EACCES = 'permission denied',
  EADDRNOTAVAIL = 'address not available', EAFNOSUPPORT = 'address family not supported',
}

-- listen([port][, host][, backlog][, cb]), listen(path[, backlog][, cb]) or listen(options[, cb])
local function listen_args(...)
  local n = select('#', ...)
  local args = { ... }
  local cb
  if n > 0 and type(args[n]) == 'function' then cb = args[n]; args[n] = nil end
  local a = args[1]
  if type(a) == 'table' then return a, cb, true end
  local options = { port = a }
  if net._isPipeName(a) then options = { path = a } end
  if type(args[2]) == 'string' then options.host, options.backlog = args[2], args[3]
  elseif type(args[2]) == 'number' then options.backlog = args[2] end
  return options, cb
end

-- a listen option that would not be honoured is refused, never replaced by a TCP port
local function bad_listen(options, why)
  return errors.new('ERR_INVALID_ARG_VALUE', ("The argument 'options' %s. Received %s")
    :format(why, require('util').inspect(options, { depth = 1 })), { option = 'options' }, 'TypeError')
end

local function check_listen(options, from_table)
  local path = options.path
  if options.fd ~= nil or options.handle ~= nil then
    return bad_listen(options, 'has fd or handle, which luatls cannot listen on')
  end
  if path ~= nil then
    if type(path) ~= 'string' or path == '' or (path:byte(1) ~= 0 and path:find('\0', 1, true)) then
      return bad_listen(options, 'is invalid')
    end
    if options.port ~= nil then return bad_listen(options, 'must have the property "port" or "path", not both') end
  elseif from_table and options.port == nil then
    return bad_listen(options, 'must have the property "port" or "path"')
  end
end

function Server:listen(...)
  local options, cb, from_table = listen_args(...)
  local bad = check_listen(options, from_table)
  if bad then error(bad, 2) end
  local path = options.path
  local port = (options.port == nil or path) and 0 or check_port(options.port, 'options.port')
  -- an int for listen(2); Node lets any number through and uses what it can
  local backlog = errors.check_number('backlog', options.backlog, nil, nil, { optional = true })
  if backlog then backlog = math.floor(math.max(0, math.min(backlog, 0x7fffffff))) end
  local host = options.host
  if host ~= nil and type(host) ~= 'string' then
    error(errors.invalid_arg_type('options.host', 'of type string', host), 2)
  end
  if self._handle then
    error(errors.new('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.'), 2)
  end
  local signal = options.signal ~= nil and abort.check('options.signal', options.signal) or nil
  -- cluster: a worker's TCP servers share their address with SO_REUSEPORT (lua/cluster.lua)
  local reuseport = net._cluster ~= nil and not path and options.exclusive ~= true
    and (net._cluster.migrate and true or 'drain')
  if cb then self:once('listening', cb) end
  self._closing = false
  if signal then self:_abortWith(signal) end
  local function bind(ip)
    if signal and signal.aborted then return end
    local h, err
    if path then h, err = core.pipe_listen(path, backlog, options.readableAll, options.writableAll)
    else h, err = core.tcp_listen(ip, port, backlog, options.ipv6Only, reuseport) end
    if not h and host == nil and not path then h, err = core.tcp_listen('0.0.0.0', port, backlog, nil, reuseport) end
    if not h then
      -- as Node: a path's error has the path and port -1
      err.address, err.port = path or ip, path and -1 or port
      err.message = ('listen %s: %s %s'):format(err.code, LISTEN_REASONS[err.code] or err.code,
        path or ('%s:%d'):format(ip, port))
      err.syscall = 'listen'
      nextTick(function() self:emit('error', err) end)
      return
    end
    self._handle, self._path = h, path
    h:start(function(_, ch) self:_onconnection(ch) end)
    if not self._refed then h:setref(false) end
    self.listening = true
    if net._cluster then net._cluster.listening(self) end   -- cluster: tell the primary
    -- the server is passed, for Lua callbacks that have no `this`
    nextTick(function() if self._handle == h then self:emit('listening', self) end end)
  end
  if host == nil or path then bind('::')
  elseif core.isip(host) ~= 0 then bind(host)
  else
    core.getaddrinfo(host, 0, function(err, list)
      if err or #list == 0 then
        nextTick(function() self:emit('error', err) end)
        return
      end
      bind(list[1].address)
    end)
  end
  return self
end

function Server:_makeSocket(handle)
  return Socket({ handle = handle, allowHalfOpen = self.allowHalfOpen })
end

function Server:_onconnection(handle)
  if self.maxConnections and self._connections >= self.maxConnections then
    -- as Node 20: both ends of a TCP connection; nothing for a Unix socket
    local info
    if not self._path then
      local la, lp, lf = handle:sockname()
      local ra, rp, rf = handle:peername()
      info = { localAddress = la, localPort = lp, localFamily = lf, remoteAddress = ra, remotePort = rp, remoteFamily = rf }
    end
    handle:close()
    if info then self:emit('drop', info) else self:emit('drop') end
    return
  end
  -- a socket that cannot be made fails that connection only: the server goes on
  local ok, sock, err, failed = pcall(self._makeSocket, self, handle)
  if not ok then
    handle:close()
    return self:_acceptFailed(errors.from(sock))
  end
  if sock == nil then return self:_acceptFailed(err, failed) end
  -- server: Node's public field; _server: the one the socket's hooks and counts belong to
  sock.server, sock._server = self, self
  sock._countedBy = self
  self._connections = self._connections + 1
  if self.noDelay then sock:setNoDelay(true) end
  if self.keepAlive then sock:setKeepAlive(true, self.keepAliveInitialDelay) end
  if self.highWaterMark then sock.readableHighWaterMark, sock.writableHighWaterMark = self.highWaterMark, self.highWaterMark end
  if self.pauseOnConnect then sock:pause() end
  self:_onSocket(sock)
end

function Server:_onSocket(sock) self:emit('connection', sock) end

-- as Node reports a failed accept: the server's 'error'
function Server:_acceptFailed(err) self:emit('error', err) end

function Server:_connectionClosed()
  self._connections = self._connections - 1
  self:_maybeClose()
end

function Server:_maybeClose()
  if self._closing and not self._handle and self._connections == 0 and not self._closeEmitted then
    self._closeEmitted = true
    nextTick(function() self:emit('close') end)
  end
end

-- listen's signal option: aborting closes the server, as in Node
function Server:_abortWith(signal)
  if signal.aborted then return nextTick(function() self:close() end) end
  local stop = abort.listen(signal, function() self:close() end)
  self:once('close', stop)
end

function Server:close(cb)
  if cb then
    if not self._handle then
      nextTick(cb, errors.new('ERR_SERVER_NOT_RUNNING', 'Server is not running.'))
    else
      self:once('close', cb)
    end
  end
  -- a listener sharing its address whose queue the kernel will not move elsewhere:
  -- take in what is queued first (doc/scaling.md); a 'connection' listener may close it
  if self._handle then self._handle:drain() end
  if self._handle then
    self._handle:close()
    self._handle = nil
    self.listening = false
    self._closing = true
    self._closeEmitted = false
  end
  self:_maybeClose()
  return self
end

function Server:address()
  if not self._handle then return nil end
  if self._path then return self._path end
  local a, p, f = self._handle:sockname()
  return { address = a, port = p, family = f }
end

function Server:getConnections(cb)
  nextTick(cb, nil, self._connections)
  return self
end

function Server:ref()
  self._refed = true
  if self._handle then self._handle:setref(true) end
  return self
end

function Server:unref()
  self._refed = false
  if self._handle then self._handle:setref(false) end
  return self
end

-- every connection calls these classes' methods: each finds them in its own table
Socket:_ownMethods()
Server:_ownMethods()

return net
