-- cluster: Node's cluster API on worker processes (doc/scaling.md).
--   local cluster = require('cluster')
--   if cluster.isPrimary then
--     for _ = 1, 2 do cluster.fork() end
--     cluster:on('exit', function(worker, code, signal) print('worker died', worker.process.pid) end)
--   else
--     tls.createServer(options, handler):listen(8000)   -- every worker on one port
--   end
--
-- Each worker is this executable running a script (the primary's, by default) with one
-- end of a Unix socketpair inherited as the IPC channel: frames of a 4-byte length and a
-- serialised Lua value. Workers' TCP servers listen with SO_REUSEPORT, so the kernel
-- spreads the connections. The primary owns the TLS ticket keys and sends them to every
-- worker, so a ticket issued by one worker resumes on any other.
local core = require('luatls.core')
local EventEmitter = require('events')
local errors = require('luatls.errors')
local net = require('net')

local ENV_FD, ENV_ID = 'LUATLS_CLUSTER_FD', 'LUATLS_CLUSTER_ID'
local MAX_FRAME = 64 * 1024 * 1024
local MAX_DEPTH = 100

local cluster = EventEmitter()
cluster.SCHED_NONE, cluster.SCHED_RR = 1, 2
-- the kernel spreads connections (SO_REUSEPORT); round-robin in the primary is not done
cluster.schedulingPolicy = cluster.SCHED_NONE
cluster.settings = {}
cluster.workers = {}
cluster.isWorker = os.getenv(ENV_FD) ~= nil
cluster.isPrimary = not cluster.isWorker
cluster.isMaster = cluster.isPrimary

---------------------------------------------------------------------------
-- serialisation: nil, booleans, numbers, strings and tables of them
---------------------------------------------------------------------------

local function encode(v, out, depth, seen)
  local t = type(v)
  if t == 'nil' then out[#out + 1] = 'n'
  elseif t == 'boolean' then out[#out + 1] = v and 'T' or 'F'
  elseif math.type(v) == 'integer' then out[#out + 1] = string.pack('<c1j', 'i', v)
  elseif t == 'number' then out[#out + 1] = string.pack('<c1d', 'd', v)
  elseif t == 'string' then out[#out + 1] = string.pack('<c1s4', 's', v)
  elseif t == 'table' then
    if seen[v] then error(errors.new('ERR_INVALID_ARG_VALUE', 'The message has a cycle', nil, 'TypeError'), 0) end
    if depth >= MAX_DEPTH then error(errors.new('ERR_INVALID_ARG_VALUE', 'The message is nested too deeply', nil, 'RangeError'), 0) end
    seen[v] = true
    local at = #out + 1
    out[at] = false
    local n = 0
    for k, x in next, v do
      if type(k) ~= 'string' and type(k) ~= 'number' and type(k) ~= 'boolean' then
        error(errors.invalid_arg_type('message key', 'a string, number or boolean', k), 0)
      end
      encode(k, out, depth + 1, seen)
      encode(x, out, depth + 1, seen)
      n = n + 1
    end
    out[at] = string.pack('<c1I4', 't', n)
    seen[v] = nil
  else
    error(errors.invalid_arg_type('message', 'made of nil, booleans, numbers, strings and tables', v), 0)
  end
end

local function decode(s, pos, depth)
  local tag = s:sub(pos, pos)
  pos = pos + 1
  if tag == 'n' then return nil, pos
  elseif tag == 'T' then return true, pos
  elseif tag == 'F' then return false, pos
  elseif tag == 'i' then return string.unpack('<j', s, pos)
  elseif tag == 'd' then return string.unpack('<d', s, pos)
  elseif tag == 's' then return string.unpack('<s4', s, pos)
  elseif tag == 't' then
    if depth >= MAX_DEPTH then error('nested too deeply', 0) end
    local n
    n, pos = string.unpack('<I4', s, pos)
    if n > #s - pos + 1 then error('bad table size', 0) end
    local t = {}
    for _ = 1, n do
      local k, v
      k, pos = decode(s, pos, depth + 1)
      if k == nil or k ~= k then error('bad key', 0) end
      v, pos = decode(s, pos, depth + 1)
      t[k] = v
    end
    return t, pos
  end
  error('bad tag', 0)
end

-- one frame: a 4-byte big-endian length, then the value
local function frame(v)
  local out = {}
  encode(v, out, 0, {})
  local body = table.concat(out)
  if #body > MAX_FRAME then
    error(errors.new('ERR_OUT_OF_RANGE', ('The message is larger than %d bytes'):format(MAX_FRAME), nil, 'RangeError'), 0)
  end
  return string.pack('>s4', body)
end

local function unframe(body)
  local v, pos = decode(body, 1, 0)
  if pos ~= #body + 1 then error('trailing bytes', 0) end
  return v
end
cluster._encode, cluster._decode = frame, function(s) return unframe(s:sub(5)) end

-- A channel: a socket over one end of the pair; on_message(value) for each frame,
-- on_close() once. A malformed frame closes it.
local function channel(sock, on_message, on_close)
  local buf = ''
  local ch = { sock = sock, connected = true }
  sock:on('data', function(chunk)
    buf = buf .. chunk
    while #buf >= 4 do
      local n = string.unpack('>I4', buf)
      if n > MAX_FRAME then sock:destroy(); return end
      if #buf < 4 + n then break end
      local body = buf:sub(5, 4 + n)
      buf = buf:sub(5 + n)
      local ok, v = pcall(unframe, body)
      if not ok then sock:destroy(); return end
      on_message(v)
      if not ch.connected then return end
    end
  end)
  sock:on('error', function() end)
  sock:on('end', function() sock:destroy() end)
  sock:on('close', function()
    if not ch.connected then return end
    ch.connected = false
    on_close()
  end)
  function ch.send(v, cb)
    if not ch.connected then
      local err = errors.new('ERR_IPC_CHANNEL_CLOSED', 'Channel closed')
      if cb then process.nextTick(cb, err); return false end
      error(err, 0)
    end
    return sock:write(frame(v), cb and function() cb(nil) end)
  end
  function ch.close()
    if ch.connected then sock:destroy() end
  end
  return ch
end

---------------------------------------------------------------------------
-- Worker
---------------------------------------------------------------------------

local Worker = EventEmitter:extend()
cluster.Worker = Worker

function Worker:init(id, proc)
  EventEmitter.init(self)
  self.id = id
  self.process = proc
  self.state = 'none'
  self.exitedAfterDisconnect = nil
end

function Worker:isConnected() return self._channel ~= nil and self._channel.connected end
function Worker:isDead()
  if cluster.isPrimary then return self.process.exitCode ~= nil or self.process.signalCode ~= nil end
  return false
end

-- send(message[, cb]): the message arrives as 'message' on the other side
function Worker:send(message, cb)
  if cb ~= nil then errors.check('callback', cb, 'function') end
  return self._channel.send({ c = 'msg', d = message }, cb)
end

---------------------------------------------------------------------------
-- ticket keys: the primary's, 48 bytes as Node's ticketKeys
---------------------------------------------------------------------------

local keys = { prev = nil, cur = nil }
local rotation   -- the primary's timer

local function keys_message() return { c = 'keys', prev = keys.prev, cur = keys.cur } end

local function rotate()
  keys.prev, keys.cur = keys.cur, core.random_bytes(48)
  for _, w in pairs(cluster.workers) do
    if w:isConnected() then w._channel.send(keys_message()) end
  end
end

-- cluster.rotateTicketKeys(): new keys now; the previous ones still decrypt
function cluster.rotateTicketKeys()
  if not cluster.isPrimary then
    error(errors.new('ERR_INVALID_STATE', 'Only the primary rotates the ticket keys'), 2)
  end
  rotate()
end

-- cluster.setTicketKeys(current[, previous]): keys made elsewhere (a fleet's Redis:
-- tls.sessionStore.redisTicketKeys) for every worker, now and forked later
function cluster.setTicketKeys(current, previous)
  if not cluster.isPrimary then
    error(errors.new('ERR_INVALID_STATE', 'Only the primary sets the ticket keys'), 2)
  end
  for name, k in pairs({ current = current, previous = previous or '' }) do
    if type(k) ~= 'string' or (#k ~= 48 and not (name == 'previous' and k == '')) then
      error(errors.new('ERR_INVALID_ARG_VALUE', ('The "%s" ticket keys must be 48 bytes'):format(name), { option = name }), 2)
    end
  end
  keys.prev, keys.cur = previous, current
  for _, w in pairs(cluster.workers) do
    if w:isConnected() then w._channel.send(keys_message()) end
  end
end

---------------------------------------------------------------------------
-- primary
---------------------------------------------------------------------------

local function exec_path()
  local s = cluster.settings
  if s.execPath then return s.execPath end
  local exe = process.argv[1]
  -- under stock lua5.4 (busted, say) the workers still need the luatls executable
  if exe and exe:match('luatls[^/]*$') then return exe end
  return os.getenv('LUATLS_BIN') or 'luatls'
end

-- setupPrimary{ exec, args, silent, execPath, ticketKeyRotation, shareTicketKeys }
function cluster.setupPrimary(settings)
  if settings ~= nil then errors.check('settings', settings, 'table') end
  settings = settings or {}
  local s = cluster.settings
  if settings.exec ~= nil then s.exec = errors.check('settings.exec', settings.exec, 'string') end
  if settings.args ~= nil then s.args = errors.check('settings.args', settings.args, 'table') end
  if settings.execPath ~= nil then s.execPath = errors.check('settings.execPath', settings.execPath, 'string') end
  if settings.silent ~= nil then s.silent = settings.silent == true end
  if settings.shareTicketKeys ~= nil then s.shareTicketKeys = settings.shareTicketKeys ~= false end
  if settings.ticketKeyRotation ~= nil then
    s.ticketKeyRotation = errors.check_number('settings.ticketKeyRotation', settings.ticketKeyRotation, 0, 2 ^ 31 / 1000)
  end
  if s.exec == nil then s.exec = process.argv[2] end
  if s.args == nil then s.args = { table.unpack(process.argv, 3) } end
  if s.silent == nil then s.silent = false end
  if s.shareTicketKeys == nil then s.shareTicketKeys = true end
  if s.ticketKeyRotation == nil then s.ticketKeyRotation = 3600 end
  cluster:emit('setup', s)
end
cluster.setupMaster = cluster.setupPrimary

local next_id = 0

local function start_rotation()
  local every = cluster.settings.ticketKeyRotation
  if rotation or not cluster.settings.shareTicketKeys then return end
  keys.cur = keys.cur or core.random_bytes(48)
  if every > 0 then
    rotation = require('timers').setInterval(rotate, every * 1000)
    rotation:unref()
  end
end

-- fork([env]) -> Worker
function cluster.fork(env)
  if not cluster.isPrimary then
    error(errors.new('ERR_INVALID_STATE', 'cluster.fork() is only for the primary'), 2)
  end
  if env ~= nil then errors.check('env', env, 'table') end
  if cluster.settings.exec == nil then cluster.setupPrimary() end
  local s = cluster.settings
  if type(s.exec) ~= 'string' then
    error(errors.new('ERR_INVALID_ARG_VALUE', 'cluster.setupPrimary{ exec = file } names no worker script'), 2)
  end
  start_rotation()
  next_id = next_id + 1
  local id = next_id
  local mine, theirs = core.socketpair()
  local vars = {}
  for _, e in ipairs(core.environ()) do
    local k, v = e:match('^([^=]*)=(.*)$')
    if k then vars[k] = v end
  end
  for k, v in pairs(env or {}) do vars[k] = v end
  vars[ENV_FD], vars[ENV_ID] = tostring(theirs), tostring(id)
  -- the hello waits in the socket, so the worker has its keys before its script runs
  local hello = frame({ c = 'hello', id = id, keys = s.shareTicketKeys and keys_message() or nil })
  local child, sock
  local ok, err = pcall(function()
    core.fd_write(mine, hello)   -- a few bytes into an empty socket buffer: never blocks
    core.fd_inherit(theirs, true)
    local args = { s.exec }
    for _, a in ipairs(s.args) do args[#args + 1] = a end
    child = require('child_process').spawn(exec_path(), args, { env = vars })
  end)
  core.fd_close(theirs)
  if not ok then
    core.fd_close(mine)
    error(err, 2)
  end
  sock = net.Socket({ handle = core.pipe_open(mine) })
  local worker = Worker(id, child)
  worker.state = 'none'
  cluster.workers[id] = worker
  child.stdin:destroy()
  if not s.silent then
    child.stdout:on('data', function(d) io.stdout:write(d); io.stdout:flush() end)
    child.stderr:on('data', function(d) io.stderr:write(d) end)
  end
  local exited, disconnected = false, false
  local function maybe_exit()
    if not (exited and disconnected) or worker.state == 'dead' then return end
    worker.state = 'dead'
    cluster.workers[id] = nil
    -- the keys rotate while there are workers to send them to
    if next(cluster.workers) == nil and rotation then
      require('timers').clearInterval(rotation)
      rotation = nil
    end
    if worker.exitedAfterDisconnect == nil then worker.exitedAfterDisconnect = false end
    worker:emit('exit', child.exitCode, child.signalCode)
    cluster:emit('exit', worker, child.exitCode, child.signalCode)
  end
  worker._channel = channel(sock, function(m)
    if type(m) ~= 'table' then return end
    if m.c == 'msg' then
      worker:emit('message', m.d)
      cluster:emit('message', worker, m.d)
    elseif m.c == 'online' then
      worker.state = 'online'
      worker:emit('online')
      cluster:emit('online', worker)
    elseif m.c == 'listening' then
      local address = { address = m.address, port = m.port, addressType = m.addressType }
      worker.state = 'listening'
      worker:emit('listening', address)
      cluster:emit('listening', worker, address)
    end
  end, function()
    disconnected = true
    if worker.state ~= 'dead' then worker.state = 'disconnected' end
    worker:emit('disconnect')
    cluster:emit('disconnect', worker)
    maybe_exit()
  end)
  child:on('exit', function()
    exited = true
    -- the channel ends with the worker (a grandchild never holds it: close-on-exec); what
    -- the worker sent before it exited is read first, so 'exit' comes after its messages.
    -- Should the end not come, the channel is closed after a second.
    if worker._channel.connected then
      local timers = require('timers')
      local t = timers.setTimeout(worker._channel.close, 1000)
      sock:once('close', function() timers.clearTimeout(t) end)
    end
    maybe_exit()
  end)
  cluster:emit('fork', worker)
  return worker
end

-- disconnect([cb]): every worker's servers close and its channel ends
function cluster.disconnect(cb)
  local n = 0
  local function one()
    n = n - 1
    if n == 0 and cb then cb() end
  end
  for _, w in pairs(cluster.workers) do
    if w:isConnected() then
      n = n + 1
      w:once('disconnect', one)
      w:disconnect()
    end
  end
  if n == 0 and cb then process.nextTick(cb) end
end

---------------------------------------------------------------------------
-- worker side
---------------------------------------------------------------------------

local servers = setmetatable({}, { __mode = 'k' })   -- this worker's listening servers

-- a TLS server gets the primary's keys unless the script gave it its own
local function apply_keys(server)
  if not keys.cur or type(server.setTicketKeys) ~= 'function' then return end
  if server._options and server._options.ticketKeys ~= nil then return end
  if keys.prev then server:setTicketKeys(keys.prev) end
  server:setTicketKeys(keys.cur)
end

local function start_worker()
  local fd = math.tointeger(tonumber(os.getenv(ENV_FD)))
  if not fd then error(errors.new('ERR_INVALID_ARG_VALUE', ENV_FD .. ' is not a file descriptor'), 0) end
  -- this worker's own children are not workers
  core.unsetenv(ENV_FD)
  core.unsetenv(ENV_ID)
  core.fd_inherit(fd, false)
  -- the hello: written by the primary before this process started
  local head = core.fd_read_exact(fd, 4)
  local body = head and core.fd_read_exact(fd, string.unpack('>I4', head))
  local hello = body and unframe(body)
  if type(hello) ~= 'table' or hello.c ~= 'hello' then
    error(errors.new('ERR_IPC_CHANNEL_CLOSED', 'No hello from the cluster primary'), 0)
  end
  if type(hello.keys) == 'table' then keys.prev, keys.cur = hello.keys.prev, hello.keys.cur end
  local worker = Worker(math.tointeger(hello.id) or 0, process)
  cluster.worker = worker
  local sock = net.Socket({ handle = core.pipe_open(fd) })
  local ch
  ch = channel(sock, function(m)
    if type(m) ~= 'table' then return end
    if m.c == 'msg' then
      worker:emit('message', m.d)
      process:emit('message', m.d)
    elseif m.c == 'keys' then
      keys.prev, keys.cur = m.prev, m.cur
      for server in pairs(servers) do
        if server.listening then apply_keys(server) else servers[server] = nil end
      end
    elseif m.c == 'disconnect' then
      worker:disconnect()
    end
  end, function()
    worker.state = 'disconnected'
    process.connected = false
    worker:emit('disconnect')
    process:emit('disconnect')
    -- as Node: a channel that ends without disconnect() means the primary is gone, and a
    -- worker left behind would keep serving its share of the port
    if not worker.exitedAfterDisconnect then process.exit(0) end
  end)
  worker._channel = ch
  worker.state = 'online'
  process.connected = true
  process.channel = sock
  -- as Node: the channel keeps the worker alive only while someone listens for messages
  local function reref()
    if not ch.connected then return end
    if process:listenerCount('message') + worker:listenerCount('message') > 0 then sock:ref() else sock:unref() end
  end
  for _, e in ipairs({ process, worker }) do
    e:on('newListener', function(name) if name == 'message' then process.nextTick(reref) end end)
    e:on('removeListener', function(name) if name == 'message' then process.nextTick(reref) end end)
  end
  sock:unref()
  function process.send(message, cb) return worker:send(message, cb) end
  function process.disconnect() worker:disconnect() end
  net._cluster = {
    -- a closing server's queued connections move to the other workers (doc/scaling.md)
    migrate = os.getenv('LUATLS_REUSEPORT_MIGRATE') ~= '0',
    -- a TLS server's new context (setSecureContext) gets the shared keys again
    rekeyed = function(server) if servers[server] then apply_keys(server) end end,
    listening = function(server)
      servers[server] = true
      apply_keys(server)
      local a = server:address()
      if type(a) == 'table' and ch.connected then
        ch.send({ c = 'listening', address = a.address, port = a.port,
          addressType = a.family == 'IPv6' and 6 or 4 })
      end
    end,
  }
  ch.send({ c = 'online' })
end

-- disconnect(): in a worker, close its servers, then the channel; in the primary,
-- ask the worker to do so
function Worker:disconnect()
  if self.exitedAfterDisconnect == nil then self.exitedAfterDisconnect = true end
  if cluster.isPrimary then
    if self:isConnected() then self._channel.send({ c = 'disconnect' }) end
    return self
  end
  local n = 1
  local function one()
    n = n - 1
    if n == 0 then self._channel.close() end
  end
  for server in pairs(servers) do
    servers[server] = nil
    if server.listening then
      n = n + 1
      server:close(one)
    end
  end
  one()
  return self
end

-- kill([signal]): in the primary, end the channel and signal the process; in a worker,
-- disconnect and exit
function Worker:kill(signal)
  self.exitedAfterDisconnect = true
  if cluster.isPrimary then
    -- the signal first: a worker that saw its channel end first would exit by itself (code 0)
    -- and the exit would not report the signal
    local ok, err = self.process:kill(signal or 'SIGTERM')
    if self._channel then self._channel.close() end
    return ok, err
  end
  self._channel.close()
  process.exit(0)
end
Worker.destroy = Worker.kill

if cluster.isWorker then start_worker() end

return cluster
