-- make bench: luatls against Node.js on this machine, in one run. Each server
-- is pinned to core 0 and its load generator to core 1; every figure is the
-- median of three runs with the range beside it.
--   build/luatls bench/run.lua [quick]
local cp = require('child_process')
local fs = require('fs')

local LUATLS = arg[-1]
local QUICK = arg[1] == 'quick'
local RUNS = 3
local SECS = QUICK and 1 or 3
local TICK_MS = 10   -- /proc clock ticks (USER_HZ 100)
local node_version   -- `node --version`, asked when the run starts

package.path = 'bench/?.lua;' .. package.path
local steps = require('steps')
local await, sleep, run = steps.await, steps.sleep, steps.run

-- starts a server pinned to core 0; returns the child and its port once it listens
local function server(cmd, args)
  local child = cp.spawn('taskset', { '-c', '0', cmd, table.unpack(args) })
  child.stats = { 0, 0 }
  local port = await(function(k)
    local buf = ''
    child.stdout:on('data', function(d)
      buf = buf .. d
      for a, b in buf:gmatch('STATS (%d+) (%d+)') do child.stats = { tonumber(a), tonumber(b) } end
      local p = buf:match('PORT (%d+)')
      if p then k(tonumber(p)) end
      if #buf > 4096 then buf = buf:sub(-256) end
    end)
  end)
  return child, port
end

local function stop(child)
  await(function(k)
    child:on('close', k)
    child:kill()
  end)
end

local function cpu_ms(pid)
  local stat = fs.readFileSync('/proc/' .. pid .. '/stat')
  local f = {}
  for x in stat:match('%) (.*)$'):gmatch('%S+') do f[#f + 1] = x end
  return (tonumber(f[12]) + tonumber(f[13])) * TICK_MS
end

local function rss_kib(pid)
  return tonumber(fs.readFileSync('/proc/' .. pid .. '/status'):match('VmRSS:%s*(%d+)'))
end

local function median(list)
  local t = { table.unpack(list) }
  table.sort(t)
  return t[(#t + 1) // 2], t[1], t[#t]
end

---------------------------------------------------------------------------
-- the table

local rows = {}
local function row(name, unit, lua_vals, node_vals, lower_is_better, fmt)
  rows[#rows + 1] = { name = name, unit = unit, l = lua_vals, n = node_vals, lower = lower_is_better, fmt = fmt or '%.2f' }
end

local function show(v, fmt)
  local m, lo, hi = median(v)
  if #v == 1 then return (fmt):format(m) end
  return (fmt .. ' (' .. fmt .. '-' .. fmt .. ')'):format(m, lo, hi)
end

local function print_table(speed)
  local lines = {}
  local function out(s) lines[#lines + 1] = s; print(s) end
  local width = #'scenario'
  for _, r in ipairs(rows) do width = math.max(width, #r.name + #r.unit + 3) end
  local fmt = '%-' .. width .. 's %-24s %-24s '
  out((fmt .. '%s'):format('scenario', 'luatls', 'node ' .. node_version, 'luatls:node'))
  for _, r in ipairs(rows) do
    local lm, nm = median(r.l), median(r.n)
    out((fmt .. '%.2f'):format(r.name .. ' [' .. r.unit .. ']', show(r.l, r.fmt), show(r.n, r.fmt), lm / nm))
  end
  out('')
  for _, s in ipairs(speed) do out(s) end
  fs.writeFileSync('bench/results/latest.txt', table.concat(lines, '\n') .. '\n')
end

---------------------------------------------------------------------------
-- scenarios

local RUNTIMES = {
  { 'luatls', LUATLS, '.lua' },
  { 'node', 'node', '.js' },
}

-- S1, S2: server CPU per handshake, with openssl s_time as the client (never
-- resumes with -new, always does with -reuse); the server counts which it saw
local function handshakes(mode, cert)
  local per = {}
  for _, rt in ipairs(RUNTIMES) do
    local child, port = server(rt[2], { 'bench/servers/hs' .. rt[3], cert })
    local cpu, rate = {}, {}
    for _ = 1, RUNS do
      sleep(300)
      local before_cpu, before = cpu_ms(child.pid), child.stats
      local t0 = process.hrtime.bigint()
      -- s_time closes TLS 1.3 connections before their tickets arrive: resume over TLS 1.2
      local args = { '-c', '1', 'openssl', 's_time', '-connect', '127.0.0.1:' .. port, mode, '-time', tostring(SECS) }
      if mode == '-reuse' then args[#args + 1] = '-tls1_2' end
      run('taskset', args)
      local secs = (process.hrtime.bigint() - t0) / 1e9
      sleep(300)   -- the stats line after the last handshake
      local after = child.stats
      local n = mode == '-new' and after[1] - before[1] or after[2] - before[2]
      if n <= 0 then error(rt[1] .. ': no ' .. mode .. ' handshakes counted') end
      cpu[#cpu + 1] = (cpu_ms(child.pid) - before_cpu) / n
      rate[#rate + 1] = n / secs
    end
    per[rt[1]] = { cpu = cpu, rate = rate }
    stop(child)
  end
  return per
end

local function s3()
  local per = {}
  for _, rt in ipairs(RUNTIMES) do
    local child, port = server(rt[2], { 'bench/servers/http' .. rt[3] })
    local rps, cpu = {}, {}
    for _ = 1, RUNS do
      local before = cpu_ms(child.pid)
      local out = run('taskset', { '-c', '1', 'wrk', '-t1', '-c100', '-d' .. (SECS + 1) .. 's',
        'https://127.0.0.1:' .. port .. '/' })
      local r = tonumber(out:match('Requests/sec:%s*([%d%.]+)'))
      local total = tonumber(out:match('(%d+) requests in'))
      rps[#rps + 1] = r
      cpu[#cpu + 1] = (cpu_ms(child.pid) - before) * 1000 / total
    end
    per[rt[1]] = { rps = rps, cpu = cpu }
    stop(child)
  end
  return per
end

local function s4(cipher, mib)
  local per = {}
  for _, rt in ipairs(RUNTIMES) do
    local child, port = server(rt[2], { 'bench/servers/echo' .. rt[3], cipher })
    local mbps, cpu = {}, {}
    for _ = 1, RUNS do
      local before = cpu_ms(child.pid)
      local out = run('taskset', { '-c', '1', LUATLS, 'bench/clients/bulk.lua', tostring(port), cipher, tostring(mib) })
      mbps[#mbps + 1] = tonumber(out:match('MBPS ([%d%.]+)'))
      cpu[#cpu + 1] = (cpu_ms(child.pid) - before) / (mib / 1024)
    end
    per[rt[1]] = { mbps = mbps, cpu = cpu }
    stop(child)
  end
  return per
end

-- S5: server RSS with n idle TLS connections, the client in this process
local function s5(n)
  local tls = require('tls')
  local ca = fs.readFileSync('certs/ca-cert.pem')
  local per = {}
  for _, rt in ipairs(RUNTIMES) do
    local child, port = server(rt[2], { 'bench/servers/idle' .. rt[3] })
    sleep(200)
    local base = rss_kib(child.pid)
    local clients = {}
    await(function(k)
      if n == 0 then return k() end
      local connected, opened = 0, 0
      local function open()
        opened = opened + 1
        local c = tls.connect(port, 'localhost', { ca = ca })
        clients[#clients + 1] = c
        c:on('secureConnect', function()
          c:write('x')
          connected = connected + 1
          if connected == n then k() elseif opened < n then open() end
        end)
        c:on('error', function(e) error('idle client: ' .. tostring(e)) end)
      end
      for _ = 1, math.min(50, n) do open() end
    end)
    sleep(1000)
    local full = rss_kib(child.pid)
    for _, c in ipairs(clients) do c:destroy() end
    per[rt[1]] = { base = base, full = full, per_conn = n > 0 and (full - base) / n or 0 }
    stop(child)
  end
  return per
end

local function s6()
  local per = {}
  for _, rt in ipairs(RUNTIMES) do
    local times = {}
    for _ = 1, QUICK and 5 or 15 do
      local t0 = process.hrtime.bigint()
      run(rt[2], { '-e', '' })
      times[#times + 1] = (process.hrtime.bigint() - t0) / 1e6
    end
    local m = median(times)
    per[rt[1]] = { m }
  end
  return per
end

-- the machine's own limits
local function speed()
  local lines = {}
  local out = run('openssl', { 'speed', '-seconds', '1', 'ecdsap256', 'rsa2048', 'ecdhx25519' })
  local ecdsa = tonumber(out:match('256 bits ecdsa %(nistp256%)%s+[%d%.]+s%s+[%d%.]+s%s+([%d%.]+)'))
  local rsa = tonumber(out:match('rsa 2048 bits%s+[%d%.]+s%s+[%d%.]+s%s+([%d%.]+)'))
  local x25519 = tonumber(out:match('253 bits ecdh %(X25519%)%s+[%d%.]+s%s+([%d%.]+)'))
  local aes = run('openssl', { 'speed', '-seconds', '1', '-evp', 'aes-128-gcm', '-bytes', '16384' })
  local cha = run('openssl', { 'speed', '-seconds', '1', '-evp', 'chacha20-poly1305', '-bytes', '16384' })
  local aes_kbs = tonumber(aes:lower():match('aes%-128%-gcm%s+([%d%.]+)k'))
  local cha_kbs = tonumber(cha:lower():match('chacha20%-poly1305%s+([%d%.]+)k'))
  local floor_ecdsa = ecdsa and x25519 and (1000 / ecdsa + 1000 / x25519)
  local floor_rsa = rsa and x25519 and (1000 / rsa + 1000 / x25519)
  lines[#lines + 1] = 'machine limits (openssl speed, one core):'
  lines[#lines + 1] = ('  ECDSA P-256 sign %s/s, RSA-2048 sign %s/s, X25519 %s/s'):format(ecdsa, rsa, x25519)
  lines[#lines + 1] = ('  crypto floor per full handshake: ECDSA %.3f ms, RSA %.3f ms (one signature + one ECDH)')
    :format(floor_ecdsa or 0, floor_rsa or 0)
  lines[#lines + 1] = ('  AES-128-GCM %.0f MB/s, ChaCha20-Poly1305 %.0f MB/s (16 KiB records); an echo through one core'
    .. ' decrypts and encrypts each byte: ceiling %.0f and %.0f MB/s'):format((aes_kbs or 0) * 1.024 / 1000,
      (cha_kbs or 0) * 1.024 / 1000, (aes_kbs or 0) * 1.024 / 2000, (cha_kbs or 0) * 1.024 / 2000)
  return lines, floor_ecdsa, floor_rsa
end

---------------------------------------------------------------------------

steps.main(function()
  local nv = run('node', { '--version' })
  node_version = nv:gsub('%s', '')
  print(('luatls %s against Node.js %s; %d runs per figure, %ds each; servers on core 0, clients on core 1')
    :format(process.versions.luatls, node_version, RUNS, SECS))
  for _, cert in ipairs({ 'ecdsa', 'rsa' }) do
    local r = handshakes('-new', cert)
    local label = cert == 'ecdsa' and 'ECDSA P-256' or 'RSA-2048'
    row('S1 full handshake, ' .. label .. ', server CPU', 'ms', r.luatls.cpu, r.node.cpu, true, '%.3f')
    row('S1 full handshakes, ' .. label, '/s', r.luatls.rate, r.node.rate, false, '%.0f')
  end
  local r2 = handshakes('-reuse', 'ecdsa')
  row('S2 resumed handshake, TLS 1.2 ticket, server CPU', 'ms', r2.luatls.cpu, r2.node.cpu, true, '%.3f')
  row('S2 resumed handshakes', '/s', r2.luatls.rate, r2.node.rate, false, '%.0f')
  local r3 = s3()
  row('S3 keep-alive requests, 100 connections', '/s', r3.luatls.rps, r3.node.rps, false, '%.0f')
  row('S3 server CPU per request', 'us', r3.luatls.cpu, r3.node.cpu, true, '%.1f')
  for _, c in ipairs({ { 'TLS_AES_128_GCM_SHA256', 'AES-128-GCM' }, { 'TLS_CHACHA20_POLY1305_SHA256', 'ChaCha20' } }) do
    local r4 = s4(c[1], QUICK and 64 or 512)
    row('S4 echo throughput, ' .. c[2], 'MB/s', r4.luatls.mbps, r4.node.mbps, false, '%.0f')
    row('S4 server CPU per GiB echoed, ' .. c[2], 'ms', r4.luatls.cpu, r4.node.cpu, true, '%.0f')
  end
  for _, n in ipairs(QUICK and { 0, 1000 } or { 0, 1000, 10000 }) do
    local r5 = s5(n)
    if n == 0 then
      row('S5 server RSS, no connection', 'KiB', { r5.luatls.base }, { r5.node.base }, true, '%.0f')
    else
      row(('S5 RSS per idle connection at %d'):format(n), 'KiB', { r5.luatls.per_conn }, { r5.node.per_conn }, true, '%.1f')
    end
  end
  local r6 = s6()
  row('S6 start-up, -e \'\'', 'ms', r6.luatls, r6.node, true, '%.1f')
  local lines = speed()
  print('')
  print_table(lines)
  -- S7: the cluster, on every core (bench/s7-cluster.lua, its own table)
  print('')
  io.write((run(LUATLS, { 'bench/s7-cluster.lua', QUICK and 'quick' or nil })))
  -- S8, sessions shared through Redis: bench/s8-redis.lua, its own table
  print('')
  io.write((run(LUATLS, { 'bench/s8-redis.lua', QUICK and 'quick' or 'full' })))
end)
