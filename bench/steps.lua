-- Steps in order for the bench scripts: a coroutine that waits for callbacks.
local cp = require('child_process')

local M = {}

-- runs start(k) and waits until it calls k(...); returns what k was given
function M.await(start)
  local co = coroutine.running()
  local done, results = false, nil
  start(function(...)
    if done then return end
    done, results = true, table.pack(...)
    if coroutine.status(co) == 'suspended' then
      local ok, err = coroutine.resume(co)
      if not ok then io.stderr:write(debug.traceback(co, err), '\n'); os.exit(1) end
    end
  end)
  if not done then coroutine.yield() end
  return table.unpack(results, 1, results.n)
end

function M.sleep(ms) M.await(function(k) setTimeout(k, ms) end) end

-- runs a command to its end; returns stdout, stderr, code
function M.run(cmd, args, options)
  return M.await(function(k)
    local child = cp.spawn(cmd, args, options)
    local out, err = {}, {}
    child.stdout:on('data', function(d) out[#out + 1] = d end)
    child.stderr:on('data', function(d) err[#err + 1] = d end)
    child:on('close', function(code) k(table.concat(out), table.concat(err), code) end)
  end)
end

-- waits for the "PORT <n>" line a bench server prints once it listens; returns n.
-- A server that exits first is an error that quotes what it wrote on stderr
-- (a bench that waited on it would otherwise end with its loop, silently).
function M.port_of(child)
  local errs = {}
  local function keep(d) errs[#errs + 1] = d end
  child.stderr:on('data', keep)
  local port, code = M.await(function(k)
    local buf = ''
    child.stdout:on('data', function(d)
      buf = buf .. d
      local p = buf:match('PORT (%d+)')
      if p then k(tonumber(p)) end
    end)
    child:on('exit', function(c) k(nil, c) end)
  end)
  if not port then
    error(('server exited (%s) before listening: %s'):format(tostring(code), table.concat(errs)), 2)
  end
  child.stderr:removeListener('data', keep)
  return port
end

-- CPU time of process pid, in ms: the sum of its threads' time on a CPU, which the
-- kernel counts in ns (/proc/PID/task/*/schedstat); /proc/PID/stat counts it in 10 ms
-- ticks, coarse for a round of a third of a second. 0 once the process is gone.
function M.cpu_ms(pid)
  local p = io.popen('cat /proc/' .. pid .. '/task/*/schedstat 2>/dev/null')
  local out = p:read('a')
  p:close()
  local ns = 0
  for v in out:gmatch('(%d+) %d+ %d+') do ns = ns + tonumber(v) end
  return ns / 1e6
end

-- runs main(...) as the script's one coroutine
function M.main(main, ...)
  local co = coroutine.create(main)
  local ok, err = coroutine.resume(co, ...)
  if not ok then io.stderr:write(debug.traceback(co, err), '\n'); os.exit(1) end
end

return M
