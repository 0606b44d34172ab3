-- luatls.async: sequential protocol scripts, the Lua answer to `await`.
--
--   local async = require('luatls.async')
--   async.run(function()
--     local s = async.tls.connect({ host = 'localhost', port = 8443, ca = ca })
--     s:writeAsync('EHLO me\r\n')
--     print(s:readLine({ timeout = 500 }))
--     s:endAsync()
--   end)
--
-- A task is a coroutine. Its reads, writes, sleeps and waits suspend the task,
-- never the loop, until the event they wait for; they are resumed from
-- process.nextTick, so a wake-up never runs a task inside another task or inside
-- a C callback. Failures come back as Lua errors carrying the error object the
-- socket or the emitter gave (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...), or
-- ETIMEDOUT (a timeout), ABORT_ERR (task:cancel(), a signal), ERR_SOCKET_CLOSED (the socket
-- closed while the task waited). Every wait removes its listeners and closes its
-- timer when it ends, however it ends. See doc/async.md.
local errors = require('luatls.errors')
local tick = require('luatls.tick')
local timers = require('timers')
local Object = require('luatls.class')

local nextTick = tick.nextTick
local pack, unpack = table.pack, table.unpack

local M = {}

-- the timeout of socket operations and once() when neither the call nor the
-- socket sets one; nil waits as long as it takes
M.defaultTimeout = nil

---------------------------------------------------------------------------
-- error objects
---------------------------------------------------------------------------

local function outside_error(what)
  return errors.new('ERR_ASYNC_OUTSIDE_TASK', ('%s suspends the task that calls it, so it must run inside one: '
    .. "async.run(function() ... end) (require('luatls.async'))"):format(what))
end

local function timeout_error(what, ms)
  return errors.new('ETIMEDOUT', ('%s timed out after %s ms'):format(what, errors.repr(ms)),
    { operation = what, timeout = ms }, 'TimeoutError')
end

local function abort_error(reason)
  return errors.new('ABORT_ERR', 'The operation was aborted', { cause = reason }, 'AbortError')
end

-- cause: the error of the task whose end closed the socket, if that is why
local function closed_error(cause)
  return errors.new('ERR_SOCKET_CLOSED', 'Socket is closed', cause ~= nil and { cause = cause } or nil)
end

---------------------------------------------------------------------------
-- tasks
---------------------------------------------------------------------------

local Task = Object:extend()
M.Task = Task
Task.__name = 'Task'

local task_of = setmetatable({}, { __mode = 'k' })   -- coroutine -> its task

-- the task running now; raises ERR_ASYNC_OUTSIDE_TASK outside one
local function running(what)
  local task = task_of[coroutine.running()]
  if not task then error(outside_error(what), 3) end
  return task
end

function M.running() return task_of[coroutine.running()] end

local step

-- A waiter is one suspension: settled once, by the event, the timeout or a
-- cancellation; settling it stops the rest and schedules the task's resumption.
local Waiter = {}
Waiter.__index = Waiter

function Waiter:settle(ok, ...)
  if self.done then return false end
  self.done, self.ok = true, ok
  if ok then self.values = pack(...) else self.err = ... end
  if self.timer then timers.clearTimeout(self.timer); self.timer = nil end
  local disarm = self.disarm
  self.disarm = nil
  if disarm then disarm() end
  if self.suspended then nextTick(step, self.task) end
  return true
end
function Waiter:resolve(...) return self:settle(true, ...) end
function Waiter:reject(err) return self:settle(false, err) end

-- The one way a task suspends: arm(w) starts waiting and returns the function
-- that stops waiting (removes listeners); the event calls w:resolve(...) or
-- w:reject(err), now or later. A timeout of nil, false or 0 waits as long as it
-- takes. An AbortSignal (util.AbortController) fails it with ABORT_ERR when it
-- aborts. Returns the values resolved, or raises the error rejected. A shielded
-- wait is not ended by task:cancel() (clean-up that must finish).
local function wait(task, what, timeout, arm, shielded, signal)
  if task._cancelled and not shielded then error(task._cancelled, 0) end
  if signal and signal.aborted then error(require('luatls.abort').abort_error(signal), 0) end
  local w = setmetatable({ task = task }, Waiter)
  local disarm = arm(w)
  if w.done then
    if disarm then disarm() end
  else
    if signal then
      local abort = require('luatls.abort')
      local unlisten = abort.listen(signal, function() w:reject(abort.abort_error(signal)) end)
      local inner = disarm
      disarm = function()
        unlisten()
        if inner then inner() end
      end
    end
    w.disarm = disarm
    if timeout and timeout ~= 0 then
      w.timer = timers.setTimeout(function() w.timer = nil; w:reject(timeout_error(what, timeout)) end, timeout)
    end
    if not shielded then task._waiter = w end
    w.suspended = true
    coroutine.yield(w)
    w.suspended = false
    if task._waiter == w then task._waiter = nil end
  end
  if w.ok then return unpack(w.values, 1, w.values.n) end
  error(w.err, 0)
end

-- the options of a wait: its timeout (nil: the default; false or 0: none) and its signal
local function check_timeout(opts, name)
  if opts == nil then return nil end
  if type(opts) ~= 'table' then error(errors.invalid_arg_type(name or 'options', 'of type table', opts), 3) end
  local signal = opts.signal
  if signal ~= nil then require('luatls.abort').check('options.signal', signal) end
  local t = opts.timeout
  if t == nil or t == false then return t, signal end
  return errors.check_number('options.timeout', t, 0, 2 ^ 31 - 1), signal
end

-- the first timeout that is set: the call's, then the socket's, then the default
local function pick(...)
  for i = 1, select('#', ...) do
    local t = select(i, ...)
    if t ~= nil then return t end
  end
  return M.defaultTimeout
end

local function notify(task)
  local subs = task._subs
  task._subs = nil
  if subs then for _, fn in ipairs(subs) do fn(task) end end
end

local function finish(task, ok, ...)
  task_of[task._co] = nil
  task._waiter = nil
  if ok then
    task.status, task.values = 'fulfilled', pack(...)
  else
    task.status, task.error = 'rejected', (...)
    -- the sockets the task opened die with it: an error nobody caught inside
    -- the task (a timeout, say) does not leave its connections open. Other
    -- tasks waiting on them get ERR_SOCKET_CLOSED with this error as its cause.
    for s in pairs(task._owned) do
      if not s.socket.destroyed then
        s._closedBy = task.error
        s.socket:destroy()
      end
    end
    nextTick(function()
      -- as Node's unhandled rejection: an error nobody waits for is uncaught;
      -- not one that only follows from another task's failure
      local e = task.error
      if task._handled or (type(e) == 'table' and e.code == 'ERR_SOCKET_CLOSED' and e.cause ~= nil) then return end
      error(e, 0)
    end)
  end
  task._owned = nil
  notify(task)
end

-- tasks resumed inside one another now: each level holds C stack (Lua allows
-- about 200 C calls deep, and a level takes a few)
local nesting = 0
local MAX_NESTING = 40

-- runs the task until it suspends or ends
step = function(task, ...)
  local co = task._co
  nesting = nesting + 1
  local res = pack(coroutine.resume(co, ...))
  nesting = nesting - 1
  if coroutine.status(co) == 'dead' then
    if not res[1] then return finish(task, false, res[2]) end  -- an error in luatls itself
    if res[2] then return finish(task, true, unpack(res, 3, res.n)) end
    return finish(task, false, res[3])
  end
  -- it yielded: to one of our waiters, or to someone else's coroutine.yield
  if getmetatable(res[2]) ~= Waiter then
    coroutine.close(co)
    finish(task, false, errors.new('ERR_ASYNC_OUTSIDE_TASK',
      'coroutine.yield() inside a task: a task suspends only in luatls.async calls (async.sleep(0) lets the loop run)'))
  end
end

function Task:init(fn)
  self.status = 'pending'
  self._owned = setmetatable({}, { __mode = 'k' })
  self._co = coroutine.create(function(...) return xpcall(fn, errors.traceback, ...) end)
  task_of[self._co] = self
end

-- async.run(fn, ...): starts fn(...) as a task, at once, up to its first
-- suspension; returns the task
function M.run(fn, ...)
  if not (type(fn) == 'function' or (type(fn) == 'table' and getmetatable(fn) and getmetatable(fn).__call)) then
    error(errors.invalid_arg_type('fn', 'of type function', fn), 2)
  end
  local task = Task(fn)
  -- started from a task nested this deep (recursion): on the next tick instead
  if nesting >= MAX_NESTING then nextTick(step, task, ...) else step(task, ...) end
  return task
end

-- async.fn(fn): a function that starts fn(...) as a task each time it is called
-- (a listener: tls.createServer(options, async.fn(function(socket) ... end)))
function M.fn(fn)
  errors.check('fn', fn, 'function')
  return function(...) return M.run(fn, ...) end
end

local function subscribe(task, fn)
  local subs = task._subs or {}
  task._subs = subs
  subs[#subs + 1] = fn
  return function()
    local list = task._subs
    if not list then return end
    for i = #list, 1, -1 do if list[i] == fn then table.remove(list, i) break end end
  end
end

-- task:next(onFulfilled[, onRejected]): callbacks on a later tick, with the
-- task's return values or its error. With onRejected the error is handled.
function Task:next(on_ok, on_err)
  if on_ok ~= nil then errors.check('onFulfilled', on_ok, 'function') end
  if on_err ~= nil then errors.check('onRejected', on_err, 'function'); self._handled = true end
  local function deliver()
    if self.status == 'fulfilled' then
      if on_ok then on_ok(unpack(self.values, 1, self.values.n)) end
    elseif on_err then
      on_err(self.error)
    end
  end
  if self.status == 'pending' then subscribe(self, function() nextTick(deliver) end)
  else nextTick(deliver) end
  return self
end

function Task:catch(on_err) return self:next(nil, on_err) end

-- task:await([opts]): inside another task, waits for this one; returns its
-- values or raises its error
function Task:await(opts)
  local me = running('task:await()')
  local timeout, signal = check_timeout(opts)
  if me == self then
    error(errors.new('ERR_INVALID_STATE', 'Invalid state: a task cannot await itself'), 2)
  end
  self._handled = true
  if self.status == 'pending' then
    wait(me, 'await', pick(timeout, false), function(w)
      return subscribe(self, function() w:resolve() end)
    end, false, signal)
  end
  if self.status == 'fulfilled' then return unpack(self.values, 1, self.values.n) end
  error(self.error, 0)
end
function M.await(task, opts)
  if not Object.instanceof(task, Task) then error(errors.invalid_arg_type('task', 'a Task', task), 2) end
  return task:await(opts)
end

-- task:cancel([reason]): the wait the task is in, and every later one, fails
-- with ABORT_ERR (cause = reason); false when the task has ended
function Task:cancel(reason)
  if self.status ~= 'pending' then return false end
  self._cancelled = self._cancelled or abort_error(reason)
  local w = self._waiter
  if w then w:reject(self._cancelled) end
  return true
end

function Task.__tostring(t)
  if t.status == 'pending' then return 'Task { pending }' end
  if t.status == 'rejected' then return 'Task { rejected: ' .. tostring(t.error) .. ' }' end
  local parts = {}
  for i = 1, t.values.n do parts[i] = require('util').inspect(t.values[i]) end
  return 'Task { fulfilled' .. (t.values.n > 0 and ': ' .. table.concat(parts, ', ') or '') .. ' }'
end

---------------------------------------------------------------------------
-- sleep, once, all
---------------------------------------------------------------------------

-- async.sleep(ms[, opts]): suspends the task for ms milliseconds (opts.signal ends it early)
function M.sleep(ms, opts)
  local task = running('async.sleep()')
  ms = errors.check_number('ms', ms, 0, 2 ^ 31 - 1)
  local _, signal = check_timeout(opts)
  wait(task, 'sleep', false, function(w)
    local t = timers.setTimeout(function() w:resolve() end, ms)
    return function() timers.clearTimeout(t) end
  end, false, signal)
end

local function is_emitter(e)
  return type(e) == 'table' and type(e.on) == 'function' and type(e.removeListener) == 'function'
end

-- async.once(emitter, name[, opts]): waits for the event and returns its
-- arguments, as Node's events.once does; an 'error' emitted meanwhile is raised
function M.once(emitter, name, opts)
  local task = running('async.once()')
  if not is_emitter(emitter) then error(errors.invalid_arg_type('emitter', 'an EventEmitter', emitter), 2) end
  local timeout, signal = check_timeout(opts)
  return wait(task, 'once', pick(timeout), function(w)
    local function on_event(...) w:resolve(...) end
    local function on_error(err) w:reject(err) end
    emitter:on(name, on_event)
    if name ~= 'error' then emitter:on('error', on_error) end
    return function()
      emitter:removeListener(name, on_event)
      if name ~= 'error' then emitter:removeListener('error', on_error) end
    end
  end, false, signal)
end

-- async.all({ fn or task, ... }[, opts]): runs the functions as tasks side by
-- side and waits for all of them; returns the first value of each, in order
-- (results.n is their number). The first error cancels the others, waits for
-- them to end, and is raised.
function M.all(list, opts)
  local me = running('async.all()')
  if type(list) ~= 'table' then error(errors.invalid_arg_type('list', 'of type table', list), 2) end
  local timeout, signal = check_timeout(opts)
  local tasks = {}
  for i = 1, #list do
    local f = list[i]
    if Object.instanceof(f, Task) then tasks[i] = f
    elseif type(f) == 'function' then tasks[i] = M.run(f)
    else error(errors.invalid_arg_type('list[' .. i .. ']', 'a function or a task', f), 2) end
    tasks[i]._handled = true
  end
  local ok, err = pcall(wait, me, 'all', pick(timeout, false), function(w)
    local left = 0
    local unsubs = {}
    for _, t in ipairs(tasks) do
      if t.status == 'rejected' then w:reject(t.error) return end
      if t.status == 'pending' then
        left = left + 1
        unsubs[#unsubs + 1] = subscribe(t, function()
          if t.status == 'rejected' then w:reject(t.error) return end
          left = left - 1
          if left == 0 then w:resolve() end
        end)
      end
    end
    if left == 0 then w:resolve() end
    return function() for _, u in ipairs(unsubs) do u() end end
  end, false, signal)
  if not ok then
    -- cancel the others and wait until none of them runs any more
    local pending = 0
    for _, t in ipairs(tasks) do
      if t:cancel(err) then pending = pending + 1 end
    end
    if pending > 0 then
      wait(me, 'all', false, function(w)
        local unsubs = {}
        for _, t in ipairs(tasks) do
          if t.status == 'pending' then
            unsubs[#unsubs + 1] = subscribe(t, function()
              pending = pending - 1
              if pending == 0 then w:resolve() end
            end)
          end
        end
        return function() for _, u in ipairs(unsubs) do u() end end
      end, true)
    end
    error(err, 0)
  end
  local results = { n = #tasks }
  for i, t in ipairs(tasks) do results[i] = t.values[1] end
  return results
end

---------------------------------------------------------------------------
-- sockets
---------------------------------------------------------------------------

local AsyncSocket = Object:extend()
M.AsyncSocket = AsyncSocket
AsyncSocket.__name = 'AsyncSocket'

-- the wrapper's own fields: never looked up on the socket (which has an _ended of its own)
local OWN = {}
for k in ('socket timeout _chunks _size _readers _waits _hwm _on _ended _closed _error _spent _paused '
  .. '_finished _scan _closedBy'):gmatch('%S+') do OWN[k] = true end

-- what AsyncSocket does not have comes from the socket: s.authorized,
-- s:getProtocol(), s:write(data), s:destroy() ...
AsyncSocket.__index = function(self, k)
  local v = AsyncSocket[k]
  if v ~= nil or OWN[k] then return v end
  local sock = rawget(self, 'socket')
  if sock == nil then return nil end
  v = sock[k]
  if type(v) == 'function' then
    return function(me, ...)
      if me == self then me = sock end
      return v(me, ...)
    end
  end
  return v
end

function AsyncSocket.__tostring(s)
  return ('AsyncSocket { %s, %d bytes buffered%s }'):format(tostring(s.socket), s._size,
    s._ended and ', ended' or '')
end

local wrapper_of = setmetatable({}, { __mode = 'k' })   -- socket -> its AsyncSocket

local serve

local function readable_hwm(sock)
  local n = tonumber(sock.readableHighWaterMark)
  return n and n > 0 and n or 65536
end

function AsyncSocket:init(sock)
  self.socket = sock
  self._chunks, self._size = {}, 0
  self._readers = {}                  -- waiting reads, in order
  self._waits = {}                    -- every other wait on the socket: connect, drain, finish
  self._hwm = readable_hwm(sock)
  local on = {}
  self._on = on
  on.data = function(chunk)
    local c = self._chunks
    c[#c + 1] = chunk
    self._size = self._size + #chunk
    serve(self)
  end
  on['end'] = function()
    self._ended = true
    serve(self)
  end
  on.error = function(err)
    self._error = self._error or err
    self:_fail(err)
  end
  on.close = function()
    self._closed = true
    self:_fail(self._error or closed_error(self._closedBy))
    self:_unlisten()
  end
  -- a socket closed already (or spent by a TLS upgrade) emits nothing more
  if sock.destroyed then
    self._closed, self._on = true, nil
    return
  end
  -- one whose peer has ended it already ('end' was emitted before us)
  if sock.readable == false and not sock.connecting and sock.pending ~= true then self._ended = true end
  for _, name in ipairs({ 'error', 'close', 'end', 'data' }) do sock:on(name, on[name]) end
  if type(sock.resume) == 'function' then sock:resume() end
end

-- stops listening to the socket (once it has closed, or is handed on); what
-- was read and not consumed stays readable
function AsyncSocket:_unlisten()
  local on = self._on
  if not on then return end
  self._on = nil
  local sock = self.socket
  for name, fn in pairs(on) do sock:removeListener(name, fn) end
  if wrapper_of[sock] == self then wrapper_of[sock] = nil end
end

-- hands the socket on: stops listening, returns what was read and not consumed
function AsyncSocket:_detach()
  self:_unlisten()
  local rest = table.concat(self._chunks)
  self._chunks, self._size = {}, 0
  return rest
end

-- fails what waits: the reads the buffer cannot answer and every other wait
function AsyncSocket:_fail(err)
  serve(self)
  local readers = self._readers
  while readers[1] do
    local r = table.remove(readers, 1)
    r.w:reject(err)
  end
  for w in pairs(self._waits) do w:reject(err) end
end

-- the error a read that needs more bytes gets now, or nil while more may come
function AsyncSocket:_readError()
  if self._spent then return self._spent end
  if self._error then return self._error end
  if self._closed then return closed_error(self._closedBy) end
  return nil
end

-- removes and returns the first n bytes of the buffer (n <= size)
local function take(s, n)
  local chunks = s._chunks
  s._scan = nil
  if n == s._size then
    s._chunks, s._size = {}, 0
    return #chunks == 1 and chunks[1] or table.concat(chunks)
  end
  local out, got = {}, 0
  while got < n do
    local c = chunks[1]
    local need = n - got
    if #c <= need then
      out[#out + 1] = c
      got = got + #c
      table.remove(chunks, 1)
    else
      out[#out + 1] = c:sub(1, need)
      chunks[1] = c:sub(need + 1)
      got = n
    end
  end
  s._size = s._size - n
  return table.concat(out)
end

-- the position (1-based, in the buffer) where delim starts, or nil. What was
-- searched before is not searched again: a delimiter that never comes costs
-- each byte once, not once per chunk.
local function find(s, delim)
  local chunks, d = s._chunks, #delim
  local scan = s._scan
  if not scan or scan.delim ~= delim then
    scan = { delim = delim, index = 1, carry = '', at = 1 }   -- at: buffer position of chunks[index]
    s._scan = scan
  end
  if scan.index > #chunks then return nil end
  local parts = { scan.carry }
  for i = scan.index, #chunks do parts[#parts + 1] = chunks[i] end
  local text = table.concat(parts)
  local start = scan.at - #scan.carry       -- buffer position of text's first byte
  local pos = text:find(delim, 1, true)
  if pos then return start + pos - 1 end
  scan.at = start + #text
  scan.index = #chunks + 1
  scan.carry = d > 1 and text:sub(-(d - 1)) or ''
  return nil
end

-- answers the waiting reads the buffer can answer, in order; keeps the socket
-- flowing while a read waits and pauses it when nobody reads a full buffer
serve = function(s)
  local readers = s._readers
  while readers[1] do
    local r = readers[1]
    local ok, v = r.try(s)
    if ok == nil then break end
    table.remove(readers, 1)
    if ok then r.w:resolve(v) else r.w:reject(v) end
  end
  local sock = s.socket
  if not s._on or sock.destroyed then return end
  if s._paused and (readers[1] or s._size < s._hwm) then
    s._paused = false
    sock:resume()
  elseif not s._paused and not readers[1] and s._size >= s._hwm then
    s._paused = true
    sock:pause()
  end
end

local function check_self(self, what)
  if getmetatable(self) ~= AsyncSocket then
    error(errors.invalid_arg_type('self', 'an AsyncSocket (call it as s:' .. what .. '(...))', self), 3)
  end
end

-- every read: try(s) -> true, value | false, err | nil (wait for more bytes)
local function read_op(self, what, opts, try)
  check_self(self, what)
  local task = running('s:' .. what .. '()')
  local timeout, signal = check_timeout(opts)
  if signal and signal.aborted then error(require('luatls.abort').abort_error(signal), 0) end
  -- answered at once when nobody reads before us
  if not self._readers[1] then
    local ok, v = try(self)
    if ok == nil then
      local err = self:_readError()
      if err then ok, v = false, err end
    end
    if ok ~= nil then
      serve(self)
      if ok then return v end
      error(v, 0)
    end
  end
  return wait(task, what, pick(timeout, rawget(self, 'timeout')), function(w)
    local r = { w = w }
    r.try = function(s)
      local ok, v = try(s)
      if ok == nil then
        local err = s:_readError()
        if err then return false, err end
      end
      return ok, v
    end
    local readers = self._readers
    readers[#readers + 1] = r
    serve(self)
    return function()
      -- still queued: it timed out or was cancelled
      for i = #readers, 1, -1 do
        if readers[i] == r then
          table.remove(readers, i)
          serve(self)
          break
        end
      end
    end
  end, false, signal)
end

-- s:read([n][, opts]): n bytes; fewer only when the stream ended first (what
-- was left), nil when nothing is left. Without n: what has arrived, at least a byte.
function AsyncSocket:read(n, opts)
  if type(n) == 'table' then n, opts = nil, n end
  if n ~= nil then n = errors.check_number('n', n, 0, nil, { integer = true }) end
  return read_op(self, 'read', opts, function(s)
    if n == 0 then return true, '' end
    local want = n or 1
    if s._size >= want then return true, take(s, n or s._size) end
    if s._ended then
      if s._size == 0 then return true, nil end
      return true, take(s, s._size)
    end
    return nil
  end)
end

-- s:readLine([opts]): the next line without its '\n' or '\r\n'; the last line
-- may have no end of line; nil when nothing is left
function AsyncSocket:readLine(opts)
  return read_op(self, 'readLine', opts, function(s)
    local at = find(s, '\n')
    if at then
      local line = take(s, at)
      return true, line:sub(-2) == '\r\n' and line:sub(1, -3) or line:sub(1, -2)
    end
    if s._ended then
      if s._size == 0 then return true, nil end
      return true, take(s, s._size)
    end
    return nil
  end)
end

-- s:readUntil(delim[, opts]): everything up to and including delim; when the
-- stream ends first, what was left (without delim); nil when nothing is left
function AsyncSocket:readUntil(delim, opts)
  if type(delim) ~= 'string' or delim == '' then
    error(errors.invalid_arg_value('delim', delim, 'must be a non-empty string'), 2)
  end
  return read_op(self, 'readUntil', opts, function(s)
    local at = find(s, delim)
    if at then return true, take(s, at + #delim - 1) end
    if s._ended then
      if s._size == 0 then return true, nil end
      return true, take(s, s._size)
    end
    return nil
  end)
end

-- s:readAll([opts]): everything until the stream ends ('' when nothing came)
function AsyncSocket:readAll(opts)
  return read_op(self, 'readAll', opts, function(s)
    if s._ended then return true, take(s, s._size) end
    return nil
  end)
end

-- s:lines([opts]): for line in s:lines() do ... end
function AsyncSocket:lines(opts)
  return function() return self:readLine(opts) end
end

-- waits on the socket for an event (drain, finish, connect): fails with the
-- socket's error, or ERR_SOCKET_CLOSED once it has closed
local function socket_wait(self, task, what, timeout, event, signal)
  return wait(task, what, timeout, function(w)
    local err = self:_readError()
    if err then w:reject(err) return end
    local sock = self.socket
    local function on_event() w:resolve() end
    sock:on(event, on_event)
    self._waits[w] = true
    return function()
      self._waits[w] = nil
      sock:removeListener(event, on_event)
    end
  end, false, signal)
end

-- s:writeAsync(data[, opts]): writes; when the socket's queue is above its
-- high-water mark (write returned false), suspends until 'drain'
function AsyncSocket:writeAsync(data, opts)
  check_self(self, 'writeAsync')
  local task = running('s:writeAsync()')
  local timeout, signal = check_timeout(opts)
  if type(data) ~= 'string' then error(errors.invalid_arg_type('data', 'of type string', data), 2) end
  local err = self._spent or self._error
  if err then error(err, 0) end
  local sock = self.socket
  if sock.destroyed then
    error(errors.new('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'), 0)
  end
  if sock:write(data) ~= false then return true end
  socket_wait(self, task, 'writeAsync', pick(timeout, rawget(self, 'timeout')), 'drain', signal)
  return true
end

-- s:endAsync([data][, opts]): ends the writing side (TLS: close_notify) and
-- suspends until that is done ('finish')
function AsyncSocket:endAsync(data, opts)
  check_self(self, 'endAsync')
  if type(data) == 'table' then data, opts = nil, data end
  local task = running('s:endAsync()')
  local timeout, signal = check_timeout(opts)
  if data ~= nil and type(data) ~= 'string' then error(errors.invalid_arg_type('data', 'of type string', data), 2) end
  if self._spent then error(self._spent, 0) end
  local sock = self.socket
  if sock.destroyed or self._finished then
    if self._error then error(self._error, 0) end
    return
  end
  local done = false
  local function on_finish() done = true; self._finished = true end
  sock:once('finish', on_finish)
  sock:_end(data)
  if done then return end
  local ok, e = pcall(socket_wait, self, task, 'endAsync', pick(timeout, rawget(self, 'timeout')), 'finish', signal)
  sock:removeListener('finish', on_finish)
  if not ok then error(e, 0) end
end

-- async.wrap(socket[, opts]): the AsyncSocket of a connected (or connecting)
-- socket or any stream with the 'data', 'end', 'error' and 'close' events.
-- opts.timeout is the socket's default timeout (s.timeout may change it).
function M.wrap(sock, opts)
  if not is_emitter(sock) or type(sock.write) ~= 'function' then
    error(errors.invalid_arg_type('socket', 'a net.Socket, a tls.TLSSocket or a duplex stream', sock), 2)
  end
  local timeout = check_timeout(opts)
  local s = wrapper_of[sock]
  if not s then
    s = AsyncSocket(sock)
    wrapper_of[sock] = s
  end
  if timeout ~= nil then s.timeout = timeout end
  local task = M.running()
  if task then task._owned[s] = true end
  return s
end

-- waits for the socket's connect event; a connection that fails or times out
-- (or a task cancelled meanwhile) is destroyed
local function wait_connected(s, task, what, timeout, event)
  local ok, err = pcall(socket_wait, s, task, what, timeout, event)
  if not ok then
    s.socket:destroy()
    error(err, 0)
  end
  return s
end

-- (port[, host][, options]) or (options): a copy of the options, without ours
local function connect_options(port, host, opts)
  if type(port) == 'table' then port, host, opts = nil, nil, port end
  if type(host) == 'table' then host, opts = nil, host end
  local copy = {}
  if opts ~= nil then
    if type(opts) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', opts), 3) end
    for k, v in pairs(opts) do copy[k] = v end
  end
  if port ~= nil then copy.port = port end
  if host ~= nil then copy.host = host end
  local timeout = check_timeout(opts)
  copy.timeout = nil
  return copy, timeout
end

-- async.net.connect(port[, host][, opts]) / (opts): a connected AsyncSocket
M.net = {}
function M.net.connect(port, host, opts)
  local task = running('async.net.connect()')
  local options, timeout = connect_options(port, host, opts)
  local sock = require('net').connect(options)
  local s = M.wrap(sock, { timeout = timeout })
  return wait_connected(s, task, 'connect', pick(timeout, nil), 'connect')
end
M.net.createConnection = M.net.connect

-- async.tls.connect(port[, host][, opts]) / (opts): an AsyncSocket whose
-- handshake is done and whose certificate was accepted
M.tls = {}
function M.tls.connect(port, host, opts)
  local task = running('async.tls.connect()')
  local options, timeout = connect_options(port, host, opts)
  local sock = require('tls').connect(options)
  local s = M.wrap(sock, { timeout = timeout })
  return wait_connected(s, task, 'connect', pick(timeout, nil), 'secureConnect')
end

-- s:starttls([opts]): upgrades a plain connection to TLS where the protocol
-- says so (SMTP's STARTTLS, ...) and returns the new AsyncSocket, once its
-- handshake is done. A client by default; opts.isServer = true for the server
-- side (opts as for tls.TLSSocket). This AsyncSocket is spent.
function AsyncSocket:starttls(opts)
  check_self(self, 'starttls')
  local task = running('s:starttls()')
  local options, timeout = connect_options(nil, nil, opts or {})
  local err = self:_readError()
  if err then error(err, 0) end
  local raw = self.socket
  local rest = self:_detach()
  self._spent = closed_error()
  if rest ~= '' then raw:unshift(rest) end
  local tls = require('tls')
  local sock, event
  if options.isServer then
    sock, event = tls.TLSSocket(raw, options), 'secure'
  else
    options.socket = raw
    sock, event = tls.connect(options), 'secureConnect'
  end
  local inherited = timeout
  if inherited == nil then inherited = rawget(self, 'timeout') end
  local s = M.wrap(sock, { timeout = inherited })
  return wait_connected(s, task, 'starttls', pick(timeout, rawget(self, 'timeout')), event)
end

return M
