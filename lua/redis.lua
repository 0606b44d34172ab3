-- redis: a Redis client on luatls's own sockets.
--
--   local redis = require('redis')
--   local client = redis.createClient({ host = '127.0.0.1', port = 6379 })
--   client:set('k', 'v', function(err) ... end)
--   client:get('k', function(err, value) ... end)
--
-- hiredis (src/redis.c) encodes the commands and parses the replies; the bytes
-- travel over net or tls sockets of this runtime, so the client runs on the one
-- libev loop, speaks TLS with our contexts and Unix sockets, and its callbacks
-- follow the same rules as every other event. Commands are pipelined: each is
-- written at once and the replies, which Redis sends in order, are matched to
-- them in order. See doc/redis.md.
local core = require('luatls.core')
local EventEmitter = require('events')
local errors = require('luatls.errors')
local tick = require('luatls.tick')
local timers = require('timers')

local redis = {}

local DEFAULTS = { host = '127.0.0.1', port = 6379, initial = 50, max = 2000 }

-- passwords live here, out of reach of inspect and of the client's fields
local secrets = setmetatable({}, { __mode = 'k' })

---------------------------------------------------------------------------
-- error objects
---------------------------------------------------------------------------

-- an error reply: the server's message; its first word (ERR, WRONGTYPE, NOAUTH...) as prefix
local function reply_error(message, command)
  return errors.new('ERR_REDIS_REPLY', message, { prefix = message:match('^(%u+) '), command = command },
    'ReplyError')
end

local function timeout_error(command, ms)
  return errors.new('ERR_REDIS_TIMEOUT', ('Redis did not answer %s within %s ms'):format(command, errors.repr(ms)),
    { command = command, timeout = ms })
end

local function closed_error(command, cause)
  return errors.new('ERR_REDIS_CONNECTION_CLOSED',
    ('The connection to Redis closed before the reply to %s'):format(command), { command = command, cause = cause })
end

local function offline_error(command, cause)
  return errors.new('ERR_REDIS_NOT_CONNECTED',
    ('Not connected to Redis, and the offline queue is off: %s not sent'):format(command),
    { command = command, cause = cause })
end

local function client_closed_error(command)
  return errors.new('ERR_REDIS_CLIENT_CLOSED', ('The client is closed: %s not sent'):format(command),
    { command = command })
end

---------------------------------------------------------------------------
-- options
---------------------------------------------------------------------------

local function check_ms(name, v, optional)
  return errors.check_number(name, v, 0, 2 ^ 31 - 1, { optional = optional })
end

local function check_options(options)
  if options ~= nil then errors.check('options', options, 'table') end
  local o = options or {}
  local c = {}
  c.host = errors.check('options.host', o.host, 'string', true) or DEFAULTS.host
  if o.port ~= nil then require('net')._check_port(o.port, 'options.port') end
  c.port = o.port or DEFAULTS.port
  c.path = errors.check('options.path', o.path, 'string', true)
  c.username = errors.check('options.username', o.username, 'string', true)
  c.db = errors.check_number('options.db', o.db, 0, 2 ^ 31 - 1, { integer = true, optional = true })
  c.connectTimeout = check_ms('options.connectTimeout', o.connectTimeout, true) or 10000
  c.commandTimeout = check_ms('options.commandTimeout', o.commandTimeout, true)
  if o.tls ~= nil and o.tls ~= false and o.tls ~= true then errors.check('options.tls', o.tls, 'table') end
  c.tls = o.tls
  c.enableOfflineQueue = o.enableOfflineQueue ~= false
  local r = o.reconnect
  if r == false then
    c.reconnect = false
  else
    if r ~= nil and r ~= true then errors.check('options.reconnect', r, 'table') end
    r = type(r) == 'table' and r or {}
    c.reconnect = { initial = check_ms('options.reconnect.initial', r.initial, true) or DEFAULTS.initial,
                    max = check_ms('options.reconnect.max', r.max, true) or DEFAULTS.max }
  end
  local password = errors.check('options.password', o.password, 'string', true)
  return c, password
end

---------------------------------------------------------------------------
-- the client
---------------------------------------------------------------------------

local Client = EventEmitter:extend()
redis.Client = Client
Client.__name = 'RedisClient'

function Client:init(options)
  EventEmitter.init(self)
  local o, password = check_options(options)
  self.options = o
  secrets[self] = password
  self.ready = false          -- connected, AUTH and SELECT done
  self.closed = false         -- quit() or disconnect(): no reconnecting
  self._queue = {}            -- commands written, waiting for their reply, in order
  self._offline = {}          -- commands waiting for the connection
  self._subs = {}             -- channel -> true
  self._listeners = {}        -- channel -> the 'message' listeners subscribe() added
  self._subWaiting = {}       -- channel -> callbacks of subscribe() waiting for the connection
  self._attempt = 0
  self:_connect()
end

function Client.__tostring(c)
  local where = c.options.path or (c.options.host .. ':' .. c.options.port)
  local state = c.closed and 'closed' or c.ready and 'ready' or 'connecting'
  return ('RedisClient { %s%s, %s%s }'):format(c.options.tls and 'tls ' or '', where, state,
    secrets[c] and ', password: <hidden>' or '')
end

-- the transport: a net socket, or a tls one with the tls options given
function Client:_transport()
  local o = self.options
  local target = o.path and { path = o.path } or { host = o.host, port = o.port }
  if not o.tls then return require('net').connect(target), 'connect' end
  local t = {}
  if type(o.tls) == 'table' then for k, v in pairs(o.tls) do t[k] = v end end
  for k, v in pairs(target) do if t[k] == nil then t[k] = v end end
  if t.servername == nil and not o.path and require('net').isIP(o.host) == 0 then t.servername = o.host end
  return require('tls').connect(t), 'secureConnect'
end

function Client:_connect()
  self._timer = nil
  local sock, ready_event = self:_transport()
  local reader = core.redis_reader()
  self._sock, self._reader = sock, reader
  local conn_timer = timers.setTimeout(function()
    sock:destroy(errors.new('ERR_REDIS_CONNECT_TIMEOUT',
      ('No connection to Redis within %s ms'):format(errors.repr(self.options.connectTimeout))))
  end, self.options.connectTimeout)
  sock:on(ready_event, function()
    timers.clearTimeout(conn_timer)
    if self._sock ~= sock then return end
    if sock.setNoDelay then sock:setNoDelay(true) end
    self:emit('connect')
    self:_handshake()
  end)
  sock:on('data', function(d)
    if self._sock ~= sock then return end
    reader:feed(d)
    self:_drain()
  end)
  sock:on('error', function(err) if self._sock == sock then self._lastError = err end end)
  sock:on('close', function()
    timers.clearTimeout(conn_timer)
    reader:close()
    if self._sock == sock then self:_lost(self._lastError) end
  end)
end

-- AUTH and SELECT go first on every connection, then the subscriptions and
-- the commands that waited
function Client:_handshake()
  local o, password = self.options, secrets[self]
  local steps = {}
  if password then
    steps[#steps + 1] = o.username and { 'AUTH', o.username, password } or { 'AUTH', password }
  end
  if o.db and o.db ~= 0 then steps[#steps + 1] = { 'SELECT', o.db } end
  local left = #steps
  local failed = false
  local function step_done(err)
    if failed then return end
    if err then
      failed = true
      -- refused (a wrong password, a bad db): the commands that waited fail with
      -- Redis's answer; either way reconnecting follows
      if err.code == 'ERR_REDIS_REPLY' then
        local offline = self._offline
        self._offline = {}
        for _, cmd in ipairs(offline) do self:_settle(cmd, err) end
      end
      self._lastError = err
      if self._sock then self._sock:destroy() end
      return
    end
    left = left - 1
    if left == 0 then self:_ready() end
  end
  if left == 0 then return self:_ready() end
  -- a Redis that accepted the connection but does not answer (stopped) is a failed
  -- connection after connectTimeout, and reconnecting follows
  for _, args in ipairs(steps) do
    local cmd = { args = args, cb = step_done, name = args[1] }
    cmd.timer = timers.setTimeout(function()
      cmd.timer = nil
      self:_settle(cmd, timeout_error(cmd.name, o.connectTimeout))
    end, o.connectTimeout)
    self:_write(cmd)
  end
end

function Client:_ready()
  self.ready = true
  self._attempt = 0
  for channel in pairs(self._subs) do
    -- the callbacks of subscribe() calls made while not connected run once Redis confirms
    local waiting = self._subWaiting[channel]
    self._subWaiting[channel] = nil
    self:_write({ args = { 'SUBSCRIBE', channel }, name = 'SUBSCRIBE', cb = function(err)
      for _, cb in ipairs(waiting or {}) do cb(err) end
    end })
  end
  local waiting = self._offline
  self._offline = {}
  for _, cmd in ipairs(waiting) do
    if not cmd.done then self:_write(cmd) end
  end
  self:emit('ready')
end

function Client:_write(cmd)
  self._queue[#self._queue + 1] = cmd
  -- from here until Redis confirms the last UNSUBSCRIBE, messages may come
  if cmd.name == 'SUBSCRIBE' then self._pubsub = true end
  self._sock:write(cmd.wire or core.redis_format(cmd.args))
end

-- replies, in order; in subscriber mode, messages come between them
function Client:_drain()
  local reader = self._reader
  while true do
    local ok_get, ok, value = pcall(reader.get, reader)
    if not ok_get then
      self._lastError = ok
      return self._sock:destroy(ok)
    end
    if ok == nil then return end
    if not self:_message(ok, value) then
      local cmd = table.remove(self._queue, 1)
      if not cmd then
        -- a reply to nothing: every later reply would go to the wrong command
        self._lastError = errors.new('ERR_REDIS_PROTOCOL', 'Redis sent a reply to no command')
        return self._sock:destroy(self._lastError)
      end
      self:_settle(cmd, (not ok) and reply_error(value, cmd.name) or nil, ok and value or nil)
    end
  end
end

-- a pub/sub message: emitted as 'message'(channel, message) and given to the
-- listener that subscribe() was given. Messages come until Redis confirms the
-- last UNSUBSCRIBE, after the client itself has dropped the channel.
function Client:_message(ok, value)
  if not ok or not self._pubsub or type(value) ~= 'table' then return false end
  if value[1] == 'unsubscribe' and value[3] == 0 then self._pubsub = false end
  if value[1] == 'message' and #value == 3 then
    self:emit('message', value[2], value[3])
    return true
  end
  return false
end

-- a command's one answer: its callback runs once, from the loop
function Client:_settle(cmd, err, reply)
  if cmd.done then return end
  cmd.done = true
  if cmd.timer then timers.clearTimeout(cmd.timer); cmd.timer = nil end
  if cmd.cb then cmd.cb(err, reply) end
end

-- the connection is gone: what was in flight fails, then a reconnection later
function Client:_lost(cause)
  local was_ready = self.ready
  self.ready, self._sock, self._reader, self._pubsub = false, nil, nil, false
  self._lastError = nil
  local queue = self._queue
  self._queue = {}
  for _, cmd in ipairs(queue) do self:_settle(cmd, closed_error(cmd.name, cause)) end
  if was_ready then self:emit('end') end
  -- reconnection handles a lost connection: 'error' is for those who listen
  if cause and not self.closed and self:listenerCount('error') > 0 then self:emit('error', cause) end
  if self.closed or not self.options.reconnect then
    self.closed = true
    local offline = self._offline
    self._offline = {}
    for _, cmd in ipairs(offline) do self:_settle(cmd, client_closed_error(cmd.name)) end
    return self:emit('close')
  end
  if not self.options.enableOfflineQueue then
    local offline = self._offline
    self._offline = {}
    for _, cmd in ipairs(offline) do self:_settle(cmd, offline_error(cmd.name, cause)) end
  end
  local r = self.options.reconnect
  local delay = math.min(r.max, r.initial * 2 ^ self._attempt)
  self._attempt = math.min(self._attempt + 1, 30)
  self:emit('reconnecting', delay, self._attempt)
  self._timer = timers.setTimeout(function()
    if not self.closed then self:_connect() end
  end, delay)
end

local function command_name(args)
  return type(args[1]) == 'string' and args[1]:upper() or tostring(args[1])
end

local SUBSCRIBER_OK = { SUBSCRIBE = true, UNSUBSCRIBE = true, PING = true, QUIT = true }

-- client:command({ 'SET', 'k', 'v' }[, cb][, { timeout = ms }]): cb(err, reply)
-- runs once, from the loop, never before command() returns
function Client:command(args, cb, opts)
  errors.check('args', args, 'table')
  if cb ~= nil then errors.check('callback', cb, 'function') end
  if opts ~= nil then errors.check('options', opts, 'table') end
  local timeout = opts and check_ms('options.timeout', opts.timeout, true) or self.options.commandTimeout
  local ok, wire = pcall(core.redis_format, args)
  if not ok then error(errors.new('ERR_INVALID_ARG_VALUE', tostring(wire), { option = 'args' }, 'TypeError'), 2) end
  local name = command_name(args)
  local cmd = { args = args, wire = wire, cb = cb, name = name }
  local function fail_soon(err) tick.nextTick(function() self:_settle(cmd, err) end) end
  if self.closed then fail_soon(client_closed_error(name)); return self end
  if next(self._subs) and not SUBSCRIBER_OK[name] then
    fail_soon(errors.new('ERR_REDIS_SUBSCRIBER',
      ('%s is not allowed on a subscribed connection: use client:duplicate() for commands'):format(name)))
    return self
  end
  if timeout and timeout > 0 then
    cmd.timer = timers.setTimeout(function()
      cmd.timer = nil
      self:_settle(cmd, timeout_error(name, timeout))
    end, timeout)
  end
  if self.ready then
    self:_write(cmd)
  elseif self.options.enableOfflineQueue or not self._timer then
    -- connecting for the first time, or the queue is on: sent once ready
    self._offline[#self._offline + 1] = cmd
  else
    fail_soon(offline_error(name))
  end
  return self
end

-- the same command in a task of luatls.async: returns the reply, raises the error
function Client:call(...)
  local async = require('luatls.async')
  if not async.running() then
    error(errors.new('ERR_ASYNC_OUTSIDE_TASK', 'client:call() suspends the task that calls it, so it must run '
      .. "inside one: async.run(function() ... end) (require('luatls.async'))"), 2)
  end
  local args = { ... }
  local opts
  if type(args[#args]) == 'table' then opts = table.remove(args) end
  local done = EventEmitter()
  self:command(args, function(err, reply) done:emit('reply', err, reply) end, opts)
  local err, reply = async.once(done, 'reply', { timeout = false })
  if err then error(err, 2) end
  return reply
end

-- shorthands: client:get(key, cb), client:set(key, value[, ...], cb), ...
local SHORTHANDS = { 'get', 'set', 'del', 'exists', 'expire', 'pexpire', 'ttl', 'pttl', 'incr', 'decr',
  'incrby', 'mget', 'mset', 'hget', 'hset', 'hdel', 'hgetall', 'keys', 'publish', 'ping', 'flushdb',
  'getdel', 'setex', 'psetex' }
for _, name in ipairs(SHORTHANDS) do
  local upper = name:upper()
  Client[name] = function(self, ...)
    local args = { upper, ... }
    local cb
    if type(args[#args]) == 'function' then cb = table.remove(args) end
    return self:command(args, cb)
  end
end

-- subscribe(channel[, listener][, cb]): messages on channel come as
-- 'message'(channel, message), and to listener(message, channel). The client
-- then only takes SUBSCRIBE, UNSUBSCRIBE and PING (Redis's rule): keep another
-- client (duplicate()) for commands. Subscriptions are renewed on reconnection.
function Client:subscribe(channel, listener, cb)
  errors.check('channel', channel, 'string')
  if listener ~= nil then errors.check('listener', listener, 'function') end
  if cb ~= nil then errors.check('callback', cb, 'function') end
  if listener then
    local function wrapper(ch, message) if ch == channel then listener(message, ch) end end
    self._listeners[channel] = self._listeners[channel] or {}
    table.insert(self._listeners[channel], wrapper)
    self:on('message', wrapper)
  end
  local first = not self._subs[channel]
  self._subs[channel] = true
  if first and self.ready then
    -- on a ready client at once; otherwise _ready() subscribes to every recorded channel
    local cmd = { args = { 'SUBSCRIBE', channel }, name = 'SUBSCRIBE', cb = cb }
    self:_write(cmd)
  elseif cb and not self.ready then
    self._subWaiting[channel] = self._subWaiting[channel] or {}
    table.insert(self._subWaiting[channel], cb)
  elseif cb then
    tick.nextTick(function() cb(nil) end)
  end
  return self
end

function Client:unsubscribe(channel, cb)
  errors.check('channel', channel, 'string')
  self._subs[channel] = nil
  -- the listeners subscribe() added for this channel; the script's own 'message' listeners stay
  for _, wrapper in ipairs(self._listeners[channel] or {}) do self:removeListener('message', wrapper) end
  self._listeners[channel] = nil
  if self.ready then
    self:_write({ args = { 'UNSUBSCRIBE', channel }, name = 'UNSUBSCRIBE', cb = cb })
  elseif cb then
    tick.nextTick(function() cb(nil) end)
  end
  return self
end

-- another client with the same options (and password), for pub/sub
function Client:duplicate(overrides)
  if overrides ~= nil then errors.check('overrides', overrides, 'table') end
  local o = {}
  for k, v in pairs(self.options) do o[k] = v end
  o.password = secrets[self]
  for k, v in pairs(overrides or {}) do o[k] = v end
  return Client(o)
end

-- quit([cb]): QUIT after the commands in flight, then the connection closes
function Client:quit(cb)
  if cb ~= nil then errors.check('callback', cb, 'function') end
  if cb then self:once('close', function() cb() end) end
  if self.closed then
    if cb then tick.nextTick(function() cb() end) end
    return self
  end
  if not self.ready then return self:disconnect() end
  self.closed = true
  if self._timer then timers.clearTimeout(self._timer); self._timer = nil end
  local sock = self._sock
  self:_write({ args = { 'QUIT' }, name = 'QUIT', cb = function() sock:destroy() end })
  return self
end

-- disconnect(): closes now; what is in flight fails with ERR_REDIS_CONNECTION_CLOSED
function Client:disconnect()
  self.closed = true
  if self._timer then
    timers.clearTimeout(self._timer)
    self._timer = nil
    self:_lost(nil)
  elseif self._sock then
    self._sock:destroy()
  end
  return self
end

-- createClient(options): connects at once; see doc/redis.md for the options
function redis.createClient(options)
  return Client(options)
end

return redis
