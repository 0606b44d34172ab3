-- AbortController and AbortSignal, as far as sockets and servers need them:
--   local ac = require('util').AbortController()
--   local c = net.connect({ port = 80, host = 'example.org', signal = ac.signal })
--   ac:abort()          -- c is destroyed with an AbortError (code 'ABORT_ERR')
-- A signal is an EventEmitter with `aborted`, `reason` and the 'abort' event.
-- Any table with a boolean `aborted` and on/once/removeListener (or
-- addEventListener/removeEventListener) serves as a signal too.
local EventEmitter = require('events')
local errors = require('luatls.errors')

local M = {}

-- the error an aborted operation fails with, as Node's AbortError
function M.abort_error(signal)
  return errors.new('ABORT_ERR', 'The operation was aborted',
    { cause = signal and signal.reason }, 'AbortError')
end

local AbortSignal = EventEmitter:extend()
AbortSignal.__name = 'AbortSignal'
M.AbortSignal = AbortSignal

function AbortSignal:init()
  EventEmitter.init(self)
  self.aborted = false
end

-- Node's addEventListener spelling, for code written against the web API
function AbortSignal:addEventListener(name, fn) return self:on(name, fn) end
function AbortSignal:removeEventListener(name, fn) return self:removeListener(name, fn) end

-- raises the reason when aborted, as signal.throwIfAborted() does
function AbortSignal:throwIfAborted()
  if self.aborted then error(self.reason, 2) end
end

local function abort(signal, reason)
  if signal.aborted then return end
  signal.aborted = true
  signal.reason = reason == nil
    and errors.new('ABORT_ERR', 'This operation was aborted', nil, 'AbortError') or reason
  signal:emit('abort', signal)
end

-- AbortSignal.abort([reason]): a signal that is already aborted
function AbortSignal.abort(reason)
  local s = AbortSignal()
  abort(s, reason)
  return s
end

local AbortController = require('luatls.class'):extend()
AbortController.__name = 'AbortController'
M.AbortController = AbortController

function AbortController:init() self.signal = AbortSignal() end
function AbortController:abort(reason) abort(self.signal, reason) end

-- Raises ERR_INVALID_ARG_TYPE unless signal looks like an AbortSignal.
function M.check(name, signal)
  if type(signal) ~= 'table' or type(signal.aborted) ~= 'boolean'
    or not (type(signal.on) == 'function' or type(signal.addEventListener) == 'function') then
    error(errors.invalid_arg_type(name, 'an instance of AbortSignal', signal), 3)
  end
  return signal
end

-- fn() once signal aborts; returns a function that stops listening
function M.listen(signal, fn)
  local function onabort() fn() end
  if type(signal.once) == 'function' then
    signal:once('abort', onabort)
  elseif type(signal.on) == 'function' then
    signal:on('abort', onabort)
  else
    signal:addEventListener('abort', onabort)
  end
  return function()
    if type(signal.removeListener) == 'function' then signal:removeListener('abort', onabort)
    elseif type(signal.removeEventListener) == 'function' then signal:removeEventListener('abort', onabort) end
  end
end

return M
