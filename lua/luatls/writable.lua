-- stream.Writable: Node's internal/streams/writable.js in Lua.
--
-- Strings are Node's Buffers: write(chunk) without an encoding writes bytes;
-- write(text, enc) writes the bytes text stands for in enc. _write(chunk,
-- encoding, callback) gets bytes and 'buffer' unless decodeStrings is false.
local base = require('luatls.stream_base')
local encoding = require('luatls.encoding')
local errors = require('luatls.errors')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local Stream = base.Stream
local error_or_destroy = base.error_or_destroy
local ERR = base.ERR

local Writable = Stream:extend()
Writable.__name = 'Writable'

Writable.writable = true
Writable.writableLength = 0           -- bytes (objects in object mode) not yet written
Writable.writableHighWaterMark = 16384
Writable.writableObjectMode = false
Writable.writableCorked = 0
Writable.writableEnded = false        -- end() was called
Writable.writableFinished = false     -- 'finish' was emitted
Writable.writableNeedDrain = false    -- write() returned false and 'drain' is to come
Writable._wEnded = false              -- end() has returned
Writable._needDrain = false
Writable._writing = false
Writable._wsync = true
Writable._expectWriteCb = false
Writable._bufferProcessing = false
Writable._finalCalled = false
Writable._prefinished = false
Writable._afterWritePending = false
Writable._pendingcb = 0
Writable._decodeStrings = true
Writable._writelen = 0
-- _defaultEncoding: nil (bytes) or an encoding; _wbuf: writes waiting, from _wbufIndex;
-- _writecb: the callback of the write in progress; _onFinished: end() callbacks

local function nop() end
Writable._nop = nop

local ERR_DESTROYED = function(what)
  return ERR('ERR_STREAM_DESTROYED', ('Cannot call %s after a stream was destroyed'):format(what))
end
base.ERR_DESTROYED = ERR_DESTROYED

local onwrite

local function init_state(self, options, isDuplex)
  self._onwrite = function(er) return onwrite(self, er) end
  if not options then return end
  if options.objectMode or (isDuplex and options.writableObjectMode) then
    self.writableObjectMode = true
    self.writableHighWaterMark = 16
  end
  local hwm = base.hwm(options, 'writableHighWaterMark', isDuplex)
  if hwm then self.writableHighWaterMark = hwm end
  if options.decodeStrings == false then self._decodeStrings = false end
  if options.defaultEncoding ~= nil then
    local e = encoding.check(options.defaultEncoding, 3)
    if e ~= 'utf8' then self._defaultEncoding = e end
  end
end
Writable._initState = init_state

local function take_options(self, options)
  if not options then return end
  if type(options.write) == 'function' then self._write = options.write end
  if type(options.writev) == 'function' then self._writev = options.writev end
  if type(options.final) == 'function' then self._final = options.final end
end
Writable._takeOptions = take_options

-- Writable([options]): options.write(self, chunk, encoding, cb),
-- writev(self, chunks, cb), final(self, cb), destroy(self, err, cb),
-- construct(self, cb), highWaterMark, objectMode, decodeStrings, defaultEncoding,
-- emitClose, autoDestroy
function Writable:init(options)
  Stream.init(self)
  init_state(self, options, false)
  base.common_options(self, options)
  take_options(self, options)
  if self._construct then
    base.construct(self, function() Writable._onConstructed(self) end)
  end
end

---------------------------------------------------------------------------
-- writing
---------------------------------------------------------------------------

-- a _write(chunk) written for the first stream.Duplex finishes when it returns
local callback_style = setmetatable({}, { __mode = 'k' })
local function call_write(self, chunk, enc)
  local f = self._write
  local cbstyle = callback_style[f]
  if cbstyle == nil then
    cbstyle = base.takes_callback(f, 4)
    callback_style[f] = cbstyle
  end
  if cbstyle then
    f(self, chunk, enc, self._onwrite)
  else
    f(self, chunk)
    self._onwrite()
  end
end

local function reset_buffer(self)
  self._wbuf = nil
  self._wbufIndex = nil
  self._allBuffers = nil
  self._allNoop = nil
end

local function write_or_buffer(self, chunk, enc, cb)
  local len = self.writableObjectMode and 1 or #chunk
  self.writableLength = self.writableLength + len
  if self._writing or self.errored or self.writableCorked > 0 or not self._constructed then
    local buf = self._wbuf
    if not buf then
      buf = {}
      self._wbuf, self._wbufIndex = buf, 1
      self._allBuffers, self._allNoop = true, true
    end
    buf[#buf + 1] = { chunk = chunk, encoding = enc, callback = cb }
    if enc ~= 'buffer' then self._allBuffers = false end
    if cb ~= nop then self._allNoop = false end
  else
    self._writelen = len
    self._writecb = cb ~= nop and cb or nil
    self._writing, self._wsync, self._expectWriteCb = true, true, true
    call_write(self, chunk, enc)
    self._wsync = false
  end
  local ret = self.writableLength < self.writableHighWaterMark or self.writableLength == 0
  if not ret then
    self._needDrain = true
    if not self.destroyed and not self.writableEnded then self.writableNeedDrain = true end
  end
  return ret and not self.destroyed and not self.errored
end

-- -> true/false as write() returns, or false and the error
local function write_(self, chunk, enc, cb, level)
  if cb == nil or type(cb) ~= 'function' then cb = nop end
  if chunk == nil then
    error(ERR('ERR_STREAM_NULL_VALUES', 'May not write null values to stream', 'TypeError'), level)
  end
  if not self.writableObjectMode then
    if type(chunk) ~= 'string' then
      error(errors.invalid_arg_type('chunk', 'of type string', chunk), level)
    end
    if enc == nil then
      enc = self._defaultEncoding or 'buffer'
    elseif enc ~= 'buffer' then
      enc = encoding.normalize(enc)
      if not enc then error(encoding.unknown(enc), level) end
    end
    if self._decodeStrings and enc ~= 'buffer' then
      chunk, enc = encoding.encode(chunk, enc), 'buffer'
    end
  end
  local err
  if self.writableEnded then
    err = ERR('ERR_STREAM_WRITE_AFTER_END', 'write after end')
  elseif self.destroyed then
    err = ERR_DESTROYED('write')
  end
  if err then
    nextTick(cb, err)
    error_or_destroy(self, err, true)
    return false, err
  end
  self._pendingcb = self._pendingcb + 1
  return write_or_buffer(self, chunk, enc, cb)
end

-- write(chunk[, encoding][, cb]) -> false when the caller should wait for 'drain'
function Writable:write(chunk, enc, cb)
  if type(enc) == 'function' then cb, enc = enc, nil end
  return (write_(self, chunk, enc, cb, 3)) == true
end

function Writable:cork()
  self.writableCorked = self.writableCorked + 1
end

local clear_buffer

-- uncork(): once as many as cork(), what was written meanwhile goes out
-- together (one _writev() if the stream has one)
function Writable:uncork()
  if self.writableCorked > 0 then
    self.writableCorked = self.writableCorked - 1
    if not self._writing then clear_buffer(self) end
  end
end

function Writable:setDefaultEncoding(enc)
  local e = encoding.normalize(enc)
  if not e then error(encoding.unknown(enc), 2) end
  self._defaultEncoding = e ~= 'utf8' and e or nil
  return self
end

local function do_write(self, writev, len, chunk, enc, cb)
  self._writelen = len
  self._writecb = cb ~= nop and cb or nil
  self._writing, self._wsync, self._expectWriteCb = true, true, true
  if self.destroyed then
    self._onwrite(ERR_DESTROYED('write'))
  elseif writev then
    self:_writev(chunk, self._onwrite)
  else
    call_write(self, chunk, enc)
  end
  self._wsync = false
end

local call_finished_callbacks, finish_maybe

local function error_buffer(self)
  if self._writing then return end
  local buf = self._wbuf
  if buf then
    for n = self._wbufIndex, #buf do
      local e = buf[n]
      if e then
        self.writableLength = self.writableLength - (self.writableObjectMode and 1 or #e.chunk)
        e.callback(self.errored or ERR_DESTROYED('write'))
      end
    end
  end
  call_finished_callbacks(self, self.errored or ERR_DESTROYED('end'))
  reset_buffer(self)
end

local function onwrite_error(self, er, cb)
  self._pendingcb = self._pendingcb - 1
  cb(er)
  error_buffer(self)
  error_or_destroy(self, er)
end

local after_write

local function after_write_tick(self, info)
  self._afterWriteTickInfo = nil
  return after_write(self, info.count, info.cb)
end

onwrite = function(self, er)
  if not self._expectWriteCb then
    error_or_destroy(self, ERR('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'))
    return
  end
  local sync = self._wsync
  local cb = self._writecb or nop
  self._writecb = nil
  self._writing, self._expectWriteCb = false, false
  self.writableLength = self.writableLength - self._writelen
  self._writelen = 0
  if er then
    if type(er) ~= 'table' then er = errors.from(er) end
    if self.errored == nil then self.errored = er end
    if sync then nextTick(onwrite_error, self, er, cb) else onwrite_error(self, er, cb) end
    return
  end
  if self._wbuf then clear_buffer(self) end
  if sync then
    local needDrain = self._needDrain and self.writableLength == 0
    local needTick = needDrain or self.destroyed or cb ~= nop
    if cb == nop then
      if not self._afterWritePending and needTick then
        nextTick(after_write, self, 1, cb)
        self._afterWritePending = true
      else
        self._pendingcb = self._pendingcb - 1
        if self.writableEnded then finish_maybe(self, true) end
      end
    elseif self._afterWriteTickInfo and self._afterWriteTickInfo.cb == cb then
      self._afterWriteTickInfo.count = self._afterWriteTickInfo.count + 1
    else
      local info = { count = 1, cb = cb }
      self._afterWriteTickInfo = info
      nextTick(after_write_tick, self, info)
      self._afterWritePending = true
    end
  else
    after_write(self, 1, cb)
  end
end

after_write = function(self, count, cb)
  self._afterWritePending = false
  if self._needDrain and not self.writableEnded and not self.destroyed and self.writableLength == 0 then
    self._needDrain = false
    self.writableNeedDrain = false
    self:emit('drain')
  end
  while count > 0 do
    count = count - 1
    self._pendingcb = self._pendingcb - 1
    cb(nil)
  end
  if self.destroyed then error_buffer(self) end
  if self.writableEnded then finish_maybe(self, true) end
end

clear_buffer = function(self)
  local buffered = self._wbuf
  if self.destroyed or self._bufferProcessing or self.writableCorked > 0 or not buffered or
    not self._constructed then
    return
  end
  local i = self._wbufIndex
  local count = #buffered - i + 1
  if count <= 0 then return end
  self._bufferProcessing = true
  if count > 1 and self._writev then
    self._pendingcb = self._pendingcb - (count - 1)
    local chunks = {}
    for n = i, #buffered do chunks[#chunks + 1] = buffered[n] end
    local callback = nop
    if not self._allNoop then
      callback = function(err)
        for n = 1, #chunks do chunks[n].callback(err) end
      end
    end
    chunks.allBuffers = self._allBuffers
    reset_buffer(self)
    do_write(self, true, self.writableLength, chunks, '', callback)
  else
    repeat
      local e = buffered[i]
      buffered[i] = false
      i = i + 1
      do_write(self, false, self.writableObjectMode and 1 or #e.chunk, e.chunk, e.encoding, e.callback)
    until i > #buffered or self._writing
    if self._wbuf == buffered then
      if i > #buffered then
        reset_buffer(self)
      elseif i > 256 then
        local len = #buffered   -- keep the rest, from 1
        table.move(buffered, i, len, 1)
        for n = len - i + 2, len do buffered[n] = nil end
        self._wbufIndex = 1
      else
        self._wbufIndex = i
      end
    end
  end
  self._bufferProcessing = false
end

function Writable:_write(chunk, enc, cb)
  if self._writev then
    return self:_writev({ { chunk = chunk, encoding = enc } }, cb)
  end
  error(ERR('ERR_METHOD_NOT_IMPLEMENTED', 'The _write() method is not implemented'), 0)
end

---------------------------------------------------------------------------
-- end and finish
---------------------------------------------------------------------------

local function need_finish(self)
  return self.writableEnded and not self.destroyed and self._constructed and not self.writableFinished
    and not self._writing and not self._errorEmitted and not self._closeEmitted and self.errored == nil
    and self._wbuf == nil and self.writableLength == 0
end

call_finished_callbacks = function(self, err)
  local list = self._onFinished
  if not list then return end
  self._onFinished = nil
  for i = 1, #list do list[i](err) end
end

local function finish(self)
  self._pendingcb = self._pendingcb - 1
  self.writableFinished = true
  call_finished_callbacks(self, nil)
  self:emit('finish')
  if self._autoDestroy and (not self._hasReadable or self.readableEnded) then
    self:destroy()
  end
end

local function on_finish(self, err)
  if self._prefinished then
    error_or_destroy(self, err or ERR('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'))
    return
  end
  self._pendingcb = self._pendingcb - 1
  if err then
    if type(err) ~= 'table' then err = errors.from(err) end
    call_finished_callbacks(self, err)
    error_or_destroy(self, err, self._wsync)
  elseif need_finish(self) then
    self._prefinished = true
    self:emit('prefinish')
    self._pendingcb = self._pendingcb + 1
    nextTick(finish, self)
  end
end

local function call_final(self)
  local f = self._final
  if base.takes_callback(f, 2) then
    f(self, function(err) on_finish(self, err) end)
  else
    f(self)
    on_finish(self, nil)
  end
end

local function prefinish(self)
  if self._prefinished or self._finalCalled then return end
  if type(self._final) == 'function' and not self.destroyed then
    self._finalCalled = true
    self._wsync = true
    self._pendingcb = self._pendingcb + 1
    local ok, e = pcall(call_final, self)
    if not ok then on_finish(self, errors.from(e)) end
    self._wsync = false
  else
    self._finalCalled = true
    self._prefinished = true
    self:emit('prefinish')
  end
end

finish_maybe = function(self, sync)
  if not need_finish(self) then return end
  prefinish(self)
  if self._pendingcb == 0 then
    if sync then
      self._pendingcb = self._pendingcb + 1
      nextTick(function()
        if need_finish(self) then finish(self) else self._pendingcb = self._pendingcb - 1 end
      end)
    elseif need_finish(self) then
      self._pendingcb = self._pendingcb + 1
      finish(self)
    end
  end
end

function Writable._onConstructed(self)
  if not self._writing then clear_buffer(self) end
  if self.writableEnded then finish_maybe(self) end
end

-- end([chunk][, encoding][, cb]): writes chunk, then 'finish' once all is
-- written; cb(err) then, or with the error that prevents it
function Writable:_end(chunk, enc, cb)
  if type(chunk) == 'function' then chunk, enc, cb = nil, nil, chunk
  elseif type(enc) == 'function' then enc, cb = nil, enc end
  local err
  if chunk ~= nil then
    local _, e = write_(self, chunk, enc, nil, 3)
    err = e
  end
  if self.writableCorked > 0 then
    self.writableCorked = 1
    self:uncork()
  end
  if err then
    -- reported by write
  elseif not self.writableEnded and self.errored == nil then
    self.writableEnded = true
    self.writable = false
    self.writableNeedDrain = false
    finish_maybe(self, true)
    self._wEnded = true
  elseif self.writableFinished then
    err = ERR('ERR_STREAM_ALREADY_FINISHED', 'Cannot call end after a stream was finished')
  elseif self.destroyed then
    err = ERR_DESTROYED('end')
  end
  if type(cb) == 'function' then
    if err then nextTick(cb, err)
    elseif self.errored ~= nil then nextTick(cb, self.errored)
    elseif self.writableFinished then nextTick(cb, nil)
    else
      local list = self._onFinished or {}
      self._onFinished = list
      list[#list + 1] = cb
    end
  end
  return self
end
Writable['end'] = Writable._end

function Writable:destroy(err, cb)
  if (self._wbuf or self._onFinished) and not self.destroyed then nextTick(error_buffer, self) end
  base.destroy(self, err, cb)
  return self
end

function Writable:_destroy(err, cb) cb(err) end

function Writable:pipe()
  error_or_destroy(self, ERR('ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable'))
end

return Writable
