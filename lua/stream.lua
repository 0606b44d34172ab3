-- stream: Node's stream module. Readable, Writable, Duplex, Transform,
-- PassThrough, pipeline, finished, Readable.from, and readable:chunks() for
-- iteration inside a coroutine (Node's for await). Sockets are streams too.
local base = require('luatls.stream_base')
local Readable = require('luatls.readable')
local Writable = require('luatls.writable')
local errors = require('luatls.errors')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local ERR = base.ERR

local M = {}
M.Stream = base.Stream
M.Readable = Readable
M.Writable = Writable

Readable._hasReadable = true
Readable._hasWritable = false
Writable._hasReadable = false
Writable._hasWritable = true

---------------------------------------------------------------------------
-- Duplex: a Readable with Writable's methods
---------------------------------------------------------------------------

local Duplex = Readable:extend()
M.Duplex = Duplex
Duplex.__name = 'Duplex'
Duplex._hasWritable = true
Duplex.allowHalfOpen = true

local SKIP = { init = true, super = true, __index = true, __name = true, __call = true, __tostring = true }
for k, v in pairs(Writable) do
  if not SKIP[k] and Duplex[k] == nil then Duplex[k] = v end
end
Duplex.destroy = Writable.destroy
-- a duplex fed by push() from outside needs no _read (Node's raises
-- ERR_METHOD_NOT_IMPLEMENTED); the first stream.Duplex was used that way
function Duplex:_read() end

-- Duplex([options]): Readable's and Writable's options, readableObjectMode,
-- writableObjectMode, readableHighWaterMark, writableHighWaterMark,
-- allowHalfOpen (default true), readable = false, writable = false.
-- The first stream.Duplex's ways still work: _write(chunk) and _final() that
-- finish when they return, push() from anywhere.
function Duplex:init(options)
  base.Stream.init(self)
  Readable._initState(self, options, true)
  Writable._initState(self, options, true)
  base.common_options(self, options)
  if options then
    if options.allowHalfOpen == false then self.allowHalfOpen = false end
    if options.readable == false then
      self.readable, self._rEnded, self.readableEnded = false, true, true
      self._readableDisabled = true
    end
    if options.writable == false then
      self.writable, self.writableEnded, self._wEnded, self.writableFinished = false, true, true, true
      self._writableDisabled = true
    end
    if type(options.read) == 'function' then self._read = options.read end
    Writable._takeOptions(self, options)
  end
  if self._construct then
    base.construct(self, function()
      if self._needReadable then self:_maybeReadMore() end
      Writable._onConstructed(self)
    end)
  end
end

---------------------------------------------------------------------------
-- Transform and PassThrough
---------------------------------------------------------------------------

local Transform = Duplex:extend()
M.Transform = Transform
Transform.__name = 'Transform'

local function transform_final(self, cb)
  if type(self._flush) == 'function' and not self.destroyed then
    self:_flush(function(er, data)
      if er then
        if cb then cb(er) else self:destroy(er) end
        return
      end
      if data ~= nil then self:push(data) end
      self:push(nil)
      if cb then cb() end
    end)
  else
    self:push(nil)
    if cb then cb() end
  end
end
Transform._final = transform_final

-- Transform([options]): options.transform(self, chunk, encoding, cb) and
-- flush(self, cb); cb(err, data) pushes data
function Transform:init(options)
  if options then
    local r = base.hwm(options, 'readableHighWaterMark', true)
    if r == 0 then
      local o = {}
      for k, v in pairs(options) do o[k] = v end
      o.highWaterMark, o.readableHighWaterMark = nil, 0
      o.writableHighWaterMark = options.writableHighWaterMark or 0
      options = o
    end
  end
  Duplex.init(self, options)
  self._rsync = false
  if options then
    if type(options.transform) == 'function' then self._transform = options.transform end
    if type(options.flush) == 'function' then self._flush = options.flush end
  end
  self:on('prefinish', function()
    if self._final ~= transform_final then transform_final(self) end
  end)
end

function Transform:_transform()
  error(ERR('ERR_METHOD_NOT_IMPLEMENTED', 'The _transform() method is not implemented'), 0)
end

function Transform:_write(chunk, enc, callback)
  local length = self.readableLength
  self:_transform(chunk, enc, function(err, val)
    if err then
      callback(err)
      return
    end
    if val ~= nil then self:push(val) end
    if self._rEnded then
      nextTick(callback)
    elseif self._wEnded or length == self.readableLength or
      self.readableLength < self.readableHighWaterMark then
      callback()
    else
      self._tcallback = callback
    end
  end)
end

function Transform:_read()
  local cb = self._tcallback
  if cb then
    self._tcallback = nil
    cb()
  end
end

local PassThrough = Transform:extend()
M.PassThrough = PassThrough
PassThrough.__name = 'PassThrough'
function PassThrough:_transform(chunk, _, cb) cb(nil, chunk) end

---------------------------------------------------------------------------
-- what a value is (Node's internal/streams/utils.js)
---------------------------------------------------------------------------

local function is_readable_stream(s, strict)
  return type(s) == 'table' and type(s.pipe) == 'function' and type(s.on) == 'function'
    and (not strict or (type(s.pause) == 'function' and type(s.resume) == 'function'))
    and (not s._hasWritable or (s._hasReadable == true and not s._readableDisabled))
end

local function is_writable_stream(s)
  return type(s) == 'table' and type(s.write) == 'function' and type(s.on) == 'function'
    and (not s._hasReadable or not s._writableDisabled)
end

local function is_node_stream(s)
  return type(s) == 'table' and (s._hasReadable or s._hasWritable or
    (type(s.on) == 'function' and (type(s.write) == 'function' or type(s.pipe) == 'function'))) and true or false
end
M._isNodeStream = is_node_stream

local function is_destroyed(s)
  return s.destroyed == true
end

local function is_writable_ended(s)
  if not is_writable_stream(s) then return nil end
  if s.writableEnded == true then return true end
  if not s._hasWritable then return nil end
  if s.errored ~= nil then return false end
  return s._wEnded == true
end

local function is_writable_finished(s, strict)
  if not is_writable_stream(s) then return nil end
  if s.writableFinished == true then return true end
  if not s._hasWritable then return nil end
  if s.errored ~= nil then return false end
  return strict == false and s._wEnded == true and s.writableLength == 0
end

local function is_readable_finished(s, strict)
  if not is_readable_stream(s) then return nil end
  if not s._hasReadable then return nil end
  if s.errored ~= nil then return false end
  return s.readableEnded == true or (strict == false and s._rEnded == true and s.readableLength == 0)
end

local function is_readable(s)
  if type(s.readable) ~= 'boolean' then return nil end
  if is_destroyed(s) then return false end
  return is_readable_stream(s) and s.readable and not is_readable_finished(s)
end

local function is_writable(s)
  if type(s.writable) ~= 'boolean' then return nil end
  if is_destroyed(s) then return false end
  return is_writable_stream(s) and s.writable and not is_writable_ended(s)
end

local function is_finished(s, opts)
  if is_destroyed(s) then return true end
  if not (opts and opts.readable == false) and is_readable(s) then return false end
  if not (opts and opts.writable == false) and is_writable(s) then return false end
  return true
end

local function is_closed(s)
  if type(s.closed) == 'boolean' then return s.closed end
  return nil
end

local function will_emit_close(s)
  return (s._hasReadable or s._hasWritable) and s._autoDestroy and s._emitClose and s.closed == false
    and true or false
end

local function premature_close()
  return ERR('ERR_STREAM_PREMATURE_CLOSE', 'Premature close')
end

local function abort_error()
  return errors.new('ABORT_ERR', 'The operation was aborted', nil, 'AbortError')
end
M._abortError = abort_error

local function nop() end

local function once(fn)
  local called = false
  return function(...)
    if called then return end
    called = true
    return fn(...)
  end
end

---------------------------------------------------------------------------
-- finished (Node's end-of-stream)
---------------------------------------------------------------------------

-- finished(stream[, options], callback) -> cleanup: callback(err) once the
-- stream has ended, finished or closed, or failed; err is nil when it
-- completed, ERR_STREAM_PREMATURE_CLOSE when it closed first. options:
-- readable = false, writable = false (what to wait for), error = false (do
-- not take 'error'). cleanup() removes the listeners.
function M.finished(stream, options, callback)
  if callback == nil and type(options) == 'function' then options, callback = nil, options end
  options = options or {}
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 2) end
  errors.check('callback', callback, 'function')
  if not is_node_stream(stream) then
    error(errors.invalid_arg_type('stream', 'a stream', stream), 2)
  end
  local cb = once(callback)
  local readable = options.readable
  if readable == nil then readable = is_readable_stream(stream) end
  local writable = options.writable
  if writable == nil then writable = is_writable_stream(stream) end

  local willEmitClose = will_emit_close(stream) and is_readable_stream(stream) == readable and
    is_writable_stream(stream) == writable
  local writableFinished = is_writable_finished(stream, false)
  local readableFinished = is_readable_finished(stream, false)

  local function onfinish()
    writableFinished = true
    if stream.destroyed then willEmitClose = false end
    if willEmitClose and (not stream.readable or readable) then return end
    if not readable or readableFinished then cb() end
  end
  local function onend()
    readableFinished = true
    if stream.destroyed then willEmitClose = false end
    if willEmitClose and (not stream.writable or writable) then return end
    if not writable or writableFinished then cb() end
  end
  local function onerror(err) cb(err) end
  local closed = is_closed(stream)
  local function onclose()
    closed = true
    local errored = stream.errored
    if errored ~= nil and type(errored) ~= 'boolean' then return cb(errored) end
    if readable and not readableFinished and is_readable_stream(stream, true) then
      if not is_readable_finished(stream, false) then return cb(premature_close()) end
    end
    if writable and not writableFinished then
      if not is_writable_finished(stream, false) then return cb(premature_close()) end
    end
    cb()
  end
  local function onclosed()
    closed = true
    local errored = stream.errored
    if errored ~= nil and type(errored) ~= 'boolean' then return cb(errored) end
    cb()
  end
  local function onlegacyfinish()
    if not stream.writable then onfinish() end
  end

  local legacy = writable and not stream._hasWritable
  if legacy then
    stream:on('end', onlegacyfinish)
    stream:on('close', onlegacyfinish)
  end
  stream:on('end', onend)
  stream:on('finish', onfinish)
  if options.error ~= false then stream:on('error', onerror) end
  stream:on('close', onclose)

  if closed then
    nextTick(onclose)
  elseif stream._errorEmitted then
    if not willEmitClose then nextTick(onclosed) end
  elseif not readable and (not willEmitClose or is_readable(stream)) and
    (writableFinished or is_writable(stream) == false) and
    (not stream._hasWritable or stream._pendingcb == nil or stream._pendingcb == 0) then
    nextTick(onclosed)
  elseif not writable and (not willEmitClose or is_writable(stream)) and
    (readableFinished or is_readable(stream) == false) then
    nextTick(onclosed)
  end

  return function()
    cb = nop
    if legacy then
      stream:removeListener('end', onlegacyfinish)
      stream:removeListener('close', onlegacyfinish)
    end
    stream:removeListener('finish', onfinish)
    stream:removeListener('end', onend)
    stream:removeListener('error', onerror)
    stream:removeListener('close', onclose)
  end
end
local finished = M.finished

-- destroys what pipeline or an iteration leaves behind (destroyImpl.destroyer)
local function destroyer(stream, err)
  if not stream or is_destroyed(stream) then return end
  if not err and not is_finished(stream) then err = abort_error() end
  if type(stream.destroy) == 'function' then
    stream:destroy(err)
  elseif type(stream.close) == 'function' then
    stream:close()
  elseif err then
    nextTick(function()
      stream:emit('error', err)
      nextTick(function() stream:emit('close') end)
    end)
  else
    nextTick(function() stream:emit('close') end)
  end
end

---------------------------------------------------------------------------
-- iteration: for chunk in readable:chunks() do ... end, inside a coroutine
---------------------------------------------------------------------------

-- the event a task of luatls.async waits for in chunks(), on an emitter of its own
local WAKE = 'wake'

-- Node's `for await (const chunk of readable)`. Each step returns what read()
-- returns; when nothing is buffered the running coroutine yields and is
-- resumed when data, the end or an error comes (the loop goes on meanwhile).
-- The loop ends after the last chunk; an 'error' is raised from the loop.
-- Leaving the loop early (break, return, an error in its body) destroys the
-- stream, as in Node, unless options.destroyOnReturn is false. Inside a task
-- of luatls.async the task waits through async, with its timeout and cancel().

function Readable:chunks(options)
  local co = coroutine.running()
  if not coroutine.isyieldable() then
    error(ERR('ERR_INVALID_STATE', 'chunks() waits by yielding: call it inside a coroutine', 'Error'), 2)
  end
  local stream = self
  local waiting, wakePending, done = false, false, false
  local waker   -- inside a luatls.async task: the emitter its wait listens to
  local state   -- nil: going on; false: ended; an error object: failed

  local function do_wake()
    wakePending = false
    if not waiting then return end
    if waker then
      waiting = false
      waker:emit(WAKE)
      return
    end
    if coroutine.status(co) ~= 'suspended' then return end
    waiting = false
    local ok, e = coroutine.resume(co)
    if not ok then
      if type(e) == 'table' then
        if e.stack == nil then e.stack = debug.traceback(co) end
      else
        e = debug.traceback(co, tostring(e))
      end
      error(e, 0)
    end
  end
  local function wake()
    if waiting and not wakePending then
      wakePending = true
      nextTick(do_wake)
    end
  end
  stream:on('readable', wake)
  local cleanup = finished(stream, { writable = false }, function(err)
    state = err or false
    wake()
  end)

  local function close(_, err)
    if done then return end
    done = true
    local failed = type(state) == 'table' or err ~= nil
    if (failed or not (options and options.destroyOnReturn == false)) and
      (state == nil or stream._autoDestroy) then
      destroyer(stream, nil)
    else
      stream:removeListener('readable', wake)
      cleanup()
    end
  end

  -- a task of luatls.async suspends only through it (its timeout, cancel() and
  -- signal then apply); any other coroutine yields
  local function suspend()
    co = coroutine.running()
    local async = package.loaded['luatls.async']
    waiting = true
    if async and async.running() then
      waker = waker or base.Stream()
      local ok, e = pcall(async.once, waker, WAKE)
      waiting = false
      if not ok then error(e, 0) end
    else
      waker = nil
      coroutine.yield()
      waiting = false
    end
  end

  local function iter()
    while not done do
      local chunk
      if not stream.destroyed then chunk = stream:read() end
      if chunk ~= nil then return chunk end
      if state then error(state, 0) end
      if state == false then return nil end
      suspend()
    end
    return nil
  end
  return iter, nil, nil, setmetatable({}, { __close = close })
end

---------------------------------------------------------------------------
-- Readable.from
---------------------------------------------------------------------------

-- Readable.from(iterable[, options]): a readable stream of the values of a
-- sequence (a table), of an iterator function (called until it returns nil),
-- or of one string. Object mode unless options say otherwise. The iterator
-- runs in a coroutine of its own, so it may wait as an async generator does
-- (for chunk in other:chunks() do ... end inside it).
function Readable.from(iterable, opts)
  local function options(extra)
    local o = {}
    for k, v in pairs(extra) do o[k] = v end
    for k, v in pairs(opts or {}) do o[k] = v end
    return o
  end
  if type(iterable) == 'string' then
    local o = options({ objectMode = true })
    o.read = function(self)
      self:push(iterable)
      self:push(nil)
    end
    return Readable(o)
  end
  local next_value
  if type(iterable) == 'function' then
    next_value = iterable
  elseif type(iterable) == 'table' and not is_node_stream(iterable) then
    local i = 0
    next_value = function()
      i = i + 1
      return iterable[i]
    end
  else
    error(errors.invalid_arg_type('iterable', 'a table or an iterator function', iterable), 2)
  end
  local readable = Readable(options({ objectMode = true, highWaterMark = 1 }))
  local co, reading, parked = nil, false, false
  local function body()
    while true do
      local ok, v = pcall(next_value)
      if not ok then
        reading = false
        readable:destroy(errors.from(v))
        return
      end
      if v == nil then
        readable:push(nil)
        return
      end
      if not readable:push(v) then
        reading = false
        parked = true
        coroutine.yield()
      end
    end
  end
  readable._read = function()
    if reading then return end
    reading = true
    if not co then
      co = coroutine.create(body)
    elseif not parked then
      return   -- the iterator waits for something of its own, which resumes it
    end
    parked = false
    local ok, e = coroutine.resume(co)
    if not ok then readable:destroy(errors.from(e)) end
  end
  readable._destroy = function(_, err, cb)
    -- an iterator waiting for more is closed, as Node returns a generator
    if co and coroutine.status(co) == 'suspended' then coroutine.close(co) end
    cb(err)
  end
  return readable
end

---------------------------------------------------------------------------
-- pipeline
---------------------------------------------------------------------------

local function pipe(src, dst, finish)
  local ended = false
  dst:on('close', function()
    if not ended then finish(premature_close()) end
  end)
  src:pipe(dst, { ['end'] = false })
  local function endFn()
    ended = true
    base.end_of(dst)(dst)
  end
  if is_readable_finished(src) then nextTick(endFn) else src:once('end', endFn) end
  finished(src, { readable = true, writable = false }, function(err)
    if err and err.code == 'ERR_STREAM_PREMATURE_CLOSE' and src._rEnded and src.errored == nil and
      not src._errorEmitted then
      src:once('end', finish)
      src:once('error', finish)
    else
      finish(err)
    end
  end)
  return finished(dst, { readable = false, writable = true }, finish)
end

local function pipeline_destroyer(stream, reading, writing)
  local done = false
  stream:on('close', function() done = true end)
  local cleanup = finished(stream, { readable = reading, writable = writing }, function(err)
    done = not err
  end)
  return function(err)
    if done then return end
    done = true
    destroyer(stream, err or base.ERR_DESTROYED('pipe'))
  end, cleanup
end

-- pipeline(source, ...transforms, destination, callback) -> destination.
-- Pipes each stream into the next with backpressure; callback(err) once, when
-- the destination has finished or with the first error, and then every
-- stream still open is destroyed. The source may also be a table or an
-- iterator function (Readable.from). pipeline({ streams }, callback) too.
function M.pipeline(...)
  local streams = table.pack(...)
  local callback = streams[streams.n]
  if type(callback) ~= 'function' then
    error(errors.invalid_arg_type('streams[stream.length - 1]', 'of type function', callback), 2)
  end
  streams[streams.n] = nil
  streams.n = streams.n - 1
  if streams.n == 1 and type(streams[1]) == 'table' and not is_node_stream(streams[1]) then
    local list = streams[1]
    streams = table.pack(table.unpack(list))
  end
  if streams.n < 2 then
    error(ERR('ERR_MISSING_ARGS', 'The "streams" argument must be specified', 'TypeError'), 2)
  end
  if not is_node_stream(streams[1]) then streams[1] = Readable.from(streams[1]) end
  for i = 2, streams.n do
    if not is_node_stream(streams[i]) then
      error(errors.invalid_arg_type('streams[' .. (i - 1) .. ']', 'a stream', streams[i]), 2)
    end
  end
  callback = once(callback)

  local err_, destroys, lastCleanup, finishCount = nil, {}, {}, 0
  local function finishImpl(err, final)
    if err and (not err_ or err_.code == 'ERR_STREAM_PREMATURE_CLOSE') then err_ = err end
    if not err_ and not final then return end
    while #destroys > 0 do table.remove(destroys, 1)(err_) end
    if final then
      if not err_ then for _, fn in ipairs(lastCleanup) do fn() end end
      nextTick(callback, err_)
    end
  end
  local function finish(err)
    finishCount = finishCount - 1
    finishImpl(err, finishCount == 0)
  end

  local ret
  for i = 1, streams.n do
    local stream = streams[i]
    local reading, writing = i < streams.n, i > 1
    local last = i == streams.n
    local destroy, cleanup = pipeline_destroyer(stream, reading, writing)
    destroys[#destroys + 1] = destroy
    if is_readable(stream) and last then lastCleanup[#lastCleanup + 1] = cleanup end
    local function onError(err)
      if err and err.name ~= 'AbortError' and err.code ~= 'ERR_STREAM_PREMATURE_CLOSE' then finish(err) end
    end
    stream:on('error', onError)
    if is_readable(stream) and last then
      lastCleanup[#lastCleanup + 1] = function() stream:removeListener('error', onError) end
    end
    if i == 1 then
      if not is_readable_stream(stream) then
        error(errors.invalid_arg_type('source', 'a readable stream', stream), 2)
      end
    else
      if not is_readable_stream(ret) then
        error(errors.invalid_arg_type('streams[' .. (i - 2) .. ']', 'a readable stream', ret), 2)
      end
      finishCount = finishCount + 2
      local c = pipe(ret, stream, finish)
      if is_readable(stream) and last then lastCleanup[#lastCleanup + 1] = c end
    end
    ret = stream
  end
  return ret
end

M._destroyer = destroyer
-- Node's stream.isReadable(stream), stream.isErrored(stream)
M.isReadable = function(s) return is_readable(s) == true end
M.isErrored = function(s) return type(s) == 'table' and (s.errored ~= nil or s._errorEmitted == true) end

return M
