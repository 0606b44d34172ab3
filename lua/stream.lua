-- stream: the base of sockets, with pipe() and its backpressure.
local EventEmitter = require('events')

local M = {}
local Stream = EventEmitter:extend()
M.Stream = Stream
M.Duplex = Stream

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

return M
