-- timers: setTimeout, setInterval, setImmediate and their clear functions.
local core = require('luatls.core')
local errors = require('luatls.errors')
local Object = require('luatls.class')

local M = {}

local Timeout = Object:extend()
M.Timeout = Timeout

local function check_cb(fn)
  if type(fn) ~= 'function' then error(errors.invalid_arg_type('callback', 'of type function', fn), 3) end
end

-- Node's delays: anything not in 1..TIMEOUT_MAX (NaN, the infinities, a
-- negative number, what is not a number) is 1 ms, with a warning above the
-- maximum; libev never sees the rest
local TIMEOUT_MAX = 2 ^ 31 - 1
local function delay_of(ms)
  ms = tonumber(ms)
  if ms and ms > TIMEOUT_MAX then
    io.stderr:write(('(luatls) TimeoutOverflowWarning: %s does not fit into a 32-bit signed integer. '
      .. 'Timeout duration was set to 1.\n'):format(errors.repr(ms)))
  end
  if not (ms and ms >= 1 and ms <= TIMEOUT_MAX) then ms = 1 end
  return ms
end

function Timeout:init(fn, ms, rep, args)
  self._handle = core.timer()
  self._ms, self._repeat = ms, rep
  self._cb = function()
    if not rep then self._handle:close() end
    fn(table.unpack(args, 1, args.n))
  end
  self._handle:start(ms, rep and ms or 0, self._cb)
end

Timeout.__tostring = function(t)
  return ('Timeout { %sms%s%s }'):format(t._ms, t._repeat and ', repeating' or '',
    t._closed and ', closed' or '')
end

function Timeout:ref() if not self._closed then self._handle:ref() end return self end
function Timeout:unref() if not self._closed then self._handle:unref() end return self end
function Timeout:hasRef() return not self._closed and self._handle:hasRef() end
function Timeout:refresh()
  if not self._closed then self._handle:start(self._ms, self._repeat and self._ms or 0, self._cb) end
  return self
end
function Timeout:close()
  if not self._closed then self._closed = true; self._handle:close() end
  return self
end

function M.setTimeout(fn, ms, ...)
  check_cb(fn)
  return Timeout(fn, delay_of(ms), false, table.pack(...))
end

function M.setInterval(fn, ms, ...)
  check_cb(fn)
  return Timeout(fn, delay_of(ms), true, table.pack(...))
end

function M.clearTimeout(t)
  if Object.instanceof(t, Timeout) then t:close() end
end
M.clearInterval = M.clearTimeout

-- Immediates: run once per loop iteration, after I/O, in the order queued.
local Immediate = Object:extend()
M.Immediate = Immediate
local queue = {}

function Immediate:init(fn, args) self._fn, self._args = fn, args end
Immediate.__tostring = function() return 'Immediate {}' end
function Immediate:ref() return self end
function Immediate:unref() return self end
function Immediate:hasRef() return true end

local function run_immediates()
  local batch = queue
  queue = {}
  for i = 1, #batch do
    local im = batch[i]
    if not im._cleared then
      im._cleared = true
      local ok, err = xpcall(im._fn, errors.traceback, table.unpack(im._args, 1, im._args.n))
      if not ok then
        -- put back what is left so one failure does not drop the rest
        for j = #batch, i + 1, -1 do table.insert(queue, 1, batch[j]) end
        if #queue == 0 then core.immediate(false) end
        error(err, 0)
      end
    end
  end
  if #queue == 0 then core.immediate(false) end
end
core.immediate(run_immediates)

function M.setImmediate(fn, ...)
  check_cb(fn)
  local im = Immediate(fn, table.pack(...))
  queue[#queue + 1] = im
  core.immediate(true)
  return im
end

function M.clearImmediate(im)
  if Object.instanceof(im, Immediate) then im._cleared = true end
end

return M
