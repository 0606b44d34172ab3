-- The base of every stream (Node's legacy Stream, with its pipe) and what
-- Readable, Writable and Duplex share: destroy(), errorOrDestroy(), options.
--
-- State lives in plain fields of the stream, named as Node's public
-- properties where there is one (readableLength, writableEnded, destroyed,
-- errored, closed, ...), with defaults on the class, so an instance holds only
-- what differs from them. Those fields are to be read, not written.
local EventEmitter = require('events')
local errors = require('luatls.errors')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local M = {}

local Stream = EventEmitter:extend()
M.Stream = Stream
Stream.__name = 'Stream'

local function end_of(dest)
  return dest._end or dest['end']
end
M.end_of = end_of

-- Node's legacy pipe: for streams that are not Readable. src:pipe(dest[, { ['end'] = false }])
-- writes every chunk to dest, pausing src while dest is above its high-water
-- mark, and ends dest when src ends.
function Stream:pipe(dest, options)
  local src = self
  local paused_by_us = false
  local function ondata(chunk)
    if dest:write(chunk) == false and not paused_by_us then
      paused_by_us = true
      src:pause()
    end
  end
  local function ondrain()
    if paused_by_us then
      paused_by_us = false
      src:resume()
    end
  end
  local function onend() end_of(dest)(dest) end
  local cleanup
  cleanup = function()
    src:removeListener('data', ondata)
    src:removeListener('end', onend)
    src:removeListener('close', cleanup)
    dest:removeListener('drain', ondrain)
    dest:removeListener('close', cleanup)
    src._pipes = nil
  end
  src._pipes = { dest = dest, cleanup = cleanup }
  src:on('data', ondata)
  dest:on('drain', ondrain)
  if not (options and options['end'] == false) then src:on('end', onend) end
  src:on('close', cleanup)
  dest:on('close', cleanup)
  dest:emit('pipe', src)
  src:resume()
  return dest
end

function Stream:unpipe(dest)
  local p = self._pipes
  if p and (dest == nil or p.dest == dest) then p.cleanup() end
  return self
end

---------------------------------------------------------------------------
-- options
---------------------------------------------------------------------------

local HWM = { integer = true, optional = true, code = 'ERR_INVALID_ARG_VALUE' }

-- Node's getHighWaterMark: options.highWaterMark, or for a duplex the side's
-- own key; nil when neither is given (the class default holds)
function M.hwm(options, duplexKey, isDuplex)
  if not options then return nil end
  local v, name = options.highWaterMark, 'options.highWaterMark'
  if v == nil and isDuplex then v, name = options[duplexKey], 'options.' .. duplexKey end
  if v == nil then return nil end
  return errors.check_number(name, v, 0, nil, HWM)
end

-- is f a function that takes a callback after n arguments (self included)?
-- Lua code written for the first stream.Duplex has _write(chunk) and _final()
-- that finish when they return; Node's forms take a callback.
function M.takes_callback(f, n)
  if type(f) ~= 'function' then return true end
  local info = debug.getinfo(f, 'u')
  return info.isvararg or info.nparams >= n
end

---------------------------------------------------------------------------
-- destroy (Node's internal/streams/destroy.js)
---------------------------------------------------------------------------

local function check_error(self, err)
  if err and self.errored == nil then self.errored = err end
end

local function emit_error_nt(self, err)
  if self._errorEmitted then return end
  self._errorEmitted = true
  self:emit('error', err)
end
M.emit_error_nt = emit_error_nt

local function emit_close_nt(self)
  self._closeEmitted = true
  if self._emitClose then self:emit('close') end
end

local function emit_error_close_nt(self, err)
  emit_error_nt(self, err)
  emit_close_nt(self)
end

local function do_destroy(self, err, cb)
  local called = false
  local function ondestroy(e)
    if called then return end
    called = true
    check_error(self, e)
    self.closed = true
    if cb then cb(e) end
    if e then nextTick(emit_error_close_nt, self, e) else nextTick(emit_close_nt, self) end
  end
  local ok, e = pcall(self._destroy, self, err, ondestroy)
  if not ok then ondestroy(errors.from(e)) end
end

-- destroy([err][, cb]): 'error'(err) if err, then 'close'; both on the next tick
function M.destroy(self, err, cb)
  if self.destroyed then
    if cb then cb() end
    return self
  end
  check_error(self, err)
  self.destroyed = true
  self.readable, self.writable = false, false
  if self.writableNeedDrain then self.writableNeedDrain = false end
  if not self._constructed then
    -- construct() has not called back yet: destroy once it has
    self._destroyAfterConstruct = function(e) do_destroy(self, e or err, cb) end
  else
    do_destroy(self, err, cb)
  end
  return self
end

-- errorOrDestroy: destroy with err, or (autoDestroy off) only emit it
function M.error_or_destroy(self, err, sync)
  if self.destroyed then return end
  if self._autoDestroy then
    self:destroy(err)
  elseif err then
    check_error(self, err)
    if not self.readableEnded then self.readable = false end
    self.writable = false
    if sync then nextTick(emit_error_nt, self, err) else emit_error_nt(self, err) end
  end
end

-- options.construct(self, cb): reads and writes wait until cb() is called
function M.construct(self, oncomplete)
  if type(self._construct) ~= 'function' then return end
  self._constructed = false
  nextTick(function()
    local called = false
    local function onconstruct(err)
      if called then
        M.error_or_destroy(self, err or errors.new('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'))
        return
      end
      called = true
      nextTick(function()
        self._constructed = true
        if self.destroyed then
          local f = self._destroyAfterConstruct
          self._destroyAfterConstruct = nil
          if f then f(err) end
        elseif err then
          M.error_or_destroy(self, err, true)
        else
          oncomplete()
        end
      end)
    end
    local ok, e = pcall(self._construct, self, onconstruct)
    if not ok then onconstruct(errors.from(e)) end
  end)
end

-- the defaults both sides share
Stream.destroyed = false
Stream.closed = false
-- errored: nil until an error destroys the stream
Stream._constructed = true
Stream._autoDestroy = true
Stream._emitClose = true
Stream._errorEmitted = false
Stream._closeEmitted = false

-- the options both sides share
function M.common_options(self, options)
  if not options then return end
  if options.emitClose == false then self._emitClose = false end
  if options.autoDestroy == false then self._autoDestroy = false end
  if type(options.destroy) == 'function' then self._destroy = options.destroy end
  if type(options.construct) == 'function' then self._construct = options.construct end
end

function M.ERR(code, message, name)
  return errors.new(code, message, nil, name)
end

return M
