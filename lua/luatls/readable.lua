-- stream.Readable: Node's internal/streams/readable.js in Lua.
--
-- Strings are Node's Buffers: push(chunk) without an encoding adds bytes (run
-- through the decoder when setEncoding was called); push(text, enc) adds text
-- in enc, converted as Node converts a string pushed with an encoding.
local base = require('luatls.stream_base')
local encoding = require('luatls.encoding')
local errors = require('luatls.errors')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local Stream = base.Stream
local error_or_destroy = base.error_or_destroy

local Readable = Stream:extend()
Readable.__name = 'Readable'
-- found one class sooner by sockets, which emit for every chunk
Readable.emit = require('events').emit

-- defaults (Node 20's); an instance holds what differs
Readable.readable = true
Readable.readableLength = 0           -- bytes (objects in object mode) buffered
Readable.readableHighWaterMark = 16384
Readable.readableObjectMode = false
Readable.readableEnded = false        -- 'end' was emitted
Readable.readableDidRead = false
-- readableFlowing: nil (no mode chosen yet), true, false
-- readableEncoding: nil or the encoding setEncoding chose
Readable._rEnded = false              -- push(nil) was seen
Readable._reading = false             -- a _read() is waiting for its push()
Readable._rsync = true                -- inside _read(): push() must not emit at once
Readable._needReadable = false
Readable._emittedReadable = false
Readable._readableListening = false
Readable._resumeScheduled = false
Readable._readingMore = false
Readable._dataListening = false
Readable._multiAwaitDrain = false
Readable._decoder = false             -- the StringDecoder of setEncoding
Readable._awaitDrain = false          -- the pipe destination(s) waited for
-- _paused: nil (pause()/resume() never called), true, false
-- _rb: the buffer, { h = first, t = last, [h..t] = chunks }
-- _pipes: destinations of pipe()

local function init_state(self, options, isDuplex)
  if not options then return end
  if options.objectMode or (isDuplex and options.readableObjectMode) then
    self.readableObjectMode = true
    self.readableHighWaterMark = 16
  end
  local hwm = base.hwm(options, 'readableHighWaterMark', isDuplex)
  if hwm then self.readableHighWaterMark = hwm end
  if options.encoding then
    self._decoder = encoding.StringDecoder(options.encoding)
    self.readableEncoding = self._decoder.encoding
  end
  if options.defaultEncoding ~= nil then encoding.check(options.defaultEncoding, 3) end
end
Readable._initState = init_state

-- Readable([options]): options.read(self, size), destroy(self, err, cb),
-- construct(self, cb), highWaterMark, objectMode, encoding, emitClose, autoDestroy
function Readable:init(options)
  Stream.init(self)
  init_state(self, options, false)
  base.common_options(self, options)
  if options and type(options.read) == 'function' then self._read = options.read end
  if self._construct then
    base.construct(self, function()
      if self._needReadable then self:_maybeReadMore() end
    end)
  end
end

---------------------------------------------------------------------------
-- the buffer
---------------------------------------------------------------------------

local function buf_push(self, chunk, front)
  local b = self._rb
  if not b then
    b = { h = 1, t = 0 }
    self._rb = b
  end
  if front then
    b.h = b.h - 1
    b[b.h] = chunk
  else
    b.t = b.t + 1
    b[b.t] = chunk
  end
end

-- the index after a cut at n bytes that does not split a UTF-8 character
local function text_cut(s, n)
  local len = #s
  while n < len do
    local b = s:byte(n + 1)
    if b < 0x80 or b >= 0xC0 then break end
    n = n + 1
  end
  return n
end

-- takes n bytes (nil: everything; objects: one) out of the buffer
local function from_list(self, n)
  local b = self._rb
  if not b or self.readableLength == 0 then return nil end
  local ret
  if self.readableObjectMode then
    ret = b[b.h]
    b[b.h] = nil
    b.h = b.h + 1
  elseif n == nil or n >= self.readableLength then
    if b.t == b.h then ret = b[b.h] else ret = table.concat(b, '', b.h, b.t) end
    self._rb = nil
    return ret
  else
    local text = self._decoder and true or false
    local parts, got = {}, 0
    while got < n do
      local c = b[b.h]
      local want = n - got
      if #c > want then
        local cut = text and text_cut(c, want) or want
        if cut >= #c then
          parts[#parts + 1] = c
          b[b.h] = nil
          b.h = b.h + 1
        else
          parts[#parts + 1] = c:sub(1, cut)
          b[b.h] = c:sub(cut + 1)
        end
        break
      end
      parts[#parts + 1] = c
      got = got + #c
      b[b.h] = nil
      b.h = b.h + 1
    end
    ret = #parts == 1 and parts[1] or table.concat(parts)
  end
  if b.h > b.t then self._rb = nil end
  return ret
end

-- everything buffered as one string of bytes, and the buffer emptied (a
-- TLSSocket taking over a socket reads it first)
function Readable:_takeBuffered()
  local b = self._rb
  if not b then return nil end
  self._rb = nil
  self.readableLength = 0
  if self.readableObjectMode then return nil end
  return table.concat(b, '', b.h, b.t)
end

---------------------------------------------------------------------------
-- push
---------------------------------------------------------------------------

local emit_readable, maybe_read_more, on_eof_chunk, flow

local function can_push_more(self)
  return not self._rEnded and
    (self.readableLength < self.readableHighWaterMark or self.readableLength == 0)
end

local function add_chunk(self, chunk, front)
  if self.readableFlowing and self.readableLength == 0 and not self._rsync and self._dataListening then
    if self._multiAwaitDrain then
      for k in pairs(self._awaitDrain) do self._awaitDrain[k] = nil end
    else
      self._awaitDrain = nil
    end
    self.readableDidRead = true
    self:emit('data', chunk)
  else
    self.readableLength = self.readableLength + (self.readableObjectMode and 1 or #chunk)
    buf_push(self, chunk, front)
    if self._needReadable then emit_readable(self) end
  end
  maybe_read_more(self)
end

local function invalid_chunk(self, chunk)
  error_or_destroy(self, errors.invalid_arg_type('chunk', 'of type string', chunk))
  return false
end

-- keep: the caller's _read goes on (a socket whose handle keeps reading)
local function push_bytes(self, chunk, enc, keep)
  if chunk == nil then
    self._reading = false
    on_eof_chunk(self)
    return false
  end
  if type(chunk) ~= 'string' then return invalid_chunk(self, chunk) end
  if enc ~= nil and enc ~= 'buffer' then
    enc = encoding.check(enc, 3)
    if enc ~= self.readableEncoding then
      chunk, enc = encoding.encode(chunk, enc), nil
    end
  else
    enc = nil
  end
  if #chunk == 0 then
    if not keep then self._reading = false end
    maybe_read_more(self)
    return can_push_more(self)
  end
  if self._rEnded then
    error_or_destroy(self, base.ERR('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF'))
    return false
  end
  if self.destroyed or self.errored then return false end
  if not keep then self._reading = false end
  if self._decoder and enc == nil then
    chunk = self._decoder:write(chunk)
    if #chunk == 0 then
      maybe_read_more(self)
      return can_push_more(self)
    end
  end
  add_chunk(self, chunk, false)
  return can_push_more(self)
end
Readable._pushBytes = push_bytes

local function push_object(self, chunk)
  if chunk == nil then
    self._reading = false
    on_eof_chunk(self)
    return false
  end
  if self._rEnded then
    error_or_destroy(self, base.ERR('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF'))
    return false
  end
  if self.destroyed or self.errored then return false end
  self._reading = false
  if self._decoder and type(chunk) == 'string' then chunk = self._decoder:write(chunk) end
  add_chunk(self, chunk, false)
  return can_push_more(self)
end

-- push(chunk[, encoding]) -> false once the buffer holds highWaterMark or
-- more; push(nil) ends the stream
function Readable:push(chunk, enc)
  if self.readableObjectMode then return push_object(self, chunk) end
  return push_bytes(self, chunk, enc, false)
end

-- unshift(chunk[, encoding]): puts chunk back in front of what is to be read
function Readable:unshift(chunk, enc)
  if chunk == nil then return can_push_more(self) end   -- nothing to put back
  if not self.readableObjectMode then
    if type(chunk) ~= 'string' then return invalid_chunk(self, chunk) end
    if enc ~= nil and enc ~= 'buffer' then
      enc = encoding.check(enc, 2)
      if enc ~= self.readableEncoding then
        chunk = encoding.encode(chunk, enc)
        if self.readableEncoding then chunk = encoding.decode(chunk, self.readableEncoding) end
      end
    elseif self.readableEncoding then
      chunk = encoding.decode(chunk, self.readableEncoding)
    end
    if #chunk == 0 then return can_push_more(self) end
  end
  if self.readableEnded then
    error_or_destroy(self, base.ERR('ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'stream.unshift() after end event'))
  elseif self.destroyed or self.errored then
    return false
  else
    add_chunk(self, chunk, true)
  end
  return can_push_more(self)
end

function Readable:isPaused()
  return self._paused == true or self.readableFlowing == false
end

-- setEncoding(enc): 'data' and read() give text decoded with Node's
-- StringDecoder: a character is never split across two chunks
function Readable:setEncoding(enc)
  local decoder = encoding.StringDecoder(enc)
  self._decoder = decoder
  self.readableEncoding = decoder.encoding
  local b = self._rb
  if b and not self.readableObjectMode then
    local content = decoder:write(table.concat(b, '', b.h, b.t))
    self._rb = nil
    self.readableLength = #content
    if #content > 0 then buf_push(self, content) end
  end
  return self
end

---------------------------------------------------------------------------
-- read
---------------------------------------------------------------------------

local MAX_HWM = 0x40000000

local function new_hwm(n)
  if n > MAX_HWM then error(errors.out_of_range('size', '<= 1GiB', n), 3) end
  local p = 1
  while p < n do p = p * 2 end
  return p
end

local function how_much_to_read(self, n)
  local len = self.readableLength
  if (n ~= nil and n <= 0) or (len == 0 and self._rEnded) then return 0 end
  if self.readableObjectMode then return 1 end
  if n == nil then
    if self.readableFlowing and len > 0 then
      local b = self._rb
      return #b[b.h]
    end
    return len
  end
  if n <= len then return n end
  return self._rEnded and len or 0
end

local end_readable

-- read([n]) -> n bytes (all that is buffered when n is nil), or nil when
-- fewer than n are buffered and the stream has not ended
function Readable:read(n)
  if n ~= nil then
    local v = tonumber(n)
    n = v and v == v and math.floor(v) or nil
  end
  local nOrig = n
  if n ~= nil and n > self.readableHighWaterMark then
    self.readableHighWaterMark = new_hwm(n)
  end
  if n ~= 0 then self._emittedReadable = false end
  if n == 0 and self._needReadable and
    ((self.readableHighWaterMark ~= 0 and self.readableLength >= self.readableHighWaterMark or
      self.readableHighWaterMark == 0 and self.readableLength > 0) or self._rEnded) then
    if self.readableLength == 0 and self._rEnded then end_readable(self) else emit_readable(self) end
    return nil
  end
  n = how_much_to_read(self, n)
  if n == 0 and self._rEnded then
    if self.readableLength == 0 then end_readable(self) end
    return nil
  end
  local doRead = self._needReadable
  if self.readableLength == 0 or self.readableLength - n < self.readableHighWaterMark then
    doRead = true
  end
  local busy = self._reading or self._rEnded or self.destroyed or self.errored or not self._constructed
  if doRead and not busy then
    self._reading = true
    self._rsync = true
    if self.readableLength == 0 then self._needReadable = true end
    local ok, err = pcall(self._read, self, self.readableHighWaterMark)
    if not ok then error_or_destroy(self, errors.from(err)) end
    self._rsync = false
    if not self._reading then n = how_much_to_read(self, nOrig) end
  end
  local ret
  if n > 0 then ret = from_list(self, n) end
  if ret == nil then
    if self.readableLength <= self.readableHighWaterMark then self._needReadable = true end
    n = 0
  else
    self.readableLength = self.readableLength - (self.readableObjectMode and 1 or #ret)
    if self._multiAwaitDrain then
      for k in pairs(self._awaitDrain) do self._awaitDrain[k] = nil end
    else
      self._awaitDrain = nil
    end
  end
  if self.readableLength == 0 then
    if not self._rEnded then self._needReadable = true end
    if nOrig ~= n and self._rEnded then end_readable(self) end
  end
  if ret ~= nil and not self._errorEmitted and not self._closeEmitted then
    self.readableDidRead = true
    self:emit('data', ret)
  end
  return ret
end

on_eof_chunk = function(self)
  if self._rEnded then return end
  local decoder = self._decoder
  if decoder then
    local chunk = decoder:end_()
    if chunk and #chunk > 0 then
      buf_push(self, chunk)
      self.readableLength = self.readableLength + (self.readableObjectMode and 1 or #chunk)
    end
  end
  self._rEnded = true
  if self._rsync then
    emit_readable(self)
  else
    self._needReadable = false
    self._emittedReadable = true
    Readable._emitReadableNow(self)
  end
end

local function emit_readable_now(self)
  if not self.destroyed and not self.errored and (self.readableLength > 0 or self._rEnded) then
    self:emit('readable')
    self._emittedReadable = false
  end
  if not self.readableFlowing and not self._rEnded and self.readableLength <= self.readableHighWaterMark then
    self._needReadable = true
  end
  flow(self)
end
Readable._emitReadableNow = emit_readable_now

emit_readable = function(self)
  self._needReadable = false
  if not self._emittedReadable then
    self._emittedReadable = true
    nextTick(emit_readable_now, self)
  end
end

local function maybe_read_more_now(self)
  while not self._reading and not self._rEnded and
    (self.readableLength < self.readableHighWaterMark or (self.readableFlowing and self.readableLength == 0)) do
    local len = self.readableLength
    self:read(0)
    if len == self.readableLength then break end
  end
  self._readingMore = false
end

-- a _read() that is still waiting for its push() will call this again
maybe_read_more = function(self)
  if not self._readingMore and self._constructed and not self._reading then
    self._readingMore = true
    nextTick(maybe_read_more_now, self)
  end
end
function Readable:_maybeReadMore() maybe_read_more(self) end

function Readable:_read()
  error(base.ERR('ERR_METHOD_NOT_IMPLEMENTED', 'The _read() method is not implemented'), 0)
end

---------------------------------------------------------------------------
-- end
---------------------------------------------------------------------------

local function end_writable_nt(self)
  if self.writable and not self.writableEnded and not self.destroyed then
    base.end_of(self)(self)
  end
end

local function end_readable_nt(self)
  if self.errored or self._closeEmitted or self.readableEnded or self.readableLength ~= 0 then return end
  self.readableEnded = true
  self.readable = false
  if self._updateState then self:_updateState() end
  self:emit('end')
  if self._onEndEmitted then return self:_onEndEmitted() end
  if self.writable and self.allowHalfOpen == false then
    nextTick(end_writable_nt, self)
  elseif self._autoDestroy then
    if not self._hasWritable or self.writableFinished then self:destroy() end
  end
end

end_readable = function(self)
  if not self.readableEnded then
    self._rEnded = true
    nextTick(end_readable_nt, self)
  end
end

---------------------------------------------------------------------------
-- flowing and paused modes
---------------------------------------------------------------------------

flow = function(self)
  while self.readableFlowing and self:read() ~= nil do end
end

local function resume_now(self)
  if not self._reading then self:read(0) end
  self._resumeScheduled = false
  self:emit('resume')
  flow(self)
  if self.readableFlowing and not self._reading then self:read(0) end
end

-- resume(): flowing mode, 'data' for every chunk
function Readable:resume()
  if not self.readableFlowing then
    self.readableFlowing = not self._readableListening
    if not self._resumeScheduled then
      self._resumeScheduled = true
      nextTick(resume_now, self)
    end
  end
  self._paused = false
  return self
end

-- pause(): no more 'data' until resume(); what arrives is buffered
function Readable:pause()
  if self.readableFlowing ~= false then
    self.readableFlowing = false
    self:emit('pause')
  end
  self._paused = true
  return self
end

local function n_reading_next_tick(self) self:read(0) end

-- the first 'data' listener starts the flow; a 'readable' listener stops it
function Readable:_onListener(name)
  if name == 'data' then
    self._dataListening = true
    if self:listenerCount('readable') > 0 then self._readableListening = true end
    if self.readableFlowing ~= false then self:resume() end
  elseif name == 'readable' then
    if not self.readableEnded and not self._readableListening then
      self._readableListening = true
      self._needReadable = true
      self.readableFlowing = false
      self._emittedReadable = false
      if self.readableLength > 0 then
        emit_readable(self)
      elseif not self._reading then
        nextTick(n_reading_next_tick, self)
      end
    end
  end
end

local function update_readable_listening(self)
  self._readableListening = self:listenerCount('readable') > 0
  if self._paused == false and self._resumeScheduled then
    self.readableFlowing = true
  elseif self._dataListening then
    self:resume()
  elseif not self._readableListening then
    self.readableFlowing = nil
  end
end

local EE = require('events')

function Readable:removeListener(name, fn)
  local res = EE.removeListener(self, name, fn)
  if name == 'readable' then
    nextTick(update_readable_listening, self)
  elseif name == 'data' and self:listenerCount('data') == 0 then
    self._dataListening = false
  end
  return res
end
Readable.off = Readable.removeListener

function Readable:removeAllListeners(name)
  local res = EE.removeAllListeners(self, name)
  if name == 'readable' or name == nil then nextTick(update_readable_listening, self) end
  if name == 'data' or name == nil then self._dataListening = false end
  return res
end

---------------------------------------------------------------------------
-- pipe
---------------------------------------------------------------------------

local function prepend(emitter, name, fn)
  if emitter.prependListener then return emitter:prependListener(name, fn) end
  return emitter:on(name, fn)
end

local function pipe_on_drain(src, dest)
  return function()
    if src._awaitDrain == dest then
      src._awaitDrain = nil
    elseif src._multiAwaitDrain then
      src._awaitDrain[dest] = nil
    end
    if (not src._awaitDrain or (src._multiAwaitDrain and next(src._awaitDrain) == nil)) and
      src._dataListening then
      src:resume()
    end
  end
end

local function index_of(list, v)
  for i = 1, #list do if list[i] == v then return i end end
  return nil
end

-- pipe(dest[, { ['end'] = false }]) -> dest: every chunk is written to dest;
-- while dest:write returns false the source waits for dest's 'drain'; dest
-- is ended when the source ends (unless told not to)
function Readable:pipe(dest, opts)
  local src = self
  local pipes = self._pipes
  if not pipes or pipes.dest then   -- the legacy form's record is replaced
    pipes = {}
    self._pipes = pipes
  end
  if #pipes == 1 and not self._multiAwaitDrain then
    self._multiAwaitDrain = true
    local set = {}
    if self._awaitDrain then set[self._awaitDrain] = true end
    self._awaitDrain = set
  end
  pipes[#pipes + 1] = dest
  local doEnd = not opts or opts['end'] ~= false

  local ondrain, cleanedUp = nil, false
  local ondata, onerror, onclose, onfinish, onunpipe, onend, unpipe, cleanup

  onend = function() base.end_of(dest)(dest) end
  unpipe = function() src:unpipe(dest) end
  local endFn = doEnd and onend or unpipe
  if self.readableEnded then nextTick(endFn) else src:once('end', endFn) end

  onunpipe = function(readable, info)
    if readable == src and info and info.hasUnpiped == false then
      info.hasUnpiped = true
      cleanup()
    end
  end
  dest:on('unpipe', onunpipe)

  cleanup = function()
    dest:removeListener('close', onclose)
    dest:removeListener('finish', onfinish)
    if ondrain then dest:removeListener('drain', ondrain) end
    dest:removeListener('error', onerror)
    dest:removeListener('unpipe', onunpipe)
    src:removeListener('end', onend)
    src:removeListener('end', unpipe)
    src:removeListener('data', ondata)
    cleanedUp = true
    if ondrain and src._awaitDrain and (dest.writableNeedDrain == nil or dest.writableNeedDrain) then
      ondrain()
    end
  end

  local function pause()
    if not cleanedUp then
      local p = src._pipes or {}
      if #p == 1 and p[1] == dest then
        src._awaitDrain = dest
        src._multiAwaitDrain = false
      elseif #p > 1 and index_of(p, dest) then
        src._awaitDrain[dest] = true
      end
      src:pause()
    end
    if not ondrain then
      ondrain = pipe_on_drain(src, dest)
      dest:on('drain', ondrain)
    end
  end

  ondata = function(chunk)
    if dest:write(chunk) == false then pause() end
  end
  src:on('data', ondata)

  onerror = function(er)
    unpipe()
    dest:removeListener('error', onerror)
    if dest:listenerCount('error') == 0 then
      if dest._errorEmitted == false and (dest.readableLength ~= nil or dest.writableLength ~= nil) then
        error_or_destroy(dest, er)
      else
        dest:emit('error', er)
      end
    end
  end
  prepend(dest, 'error', onerror)

  onclose = function()
    dest:removeListener('finish', onfinish)
    unpipe()
  end
  dest:once('close', onclose)
  onfinish = function()
    dest:removeListener('close', onclose)
    unpipe()
  end
  dest:once('finish', onfinish)

  dest:emit('pipe', src)
  if dest.writableNeedDrain == true then
    pause()
  elseif not src.readableFlowing then
    src:resume()
  end
  return dest
end

function Readable:unpipe(dest)
  local pipes = self._pipes
  if not pipes then return self end
  if pipes.dest then return Stream.unpipe(self, dest) end   -- a legacy pipe
  if #pipes == 0 then return self end
  if dest == nil then
    self._pipes = {}
    self:pause()
    for i = 1, #pipes do pipes[i]:emit('unpipe', self, { hasUnpiped = false }) end
    return self
  end
  local i = index_of(pipes, dest)
  if not i then return self end
  table.remove(pipes, i)
  if #pipes == 0 then self:pause() end
  dest:emit('unpipe', self, { hasUnpiped = false })
  return self
end

---------------------------------------------------------------------------
-- destroy
---------------------------------------------------------------------------

Readable.destroy = base.destroy
function Readable:_destroy(err, cb) cb(err) end

-- wrap(oldStream): a Readable over a stream that only emits 'data' and 'end'
function Readable:wrap(src)
  local paused = false
  src:on('data', function(chunk)
    if not self:push(chunk) and src.pause then
      paused = true
      src:pause()
    end
  end)
  src:on('end', function() self:push(nil) end)
  src:on('error', function(err) error_or_destroy(self, err) end)
  src:on('close', function() self:destroy() end)
  self._read = function()
    if paused and src.resume then
      paused = false
      src:resume()
    end
  end
  return self
end

return Readable
