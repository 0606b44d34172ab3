-- S7: full TLS handshakes on a cluster (bench/servers/hs-cluster.lua) with 1 worker
-- and with WORKERS workers (default: the number of cores). Load: CLIENTS openssl s_time
-- processes at once (default 2 per worker), unpinned, so on a small machine they share
-- the cores with the servers. For each worker count: handshakes per second, server CPU
-- per handshake (the workers' and the primary's, from /proc), handshakes per second of
-- server CPU (one core's worth), how busy the machine was, and each worker's share.
-- Every figure is the median of RUNS runs with the range beside it.
--   build/luatls bench/s7-cluster.lua [quick]          (make bench-s7)
--   WORKERS=8 CLIENTS=16 build/luatls bench/s7-cluster.lua
local cp = require('child_process')
local fs = require('fs')

local LUATLS = arg[-1]
local QUICK = arg[1] == 'quick'
local RUNS = QUICK and 1 or tonumber(process.env.RUNS) or 3
local SECS = QUICK and 1 or 3
local TICK_MS = 10   -- /proc clock ticks (USER_HZ 100)
-- RSA by default: its signature is the server's big cost and the client's check is cheap,
-- so the clients, which share the cores, take less of them than with ECDSA
local CERT = process.env.CERT == 'ecdsa' and 'ecdsa' or 'rsa'

package.path = 'bench/?.lua;' .. package.path
local steps = require('steps')
local await, sleep, run = steps.await, steps.sleep, steps.run

local function cores()
  local n = 0
  for line in fs.readFileSync('/proc/stat'):gmatch('[^\n]+') do
    if line:match('^cpu%d') then n = n + 1 end
  end
  return n
end

local CORES = cores()
local WORKERS = tonumber(process.env.WORKERS) or CORES

local cpu_ms = steps.cpu_ms

-- CPU of this process's children that have been reaped: the clients, once they ended
local function children_ms()
  local f = {}
  for x in fs.readFileSync('/proc/self/stat'):match('%) (.*)$'):gmatch('%S+') do f[#f + 1] = x end
  return (tonumber(f[14]) + tonumber(f[15])) * TICK_MS
end

-- the whole machine: busy and total jiffies
local function machine()
  local f = {}
  for x in fs.readFileSync('/proc/stat'):match('^cpu%s+([^\n]+)'):gmatch('%d+') do f[#f + 1] = tonumber(x) end
  local idle = f[4] + (f[5] or 0)
  local total = 0
  for i = 1, math.min(#f, 8) do total = total + f[i] end
  return total - idle, total
end

local function median(list)
  local t = { table.unpack(list) }
  table.sort(t)
  return t[(#t + 1) // 2], t[1], t[#t]
end

local function show(v, fmt)
  local m, lo, hi = median(v)
  if #v == 1 then return fmt:format(m) end
  return (fmt .. ' (' .. fmt .. '-' .. fmt .. ')'):format(m, lo, hi)
end

-- the cluster: the primary, its workers' pids, the port and live per-worker counts
local function start(n)
  local child = cp.spawn(LUATLS, { 'bench/servers/hs-cluster.lua', CERT },
    { env = { PATH = process.env.PATH, WORKERS = tostring(n) } })
  local c = { child = child, workers = {}, full = {} }
  c.port = await(function(k)
    local buf = ''
    child.stdout:on('data', function(d)
      buf = buf .. d
      for line in buf:gmatch('([^\n]*)\n') do
        local pid = line:match('^WORKER (%d+)$')
        if pid then c.workers[#c.workers + 1] = tonumber(pid) end
        local w, full = line:match('^STATS (%d+) (%d+) %d+$')
        if w then c.full[tonumber(w)] = tonumber(full) end
        local p = line:match('^PORT (%d+)$')
        if p then k(tonumber(p)) end
      end
      buf = buf:match('[^\n]*$')
    end)
  end)
  return c
end

local function stop(c)
  await(function(k)
    c.child:on('close', k)
    c.child:kill()
  end)
end

local function snapshot(c)
  local s = { cpu = cpu_ms(c.child.pid), full = {}, wcpu = {} }
  for _, pid in ipairs(c.workers) do
    s.full[pid] = c.full[pid] or 0
    s.wcpu[pid] = cpu_ms(pid)
    s.cpu = s.cpu + s.wcpu[pid]
  end
  s.busy, s.total = machine()
  s.clients = children_ms()
  return s
end

-- CLIENTS s_time processes at once for SECS seconds
local function load(port, clients)
  await(function(k)
    local left = clients
    for _ = 1, clients do
      local child = cp.spawn('openssl', { 's_time', '-connect', '127.0.0.1:' .. port, '-new', '-time', tostring(SECS) })
      child.stdout:on('data', function() end)
      child.stderr:on('data', function() end)
      child:on('close', function()
        left = left - 1
        if left == 0 then k() end
      end)
    end
  end)
end

local function measure(n)
  local clients = tonumber(process.env.CLIENTS) or 2 * n
  local c = start(n)
  local r = { rate = {}, cpu = {}, per_core = {}, busy = {}, share = {}, client_cpu = {}, ours = {}, clients = clients }
  for _ = 1, RUNS do
    sleep(300)
    local a = snapshot(c)
    local t0 = process.hrtime.bigint()
    load(c.port, clients)
    local secs = (process.hrtime.bigint() - t0) / 1e9
    sleep(400)   -- the stats lines after the last handshake
    local b = snapshot(c)
    local total, shares = 0, {}
    for _, pid in ipairs(c.workers) do total = total + (c.full[pid] or 0) - a.full[pid] end
    if total <= 0 then error('S7: no handshakes counted with ' .. n .. ' workers') end
    for i, pid in ipairs(c.workers) do shares[i] = ((c.full[pid] or 0) - a.full[pid]) / total end
    table.sort(shares, function(x, y) return x > y end)
    r.rate[#r.rate + 1] = total / secs
    r.cpu[#r.cpu + 1] = (b.cpu - a.cpu) / total
    r.per_core[#r.per_core + 1] = 1000 * total / (b.cpu - a.cpu)
    r.busy[#r.busy + 1] = 100 * (b.busy - a.busy) / (b.total - a.total)
    r.client_cpu[#r.client_cpu + 1] = (b.clients - a.clients) / total
    -- how much of the machine the servers and clients got: the rest went to other work
    r.ours[#r.ours + 1] = 100 * (b.cpu - a.cpu + b.clients - a.clients) / (secs * 1000 * CORES)
    r.share[#r.share + 1] = shares
  end
  stop(c)
  return r
end

local function shares_text(list)
  -- the median run's shares (by its rate), largest first
  local out = {}
  for _, s in ipairs(list[(#list + 1) // 2]) do out[#out + 1] = ('%.0f%%'):format(100 * s) end
  return table.concat(out, ' / ')
end

steps.main(function()
  local lines = {}
  local function out(s) lines[#lines + 1] = s; print(s) end
  out(('S7 cluster handshakes (%s, full, TLS 1.3): %d cores, %d run(s) of %ds, clients unpinned')
    :format(CERT == 'rsa' and 'RSA-2048' or 'ECDSA P-256', CORES, RUNS, SECS))
  local counts = WORKERS > 1 and { 1, WORKERS } or { 1 }
  local results = {}
  for _, n in ipairs(counts) do
    local r = measure(n)
    results[n] = r
    out(('  %d worker%s, %d clients: %s handshakes/s; server CPU %s ms/handshake = %s handshakes/s per'
      .. ' server core; client CPU %s ms/handshake; machine %s%% busy, %s%% of it this benchmark; worker shares %s')
      :format(n, n == 1 and '' or 's', r.clients, show(r.rate, '%.0f'), show(r.cpu, '%.3f'), show(r.per_core, '%.0f'),
      show(r.client_cpu, '%.3f'), show(r.busy, '%.0f'), show(r.ours, '%.0f'), shares_text(r.share)))
  end
  if results[WORKERS] and WORKERS > 1 then
    out(('  %d workers against 1: %.2fx the handshakes per second'):format(WORKERS,
      median(results[WORKERS].rate) / median(results[1].rate)))
  end
  run('mkdir', { '-p', 'bench/results' })
  fs.writeFileSync('bench/results/s7.txt', table.concat(lines, '\n') .. '\n')
end)
