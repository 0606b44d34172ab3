-- process.nextTick: a queue drained after every callback from the loop.
local core = require('luatls.core')

local M = {}
local queue, head, tail = {}, 1, 0

function M.nextTick(fn, ...)
  if type(fn) ~= 'function' then
    error(require('luatls.errors').invalid_arg_type('callback', 'of type function', fn), 2)
  end
  if head > tail then core.tick_pending() end
  tail = tail + 1
  -- a callback without arguments (most are closures) is queued as itself
  if select('#', ...) == 0 then queue[tail] = fn else queue[tail] = table.pack(fn, ...) end
end

-- runs ticks, including those queued while running, until none is left
function M.run()
  while head <= tail do
    local job = queue[head]
    queue[head] = nil
    head = head + 1
    if type(job) == 'function' then job() else job[1](table.unpack(job, 2, job.n)) end
  end
  head, tail = 1, 0
end

-- if a tick raised, the rest must still run on the next drain
core.set_tick(function()
  local ok, err = xpcall(M.run, require('luatls.errors').traceback)
  if not ok then
    if head <= tail then core.tick_pending() end
    error(err, 0)
  end
end)

return M
