-- Instruction counts and system calls per operation, luatls against nginx on the
-- same scenario. Wall-clock figures move with the machine's load; instructions
-- counted by callgrind do not.
--   build/luatls bench/profile.lua callgrind req|hs|resume [luatls nginx]
--   build/luatls bench/profile.lua strace req|hs|resume [luatls nginx]
-- callgrind: the server runs under valgrind with instrumentation off until the
-- load starts, and off again before it stops, so the profile holds the load
-- alone; prints instructions per request (req: curl, one keep-alive connection)
-- or per full TLS 1.3 ECDSA handshake (hs: openssl s_time -new) or resumed TLS
-- 1.2 one (resume: openssl s_time -reuse -tls1_2) and leaves
-- bench/results/callgrind.<server>.<scenario>.out for callgrind_annotate.
-- strace: strace -c -f attached during the same load; system calls per operation.
local cp = require('child_process')
package.path = 'bench/?.lua;' .. package.path
local steps = require('steps')
local anchors = require('anchors')
local await, sleep, run = steps.await, steps.sleep, steps.run

local LUATLS = arg[-1]
local TOOL, WHAT = arg[1], arg[2]
local SECS = tonumber(os.getenv('PROFILE_SECS') or '') or 10
local names = { table.unpack(arg, 3) }
if #names == 0 then names = { 'luatls', 'nginx' } end
if (TOOL ~= 'callgrind' and TOOL ~= 'strace') or (WHAT ~= 'req' and WHAT ~= 'hs' and WHAT ~= 'resume') then
  io.stderr:write('usage: bench/profile.lua callgrind|strace req|hs|resume [luatls nginx]\n')
  os.exit(2)
end

local function out_file(name) return ('bench/results/callgrind.%s.%s.out'):format(name, WHAT) end

local function wrap(name)
  if TOOL ~= 'callgrind' then return {} end
  local argv = { 'valgrind', '--tool=callgrind', '--instr-atstart=no', '--callgrind-out-file=' .. out_file(name) }
  -- PROFILE_SIM=1: also simulate caches and branch prediction (slower), for what
  -- instruction counts alone cannot show: cache misses and mispredicted branches
  if os.getenv('PROFILE_SIM') == '1' then
    argv[#argv + 1], argv[#argv + 2] = '--cache-sim=yes', '--branch-sim=yes'
  end
  return argv
end

local function start(name)
  if name == 'nginx' then return anchors.nginx('ecdsa', false, wrap(name)) end
  local argv = { '-c', '0' }
  for _, a in ipairs(wrap(name)) do argv[#argv + 1] = a end
  argv[#argv + 1], argv[#argv + 2] = LUATLS, os.getenv('PROFILE_SERVER') or (WHAT == 'req' and 'bench/servers/http.lua' or 'bench/servers/hs.lua')
  argv[#argv + 1] = 'ecdsa'
  local child = cp.spawn('taskset', argv)
  child.stderr:on('data', function() end)
  return child, steps.port_of(child)
end

-- the load; returns how many operations it made
-- req: n requests, one after the other on one keep-alive connection (curl's URL
-- globbing); hs: full handshakes for secs seconds
local function load(port, secs, n)
  secs = secs or SECS
  if WHAT == 'req' then
    n = n or 100
    local out = run('taskset', { '-c', '1', 'curl', '-sk', '--http1.1', '-w', '%{http_code}\n',
      'https://127.0.0.1:' .. port .. '/?[1-' .. n .. ']' })
    local _, ok = out:gsub('ok200', '')
    if ok ~= n then error(('%d of %d requests answered'):format(ok, n)) end
    return n
  end
  local resume = WHAT == 'resume'
  local out = run('taskset', { '-c', '1', 'openssl', 's_time', '-connect', '127.0.0.1:' .. port,
    resume and '-reuse' or '-new', resume and '-tls1_2' or '-tls1_3', '-time', tostring(secs) })
  local marks = out:match('\n([%*r]+)\n') or ''
  local _, made = marks:gsub(resume and 'r' or '%*', '')
  return made
end

-- the Ir total of a callgrind dump; and every event's total, by name
local function totals(file)
  local events, values = {}, nil
  for line in io.lines(file) do
    local ev = line:match('^events:%s*(.+)')
    if ev then for n in ev:gmatch('%S+') do events[#events + 1] = n end end
    local v = line:match('^summary:%s*(.+)') or line:match('^totals:%s*(.+)')
    if v then values = v end
  end
  local all, i = {}, 0
  for n in values:gmatch('%d+') do i = i + 1; all[events[i] or i] = tonumber(n) end
  return all.Ir or all[1], all, events
end

-- with PROFILE_SIM=1: the simulated events per operation, on one line
local function sim_line(file, n)
  local _, all, events = totals(file)
  if #events < 2 then return '' end
  local parts = {}
  for _, k in ipairs(events) do
    if k ~= 'Ir' then parts[#parts + 1] = ('%s %.0f'):format(k, all[k] / n) end
  end
  return '\n          ' .. table.concat(parts, ', ')
end

local function dumps(name)
  local out = run('sh', { '-c', 'ls ' .. out_file(name) .. '.* 2>/dev/null' })
  local list = {}
  for f in out:gmatch('%S+') do list[#list + 1] = f end
  return list
end

-- req: each run makes one connection (a handshake) and its requests. Two runs, a
-- short and a long one, each dumped on its own: their difference is requests alone,
-- and what the short one has beyond its requests is its connection.
local function callgrind(name, child, port)
  for _, f in ipairs(dumps(name)) do os.remove(f) end
  load(port, 2)   -- warm: the first connections allocate what later ones reuse
  run('callgrind_control', { '-i', 'on', tostring(child.pid) })
  if WHAT ~= 'req' then
    local n = load(port)
    run('callgrind_control', { '-d', tostring(child.pid) })
    local f = dumps(name)[1]
    print(('%-7s %s: %d %s handshakes, %.0f instructions each  (%s)%s'):format(name, WHAT, n,
      WHAT == 'hs' and 'full' or 'resumed', totals(f) / n, f, sim_line(f, n)))
  else
    local n1 = load(port, nil, 200)
    run('callgrind_control', { '-d', tostring(child.pid) })
    local n2 = load(port, nil, 6200)   -- long enough to hold whole cycles of the collector
    run('callgrind_control', { '-d', tostring(child.pid) })
    local files = dumps(name)
    table.sort(files)
    local i1, i2 = totals(files[1]), totals(files[2])
    local per = (i2 - i1) / (n2 - n1)
    print(('%-7s req: %d and %d requests; %.0f instructions per request, %.0f per connection (handshake, set-up'
      .. ' and close)  (%s)'):format(name, n1, n2, per, i1 - n1 * per, files[2]))
  end
  await(function(k) child:on('close', k); child:kill() end)
end

local function strace(name, child, port)
  load(port)
  local tracer = cp.spawn('strace', { '-c', '-f', '-p', tostring(child.pid) })
  local report = {}
  tracer.stderr:on('data', function(d) report[#report + 1] = d end)
  sleep(500)
  local n = load(port, nil, 1000)
  await(function(k) tracer:on('close', k); tracer:kill('SIGINT') end)
  await(function(k) child:on('close', k); child:kill() end)
  print(('%s %s: %d operations; system calls per operation:'):format(name, WHAT, n))
  for line in table.concat(report):gmatch('[^\n]+') do
    local calls, sys = line:match('^%s*[%d%.]+%s+[%d%.]+%s+%d+%s+(%d+)%s+%d*%s*([%w_]+)$')
    if calls and tonumber(calls) / n >= 0.01 then print(('  %-16s %8.3f'):format(sys, tonumber(calls) / n)) end
  end
end

steps.main(function()
  os.execute('mkdir -p bench/results')
  for _, name in ipairs(names) do
    local child, port = start(name)
    if TOOL == 'callgrind' then callgrind(name, child, port) else strace(name, child, port) end
    anchors.clean(child)
  end
  anchors.clean()
end)
