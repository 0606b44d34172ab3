-- tls.sessionStore: TLS sessions kept outside the process, so that a session
-- made by one server resumes on another (doc/scaling.md, "A fleet").
--
--   local store = tls.sessionStore.redis({ client = redis.createClient(...), ttl = 300 })
--   store:attach(server)
--
-- attach() wires the server's 'newSession' and 'resumeSession' events: TLS 1.2
-- session ids and TLS 1.3 stateful sessions (servers with SSL_OP_NO_TICKET).
-- A store never fails a handshake: Redis being down, slow or wrong gives a
-- full handshake instead of a resumed one, after at most `timeout` ms.
local errors = require('luatls.errors')

local M = {}

local function hex(s)
  return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end))
end

local RedisStore = {}
RedisStore.__index = RedisStore
RedisStore.__name = 'RedisSessionStore'

function RedisStore.__tostring(s)
  return ('RedisSessionStore { prefix: %q, ttl: %d, timeout: %d }'):format(s.prefix, s.ttl, s.timeout)
end

-- the session's key: prefix .. 'session:' .. the id in hex
function RedisStore:key(id) return self.prefix .. 'session:' .. hex(id) end

-- newSession: stored without waiting for Redis (the handshake does not pay a
-- round trip for it); a write that fails only costs a later full handshake
function RedisStore:_store(id, data, cb)
  self.stats.stored = self.stats.stored + 1
  if self.client.ready then
    self.client:command({ 'SET', self:key(id), data, 'EX', self.ttl }, function(err)
      if err then self.stats.errors = self.stats.errors + 1 end
    end, { timeout = self.writeTimeout })
  else
    self.stats.errors = self.stats.errors + 1
  end
  cb()
end

-- resumeSession: the handshake waits for the reply, at most timeout ms; not
-- connected means a miss at once, not a wait
function RedisStore:_lookup(id, cb)
  local stats = self.stats
  if not self.client.ready then
    stats.errors = stats.errors + 1
    return cb(nil, nil)
  end
  self.client:command({ 'GET', self:key(id) }, function(err, data)
    if err then
      stats.errors = stats.errors + 1
      return cb(nil, nil)
    end
    if type(data) == 'string' then stats.hits = stats.hits + 1 else stats.misses = stats.misses + 1 end
    cb(nil, type(data) == 'string' and data or nil)
  end, { timeout = self.timeout })
end

-- attach(server): the server keeps its sessions in Redis; returns the server
function RedisStore:attach(server)
  if type(server) ~= 'table' or type(server.on) ~= 'function' then
    error(errors.invalid_arg_type('server', 'a tls.Server', server), 2)
  end
  server:on('newSession', function(id, data, cb) self:_store(id, data, cb) end)
  server:on('resumeSession', function(id, cb) self:_lookup(id, cb) end)
  return server
end

-- tls.sessionStore.redis{ client, prefix = 'luatls:', ttl = 300, timeout = 50 }
function M.redis(options)
  errors.check('options', options, 'table')
  local client = options.client
  if type(client) ~= 'table' or type(client.command) ~= 'function' then
    error(errors.invalid_arg_type('options.client', 'a redis.Client', client), 2)
  end
  local store = setmetatable({
    client = client,
    prefix = errors.check('options.prefix', options.prefix, 'string', true) or 'luatls:',
    ttl = errors.check_number('options.ttl', options.ttl, 1, 2 ^ 31 - 1, { integer = true, optional = true }) or 300,
    timeout = errors.check_number('options.timeout', options.timeout, 1, 2 ^ 31 - 1, { optional = true }) or 50,
    stats = { stored = 0, hits = 0, misses = 0, errors = 0 },
  }, RedisStore)
  store.writeTimeout = math.max(store.timeout, 1000)
  return store
end


---------------------------------------------------------------------------
-- ticket keys for a fleet
---------------------------------------------------------------------------

-- In Redis: KEYS = prefix .. 'ticketkeys', the current 48 bytes then the previous 48
-- (if any); LEASE = prefix .. 'ticketkeys:lease', set NX with an expiry of one rotation
-- period by whoever rotates; a message on the channel KEYS after each rotation.
-- Every node re-reads KEYS on each check too, so one that missed a message (it was
-- disconnected) catches up within a check interval.
local core = require('luatls.core')
local timers = require('timers')
local EventEmitter = require('events')

local TicketKeys = EventEmitter:extend()
TicketKeys.__name = 'RedisTicketKeys'
M.TicketKeys = TicketKeys

function TicketKeys.__tostring(k)
  return ('RedisTicketKeys { prefix: %q, rotation: %s s, current: %s }'):format(k.prefix, errors.repr(k.rotation),
    k.current and hex(k.current:sub(1, 16)) or 'none')
end

function TicketKeys:init(options)
  EventEmitter.init(self)
  errors.check('options', options, 'table')
  local client = options.client
  if type(client) ~= 'table' or type(client.command) ~= 'function' then
    error(errors.invalid_arg_type('options.client', 'a redis.Client', client), 3)
  end
  self.client = client
  self.prefix = errors.check('options.prefix', options.prefix, 'string', true) or 'luatls:'
  self.rotation = errors.check_number('options.rotation', options.rotation, 0.05, 2 ^ 31 / 1000, { optional = true }) or 3600
  self.timeout = errors.check_number('options.timeout', options.timeout, 1, 2 ^ 31 - 1, { optional = true }) or 1000
  self._key, self._lease = self.prefix .. 'ticketkeys', self.prefix .. 'ticketkeys:lease'
  self._targets = {}
  self.rotations = 0
  -- a subscribed connection takes no other commands: a second one for the messages
  self._sub = client:duplicate()
  self._sub:subscribe(self._key, function() self:refresh() end)
  self._sub:on('ready', function() self:refresh() end)
  client:on('ready', function() self:_check() end)
  self._timer = timers.setInterval(function() self:_check() end, math.max(25, self.rotation * 1000 / 4))
  if client.ready then self:_check() end
end

-- new keys for every attached target; the previous ones keep decrypting
function TicketKeys:_apply(cur, prev)
  if cur == self.current then return end
  self.current, self.previous = cur, prev
  for _, target in ipairs(self._targets) do self:_give(target) end
  self:emit('keys', cur, prev)
end

function TicketKeys:_give(target)
  if not self.current then return end
  if type(target) == 'function' then return target(self.current, self.previous) end
  if self.previous then target:setTicketKeys(self.previous) end
  target:setTicketKeys(self.current)
end

-- refresh(): reads the keys from Redis; makes the first ones when there are none
function TicketKeys:refresh()
  local client = self.client
  if not client.ready or self._closed then return end
  client:command({ 'GET', self._key }, function(err, value)
    if err or self._closed then return end
    if type(value) == 'string' and (#value == 48 or #value == 96) then
      return self:_apply(value:sub(1, 48), #value == 96 and value:sub(49) or nil)
    end
    -- none yet: the first node to get here makes them
    client:command({ 'SET', self._key, core.random_bytes(48), 'NX' }, function(err2)
      if not err2 then self:refresh() end
    end, { timeout = self.timeout })
  end, { timeout = self.timeout })
end

-- each check: whoever takes the lease rotates; everyone re-reads
function TicketKeys:_check()
  local client = self.client
  if not client.ready or self._closed then return end
  local period = math.floor(self.rotation * 1000)
  client:command({ 'SET', self._lease, self._id or self:_nodeId(), 'NX', 'PX', period }, function(err, ok)
    if err or self._closed then return end
    if ok == 'OK' and self._started then return self:rotate() end
    -- the first lease of a node that just started only marks the period
    self._started = true
    self:refresh()
  end, { timeout = self.timeout })
end

function TicketKeys:_nodeId()
  self._id = hex(core.random_bytes(8))
  return self._id
end

-- rotate(): new current keys now, the current ones becoming the previous
function TicketKeys:rotate()
  local client = self.client
  if not client.ready or self._closed then return end
  client:command({ 'GET', self._key }, function(err, value)
    if err or self._closed then return end
    local cur = type(value) == 'string' and value:sub(1, 48) or ''
    local new = core.random_bytes(48) .. cur
    client:command({ 'SET', self._key, new }, function(err2)
      if err2 then return end
      self.rotations = self.rotations + 1
      self:_apply(new:sub(1, 48), #cur == 48 and cur or nil)
      client:publish(self._key, 'rotated')
    end, { timeout = self.timeout })
  end, { timeout = self.timeout })
end

-- attach(target): a tls.Server (setTicketKeys), or a function(current, previous)
-- (for cluster.setTicketKeys in a primary); returns the target
function TicketKeys:attach(target)
  if type(target) ~= 'function' and (type(target) ~= 'table' or type(target.setTicketKeys) ~= 'function') then
    error(errors.invalid_arg_type('target', 'a tls.Server or a function', target), 2)
  end
  self._targets[#self._targets + 1] = target
  self:_give(target)
  return target
end

-- close(): stops following; the servers keep the keys they have
function TicketKeys:close()
  self._closed = true
  timers.clearInterval(self._timer)
  self._sub:quit()
end

-- tls.sessionStore.redisTicketKeys{ client, prefix = 'luatls:', rotation = 3600, timeout = 1000 }
function M.redisTicketKeys(options) return TicketKeys(options) end

return M
