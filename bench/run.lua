-- make bench: luatls against Node.js, nginx and openssl s_server on this machine,
-- in one run. Each server is pinned to core 0 and its load generator to core 1;
-- the servers of a scenario run side by side and are measured in alternating
-- rounds; every figure is the median of three rounds with the range beside it.
--   build/luatls bench/run.lua [quick] [S1 S3 ...]   (default: every scenario)
-- A scenario is a function registered with scenario(id, fn); it measures through
-- rounds() and adds rows with row(). The table goes to bench/results/latest.txt,
-- the figures of record to bench/results/latest.png.
local cp = require('child_process')
local fs = require('fs')

local LUATLS = arg[-1]
local QUICK, ONLY = false, {}
for _, a in ipairs(arg) do
  if a == 'quick' then QUICK = true else ONLY[a] = true end
end
local RUNS = 3
local SECS = QUICK and 1 or 3
local node_version   -- `node --version`, asked when the run starts

package.path = 'bench/?.lua;' .. package.path
local steps = require('steps')
local anchors = require('anchors')
local await, sleep, run, cpu_ms = steps.await, steps.sleep, steps.run, steps.cpu_ms

-- the servers, in the table's order; anchors have no Lua or JavaScript twin
local SERVERS = { 'luatls', 'node', 'nginx', 's_server' }
local COLOURS = { luatls = '0x1f77b4', node = '0xff7f0e', nginx = '0x2ca02c', s_server = '0x7f7f7f' }

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

-- starts server `name` for bench/servers/<what>.{lua,js} (arg: its argument); the
-- anchors' equivalent: nginx with the same certificate, s_server for handshakes
local CERT_OF = { http = 'ecdsa', bulk = 'ecdsa', idle = 'rsa' }
local function start(name, what, a)
  if name == 'luatls' then return server(LUATLS, { 'bench/servers/' .. what .. '.lua', a }) end
  if name == 'node' then return server('node', { 'bench/servers/' .. what .. '.js', a }) end
  if name == 'nginx' then return anchors.nginx(CERT_OF[what] or a, what == 'bulk') end
  if name == 's_server' then return anchors.s_server(a) end
  error('unknown server ' .. name)
end

local function stop(child)
  if not child.exitCode then
    await(function(k)
      child:on('close', k)
      child:kill()
    end)
  end
  anchors.clean(child)
end

local function rss_kib(pid)
  return tonumber(fs.readFileSync('/proc/' .. pid .. '/status'):match('VmRSS:%s*(%d+)'))
end

local function median(list)
  local t = { table.unpack(list) }
  table.sort(t)
  return t[(#t + 1) // 2], t[1], t[#t]
end

-- starts every server in names (start(name) returns child, port), then RUNS rounds
-- of measure(name, child, port) over them in turn; returns per[name][key] = { values }
local function rounds(names, start_one, measure)
  local live = {}
  for _, name in ipairs(names) do
    local child, port = start_one(name)
    live[#live + 1] = { name = name, child = child, port = port }
  end
  local per = {}
  for _ = 1, RUNS do
    for _, s in ipairs(live) do
      per[s.name] = per[s.name] or {}
      for key, v in pairs(measure(s.name, s.child, s.port)) do
        per[s.name][key] = per[s.name][key] or {}
        table.insert(per[s.name][key], v)
      end
    end
  end
  for _, s in ipairs(live) do stop(s.child) end
  return per
end

-- { server = values } of one key of a rounds() result
local function pick(per, key)
  local out = {}
  for name, t in pairs(per) do out[name] = t[key] end
  return out
end

---------------------------------------------------------------------------
-- the table

local rows = {}
-- row(name, unit, { server = values }, lower_is_better, fmt) or, as before the
-- anchors, row(name, unit, luatls_values, node_values, lower_is_better, fmt).
-- Returns the row: set .record = true to plot it, .floor to mark the crypto floor.
local function row(name, unit, a, b, c, d)
  local r
  if a.luatls or a.node or a.nginx or a.s_server then
    r = { vals = a, lower = b, fmt = c or '%.2f' }
  else
    r = { vals = { luatls = a, node = b }, lower = c, fmt = d or '%.2f' }
  end
  r.name, r.unit = name, unit
  rows[#rows + 1] = r
  return r
end

local function show(v, fmt)
  if not v or #v == 0 then return '-' end
  local m, lo, hi = median(v)
  if #v == 1 then return (fmt):format(m) end
  return (fmt .. ' (' .. fmt .. '-' .. fmt .. ')'):format(m, lo, hi)
end

local function ratio(r, other)
  local a, b = r.vals.luatls, r.vals[other]
  if not a or not b or #a == 0 or #b == 0 then return '-' end
  return ('%.2f'):format(median(a) / median(b))
end

local function print_table(speed)
  local lines = {}
  local function out(s) lines[#lines + 1] = s; print(s) end
  local width = #'scenario'
  for _, r in ipairs(rows) do width = math.max(width, #r.name + #r.unit + 3) end
  local fmt = '%-' .. width .. 's ' .. ('%-23s '):rep(#SERVERS) .. '%-12s %s'
  local head = { 'scenario' }
  for _, s in ipairs(SERVERS) do head[#head + 1] = s == 'node' and 'node ' .. node_version or s end
  head[#head + 1], head[#head + 2] = 'luatls:node', 'luatls:nginx'
  out(fmt:format(table.unpack(head)))
  for _, r in ipairs(rows) do
    local cells = { r.name .. ' [' .. r.unit .. ']' }
    for _, s in ipairs(SERVERS) do cells[#cells + 1] = show(r.vals[s], r.fmt) end
    cells[#cells + 1], cells[#cells + 2] = ratio(r, 'node'), ratio(r, 'nginx')
    out(fmt:format(table.unpack(cells)))
  end
  out('')
  for _, s in ipairs(speed) do out(s) end
  fs.writeFileSync('bench/results/latest.txt', table.concat(lines, '\n') .. '\n')
end

-- bench/results/latest.png: one panel per figure of record, a bar per server, the
-- crypto floor as a dashed line where there is one
local function plot()
  local rec = {}
  for _, r in ipairs(rows) do if r.record then rec[#rec + 1] = r end end
  if #rec == 0 then return end
  local cols = math.min(4, #rec)
  local g = {
    "set terminal pngcairo size " .. (cols * 400) .. "," .. (math.ceil(#rec / cols) * 380) .. " font 'sans,9'",
    "set output 'bench/results/latest.png'",
    ("set multiplot layout %d,%d title 'make bench %s: luatls %s, Node.js %s, nginx (one core each; lower is better"
      .. " unless marked)'"):format(math.ceil(#rec / cols), cols, os.date('!%Y-%m-%d %H:%M UTC'),
      process.versions.luatls, node_version),
    'set style fill solid 0.85 border -1', 'set boxwidth 0.6', 'unset key', 'set grid ytics',
    'set xrange [-0.6:*]',
  }
  for i, r in ipairs(rec) do
    local data, top = {}, r.floor or 0
    for _, s in ipairs({ 'luatls', 'nginx', 'node' }) do
      local v = r.vals[s]
      if v and #v > 0 then
        local m = median(v)
        top = math.max(top, m)
        data[#data + 1] = ('"%s" %g %s'):format(s, m, COLOURS[s])
      end
    end
    g[#g + 1] = ('$d%d << EOD\n%s\nEOD'):format(i, table.concat(data, '\n'))
    g[#g + 1] = ('set title "%s\\n[%s]%s"'):format(r.name:gsub('"', "'"), r.unit, r.lower and '' or ', higher is better')
    g[#g + 1] = ('set yrange [0:%g]'):format(top * 1.25)
    if r.floor then
      g[#g + 1] = ("set arrow 1 from graph 0, first %g to graph 1, first %g nohead front dt 2 lw 2 lc rgb 'red'")
        :format(r.floor, r.floor)
      g[#g + 1] = ("set label 1 'crypto floor' at graph 0.98, first %g right offset 0,0.7 front tc rgb 'red'"):format(r.floor)
    end
    g[#g + 1] = ("plot $d%d using 0:2:3:xtic(1) with boxes lc rgb variable, '' using 0:2:(sprintf('%s', $2))"
      .. ' with labels offset 0,0.7'):format(i, r.fmt:gsub('%(', ''):gsub('%)', ''))
    g[#g + 1] = 'unset arrow 1; unset label 1'
  end
  g[#g + 1] = 'unset multiplot'
  fs.writeFileSync('bench/results/latest.gp', table.concat(g, '\n') .. '\n')
  local _, err, code = run('gnuplot', { 'bench/results/latest.gp' })
  if code ~= 0 then io.stderr:write('gnuplot: ', err) else print('picture: bench/results/latest.png') end
end

---------------------------------------------------------------------------
-- scenarios

local SCENARIOS = {}
local function scenario(id, fn) SCENARIOS[#SCENARIOS + 1] = { id = id, fn = fn } end
local floors = {}   -- filled by speed(): per row key, the crypto floor

-- S1, S2: server CPU per handshake, with openssl s_time as the client (never
-- resumes with -new, always does with -reuse); it prints a * per new and an r per
-- resumed connection, which is what is counted
local function handshakes(mode, cert)
  return rounds(SERVERS, function(name) return start(name, 'hs', cert) end, function(_, child, port)
    sleep(200)
    local before = cpu_ms(child.pid)
    local t0 = process.hrtime.bigint()
    -- s_time closes TLS 1.3 connections before their tickets arrive: resume over TLS 1.2
    local args = { '-c', '1', 'openssl', 's_time', '-connect', '127.0.0.1:' .. port, mode, '-time', tostring(SECS) }
    if mode == '-reuse' then args[#args + 1] = '-tls1_2' end
    local out = run('taskset', args)
    local secs = (process.hrtime.bigint() - t0) / 1e9
    sleep(200)
    local marks = out:match('\n([%*r]+)\n') or ''
    local _, n = marks:gsub(mode == '-new' and '%*' or 'r', '')
    if n <= 0 then error(port .. ': no ' .. mode .. ' handshakes counted') end
    return { cpu = (cpu_ms(child.pid) - before) / n, rate = n / secs }
  end)
end

scenario('S1', function()
  for _, cert in ipairs({ 'ecdsa', 'rsa' }) do
    local r = handshakes('-new', cert)
    local label = cert == 'ecdsa' and 'ECDSA P-256' or 'RSA-2048'
    local cpu = row('S1 full handshake, ' .. label .. ', server CPU', 'ms', pick(r, 'cpu'), true, '%.3f')
    cpu.record, cpu.key = true, 'S1' .. cert
    row('S1 full handshakes, ' .. label, '/s', pick(r, 'rate'), false, '%.0f')
  end
end)

scenario('S2', function()
  local r = handshakes('-reuse', 'ecdsa')
  row('S2 resumed handshake, TLS 1.2 ticket, server CPU', 'ms', pick(r, 'cpu'), true, '%.3f').record = true
  row('S2 resumed handshakes', '/s', pick(r, 'rate'), false, '%.0f')
end)

-- wrk's latency percentile pct ('50%') in ms
local function latency(out, pct)
  local v, unit = out:match('\n%s*' .. pct:gsub('%%', '%%%%') .. '%s+([%d%.]+)(%a+)')
  local scale = { us = 0.001, ms = 1, s = 1000, m = 60000 }
  return v and tonumber(v) * scale[unit] or nil
end

-- S3: keep-alive tiny requests, 100 connections, wrk on core 1
scenario('S3', function()
  local r = rounds({ 'luatls', 'node', 'nginx' }, function(name) return start(name, 'http') end,
    function(_, child, port)
      local before = cpu_ms(child.pid)
      local out = run('taskset', { '-c', '1', 'wrk', '-t1', '-c100', '-d' .. (SECS + 1) .. 's', '--latency',
        'https://127.0.0.1:' .. port .. '/' })
      local total = tonumber(out:match('(%d+) requests in'))
      return { rps = tonumber(out:match('Requests/sec:%s*([%d%.]+)')), cpu = (cpu_ms(child.pid) - before) * 1000 / total,
        p50 = latency(out, '50%'), p99 = latency(out, '99%') }
    end)
  row('S3 keep-alive requests, 100 connections', '/s', pick(r, 'rps'), false, '%.0f')
  row('S3 server CPU per request', 'us', pick(r, 'cpu'), true, '%.1f').record = true
  row('S3 latency p50', 'ms', pick(r, 'p50'), true, '%.2f')
  row('S3 latency p99', 'ms', pick(r, 'p99'), true, '%.2f').record = true
end)

-- S4: echo through one connection, our bulk client on core 1 (nginx has no echo)
scenario('S4', function()
  local mib = QUICK and 64 or 512
  for _, c in ipairs({ { 'TLS_AES_128_GCM_SHA256', 'AES-128-GCM' }, { 'TLS_CHACHA20_POLY1305_SHA256', 'ChaCha20' } }) do
    local r = rounds({ 'luatls', 'node' }, function(name) return start(name, 'echo', c[1]) end,
      function(_, child, port)
        local before = cpu_ms(child.pid)
        local out = run('taskset', { '-c', '1', LUATLS, 'bench/clients/bulk.lua', tostring(port), c[1], tostring(mib) })
        return { mbps = tonumber(out:match('MBPS ([%d%.]+)')), cpu = (cpu_ms(child.pid) - before) / (mib / 1024) }
      end)
    row('S4 echo throughput, ' .. c[2], 'MB/s', pick(r, 'mbps'), false, '%.0f')
    local cpu = row('S4 server CPU per GiB echoed, ' .. c[2], 'ms', pick(r, 'cpu'), true, '%.0f')
    if c[2] == 'AES-128-GCM' then cpu.record, cpu.key = true, 'S4aes' end
  end
end)

-- S4b: one-way bulk, 512 MiB over one connection to curl, which only reads; nginx
-- sends a file from tmpfs, luatls and Node write from memory
scenario('S4b', function()
  local mib = anchors.BULK_MIB
  local r = rounds({ 'luatls', 'node', 'nginx' }, function(name) return start(name, 'bulk', tostring(mib)) end,
    function(_, child, port)
      local before = cpu_ms(child.pid)
      local out = run('taskset', { '-c', '1', 'curl', '-sk', '--http1.1', '--tls13-ciphers', 'TLS_AES_128_GCM_SHA256',
        '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', 'https://127.0.0.1:' .. port .. '/bulk' })
      local size, speed = out:match('(%d+) ([%d%.]+)')
      if tonumber(size) ~= mib * 1048576 then error('S4b: ' .. tostring(size) .. ' bytes received') end
      return { mbps = tonumber(speed) / 1e6, cpu = (cpu_ms(child.pid) - before) / (mib / 1024) }
    end)
  row('S4b one-way bulk, 512 MiB, AES-128-GCM', 'MB/s', pick(r, 'mbps'), false, '%.0f')
  local cpu = row('S4b server CPU per GiB sent', 'ms', pick(r, 'cpu'), true, '%.0f')
  cpu.record, cpu.key = true, 'S4b'
end)

-- S5: server RSS with n idle TLS connections, the clients in this process
-- (bench/idle_clients.lua: a connection counts once the server has finished its
-- handshake; the server's side of each is checked before RSS is read)
local idle = require('idle_clients')

local function s5(name, n)
  local child, port = start(name, 'idle')
  sleep(200)
  local base = rss_kib(child.pid)
  local clients = await(function(k) idle.open(port, n, k) end)
  sleep(1000)
  local ok, err = pcall(idle.check, port, clients)
  local full = rss_kib(child.pid)
  idle.close(clients)
  stop(child)
  if not ok then error(err, 0) end
  return { base }, { n > 0 and (full - base) / n or 0 }
end

-- nginx allocates and touches a connection and two events for each of its
-- worker_connections when it starts: that part of each connection is in its
-- base RSS, not in (full - base) / n. Measured once, as the difference between
-- two empty nginx with few and many connection slots, it is added to nginx's
-- figure per connection.
local function nginx_slot_kib()
  local few, many = 1024, anchors.NGINX_CONNECTIONS
  local rss = {}
  for _, slots in ipairs({ few, many }) do
    local child = anchors.nginx(CERT_OF.idle, false, nil, slots)
    sleep(200)
    rss[slots] = rss_kib(child.pid)
    stop(child)
  end
  return (rss[many] - rss[few]) / (many - few)
end

scenario('S5', function()
  local ns = QUICK and { 0, 1000 } or { 0, 1000, 10000 }
  local slot = nginx_slot_kib()
  for i, n in ipairs(ns) do
    local base, per = {}, {}
    for _, name in ipairs({ 'luatls', 'node', 'nginx' }) do base[name], per[name] = s5(name, n) end
    if n == 0 then
      row('S5 server RSS, no connection', 'KiB', base, true, '%.0f')
      row('S5 nginx connection slot, in its base RSS', 'KiB', { nginx = { slot } }, true, '%.2f')
    else
      row(('S5 RSS per idle connection at %d'):format(n), 'KiB', per, true, '%.1f').record = i == #ns
      row('S5 same, nginx with its connection slot', 'KiB',
        { luatls = per.luatls, nginx = { per.nginx[1] + slot } }, true, '%.1f')
    end
  end
end)

scenario('S6', function()
  local per = {}
  for _, rt in ipairs({ { 'luatls', LUATLS }, { 'node', 'node' } }) do
    local times = {}
    for _ = 1, QUICK and 5 or 15 do
      local t0 = process.hrtime.bigint()
      run(rt[2], { '-e', '' })
      times[#times + 1] = (process.hrtime.bigint() - t0) / 1e6
    end
    per[rt[1]] = { (median(times)) }
  end
  row('S6 start-up, -e \'\'', 'ms', per, true, '%.1f')
end)

-- the machine's own limits, and the crypto floors they give
local function speed()
  local lines = {}
  local out = run('openssl', { 'speed', '-seconds', '1', 'ecdsap256', 'rsa2048', 'ecdhx25519' })
  local ecdsa = tonumber(out:match('256 bits ecdsa %(nistp256%)%s+[%d%.]+s%s+[%d%.]+s%s+([%d%.]+)'))
  local rsa = tonumber(out:match('rsa 2048 bits%s+[%d%.]+s%s+[%d%.]+s%s+([%d%.]+)'))
  local x25519 = tonumber(out:match('253 bits ecdh %(X25519%)%s+[%d%.]+s%s+([%d%.]+)'))
  local aes = run('openssl', { 'speed', '-seconds', '1', '-evp', 'aes-128-gcm', '-bytes', '16384' })
  local cha = run('openssl', { 'speed', '-seconds', '1', '-evp', 'chacha20-poly1305', '-bytes', '16384' })
  local aes_mbs = (tonumber(aes:lower():match('aes%-128%-gcm%s+([%d%.]+)k')) or 0) * 1.024 / 1000
  local cha_mbs = (tonumber(cha:lower():match('chacha20%-poly1305%s+([%d%.]+)k')) or 0) * 1.024 / 1000
  floors.S1ecdsa = ecdsa and x25519 and (1000 / ecdsa + 1000 / x25519)
  floors.S1rsa = rsa and x25519 and (1000 / rsa + 1000 / x25519)
  local gib_mb = 1073.741824
  if aes_mbs > 0 then floors.S4aes, floors.S4b = 2 * gib_mb / aes_mbs * 1000, gib_mb / aes_mbs * 1000 end
  lines[#lines + 1] = 'machine limits (openssl speed, one core):'
  lines[#lines + 1] = ('  ECDSA P-256 sign %s/s, RSA-2048 sign %s/s, X25519 %s/s'):format(ecdsa, rsa, x25519)
  lines[#lines + 1] = ('  crypto floor per full handshake: ECDSA %.3f ms, RSA %.3f ms (one signature + one ECDH)')
    :format(floors.S1ecdsa or 0, floors.S1rsa or 0)
  lines[#lines + 1] = ('  AES-128-GCM %.0f MB/s, ChaCha20-Poly1305 %.0f MB/s (16 KiB records); an echo through one core'
    .. ' decrypts and encrypts each byte: ceiling %.0f and %.0f MB/s'):format(aes_mbs, cha_mbs, aes_mbs / 2, cha_mbs / 2)
  lines[#lines + 1] = ('  crypto floor per GiB: %.0f ms sent (S4b), %.0f ms echoed (S4), AES-128-GCM')
    :format(floors.S4b or 0, floors.S4aes or 0)
  return lines
end

---------------------------------------------------------------------------

steps.main(function()
  local nv = run('node', { '--version' })
  node_version = nv:gsub('%s', '')
  local ngv = select(2, run('nginx', { '-v' })):match('nginx/(%S+)') or '?'
  print(('luatls %s against Node.js %s, nginx %s and openssl s_server; %d rounds per figure, %ds each;'
    .. ' servers on core 0, clients on core 1'):format(process.versions.luatls, node_version, ngv,
    RUNS, SECS))
  for _, s in ipairs(SCENARIOS) do
    if next(ONLY) == nil or ONLY[s.id] then
      local t0 = process.hrtime.bigint()
      s.fn()
      io.stderr:write(('%s: %.0f s\n'):format(s.id, (process.hrtime.bigint() - t0) / 1e9))
    end
  end
  local lines = speed()
  for _, r in ipairs(rows) do if r.key then r.floor = floors[r.key] end end
  anchors.clean()
  print('')
  print_table(lines)
  plot()
  -- S7: the cluster, on every core (bench/s7-cluster.lua, its own table)
  print('')
  io.write((run(LUATLS, { 'bench/s7-cluster.lua', QUICK and 'quick' or nil })))
  -- S8, sessions shared through Redis: bench/s8-redis.lua, its own table
  print('')
  io.write((run(LUATLS, { 'bench/s8-redis.lua', QUICK and 'quick' or 'full' })))
end)
