-- stream: the base of sockets, with pipe() and its backpressure.
local EventEmitter = require('events')

local M = {}
local Stream = EventEmitter:extend()
M.Stream = Stream

local function end_of(dest)
  return dest._end or dest['end']
end

-- src:pipe(dest[, { ['end'] = false }]): writes every chunk to dest, pausing
-- src while dest is above its high-water mark, and ends dest when src ends.
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

-- Duplex: a minimal two-way stream for Lua code. Override _write(chunk) and
-- _final(); call push(chunk) to make data readable, push(nil) to end it.
local Duplex = Stream:extend()
M.Duplex = Duplex

function Duplex:init()
  Stream.init(self)
  self.readable, self.writable, self.destroyed = true, true, false
  self._buffer = {}
end

function Duplex:_onListener(name)
  if name == 'data' and self._flowing ~= false then self:resume() end
end

function Duplex:push(chunk)
  if self.destroyed then return false end
  if not self._flowing then
    self._buffer[#self._buffer + 1] = chunk == nil and false or chunk
    return false
  end
  if chunk == nil then
    self.readable = false
    self:emit('end')
  else
    self:emit('data', chunk)
  end
  return true
end

function Duplex:pause() self._flowing = false; return self end
function Duplex:isPaused() return self._flowing == false end

function Duplex:resume()
  self._flowing = true
  while self._flowing and #self._buffer > 0 do
    local chunk = table.remove(self._buffer, 1)
    if chunk == false then self.readable = false; self:emit('end')
    else self:emit('data', chunk) end
  end
  return self
end

function Duplex:write(chunk, encoding, cb)
  if type(encoding) == 'function' then cb = encoding end
  if self.destroyed or not self.writable then return false end
  self:_write(chunk)
  if cb then cb() end
  return true
end

function Duplex:_end(data, encoding, cb)
  if type(data) == 'function' then data, cb = nil, data
  elseif type(encoding) == 'function' then cb = encoding end
  if data ~= nil then self:write(data) end
  if not self.writable then return self end
  self.writable = false
  self:_final()
  self:emit('finish')
  if cb then cb() end
  return self
end
Duplex['end'] = Duplex._end

function Duplex:destroy(err)
  if self.destroyed then return self end
  self.destroyed, self.readable, self.writable = true, false, false
  if err then self:emit('error', err) end
  self:emit('close', err ~= nil)
  return self
end

function Duplex:_write() end
function Duplex:_final() end

return M
