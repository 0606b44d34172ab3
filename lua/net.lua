-- net: TCP sockets and servers, as in Node.
local core = require('luatls.core')
local errors = require('luatls.errors')
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

-- Node's code for a bad high-water mark is ERR_INVALID_ARG_VALUE
local HWM = { integer = true, optional = true, code = 'ERR_INVALID_ARG_VALUE' }

function Socket:init(options)
  stream.Stream.init(self)
  options = options or {}
  if options.allowHalfOpen == true then self.allowHalfOpen = true end
  local w = errors.check_number('options.highWaterMark', options.highWaterMark, 0, nil, HWM)
  local r = errors.check_number('options.readableHighWaterMark', options.readableHighWaterMark, 0, nil, HWM)
  if w then self.writableHighWaterMark = w end
  if r then self.readableHighWaterMark = r end
  if options.encoding ~= nil then self:setEncoding(options.encoding) end
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
  local hs = self._handlers
  handle:start(function(ev, ...) return hs[ev](self, ...) end)
  if not self._refed then handle:setref(false) end
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

handlers.error = function(s, err)
  if s.connecting and s:_tryNextAddress(err) then return end
  if err.syscall == 'connect' and s._target then
    err.address, err.port = s._target.address, s._target.port
    err.message = ('%s %s:%d'):format(err.message, err.address, err.port)
  end
  s:destroy(err)
end

function Socket:_onConnect()
  local p = self._pendingWrites
  self._pendingWrites = nil
  if p then for i = 1, #p do self:_write(p[i][1], p[i][2]) end end
  if self._pendingEnd then self._handle:shutdown() end
  self:emit('connect')
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

function Socket:setNoDelay(on)
  if self._handle and not self.destroyed then self._handle:nodelay(on ~= false) end
  return self
end

function Socket:setKeepAlive(enable, delay)
  delay = errors.check_number('initialDelay', delay, nil, nil, { optional = true }) or 0
  if self._handle and not self.destroyed then
    -- whole seconds, within what the kernel takes (Node lets any number through)
    self._handle:keepalive(enable == true, math.floor(math.max(0, math.min(delay, 0x7fffffff)) / 1000))
  end
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
  local options = { port = a }
  if type(b) == 'string' then options.host = b
  elseif type(b) == 'function' then c = b end
  return options, (type(c) == 'function' and c or nil)
end
net._connect_args = connect_args

function Socket:_connectTo(address, port)
  self._target = { address = address, port = port }
  local h, err = core.tcp_connect(address, port)
  if not h then
    if self:_tryNextAddress(err) then return end
    err.address, err.port = address, port
    err.message = ('%s %s:%d'):format(err.message, address, port)
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

function Socket:connect(...)
  local options, cb = connect_args(...)
  local port = check_port(options.port, 'Port')
  local family = check_family(options.family)
  local host = options.host or 'localhost'
  if type(host) ~= 'string' then error(errors.invalid_arg_type('options.host', 'of type string', host), 2) end
  if self.destroyed then return self end
  self.connecting = true
  self.writable = true
  self:_updateState()
  if cb then self:once('connect', cb) end
  if core.isip(host) ~= 0 then
    self:_connectTo(host, port)
    return self
  end
  core.getaddrinfo(host, family, function(err, list)
    if self.destroyed then return end
    if err or #list == 0 then
      err = err or errors.new('ENOTFOUND', 'getaddrinfo ENOTFOUND ' .. host, { hostname = host })
      self:emit('lookup', err, nil, nil, host)
      self:destroy(err)
      return
    end
    self:emit('lookup', nil, list[1].address, list[1].family, host)
    self._addresses, self._addressIndex = list, 1
    self._target = { port = port }
    self:_connectTo(list[1].address, port)
  end)
  return self
end

function net.createConnection(...)
  local options, cb = connect_args(...)
  local s = Socket(options)
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
  self._connections = 0
  self.listening = false
  self._refed = true
  if listener then self:on('connection', listener) end
end

function net.createServer(options, listener) return Server(options, listener) end

Server.__name = 'Server'
function Server.__tostring(s)
  local a = s:address()
  return ('%s { %s, %d connections }'):format(getmetatable(s).__name,
    a and ('listening on ' .. hostport(a.address, a.port)) or 'not listening', s._connections)
end

local LISTEN_REASONS = {
  EADDRINUSE = 'address already in use', EACCES = 'permission denied',
  EADDRNOTAVAIL = 'address not available', EAFNOSUPPORT = 'address family not supported',
}

-- listen([port][, host][, backlog][, cb]) or listen(options[, cb])
local function listen_args(...)
  local n = select('#', ...)
  local args = { ... }
  local cb
  if n > 0 and type(args[n]) == 'function' then cb = args[n]; args[n] = nil end
  local a = args[1]
  if type(a) == 'table' then return a, cb end
  local options = { port = a }
  if type(args[2]) == 'string' then options.host, options.backlog = args[2], args[3]
  elseif type(args[2]) == 'number' then options.backlog = args[2] end
  return options, cb
end

function Server:listen(...)
  local options, cb = listen_args(...)
  local port = options.port == nil and 0 or check_port(options.port, 'options.port')
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
  if cb then self:once('listening', cb) end
  self._closing = false
  local function bind(ip)
    local h, err = core.tcp_listen(ip, port, backlog, options.ipv6Only)
    if not h and host == nil then h, err = core.tcp_listen('0.0.0.0', port, backlog) end
    if not h then
      err.address, err.port = ip, port
      err.message = ('listen %s: %s %s:%d'):format(err.code, LISTEN_REASONS[err.code] or err.code,
        ip == '::' and '::' or ip, port)
      err.syscall = 'listen'
      nextTick(function() self:emit('error', err) end)
      return
    end
    self._handle = h
    h:start(function(_, ch) self:_onconnection(ch) end)
    if not self._refed then h:setref(false) end
    self.listening = true
    nextTick(function() if self._handle == h then self:emit('listening') end end)
  end
  if host == nil then bind('::')
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
    local a, p, f = handle:peername()
    handle:close()
    self:emit('drop', { remoteAddress = a, remotePort = p, remoteFamily = f })
    return
  end
  -- a socket that cannot be made fails that connection only: the server goes on
  local ok, sock, err, failed = pcall(self._makeSocket, self, handle)
  if not ok then
    handle:close()
    return self:_acceptFailed(errors.from(sock))
  end
  if sock == nil then return self:_acceptFailed(err, failed) end
  sock._server = self
  sock._countedBy = self
  self._connections = self._connections + 1
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

function Server:close(cb)
  if cb then
    if not self._handle then
      nextTick(cb, errors.new('ERR_SERVER_NOT_RUNNING', 'Server is not running.'))
    else
      self:once('close', cb)
    end
  end
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

return net
