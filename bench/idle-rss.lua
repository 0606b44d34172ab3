-- Server memory with N idle TLS connections (bench/idle_clients.lua makes them
-- as S5 of bench/run.lua does).
--   build/luatls bench/idle-rss.lua [N]
--     RSS per connection, luatls against Node.js
--   build/luatls bench/idle-rss.lua massif [N] [luatls nginx]
--     the heap per connection by allocation site (N: 2,000 unless given): the
--     server runs under valgrind's massif, which takes a detailed snapshot
--     before the clients connect and one once they are idle; the difference,
--     divided by N, is sorted into the sites of SITES. The snapshots stay in
--     bench/results/massif.<server>.{0,N} for ms_print.
package.path = 'bench/?.lua;' .. package.path
local cp = require('child_process')
local fs = require('fs')
local idle = require('idle_clients')

local function rss_kib(pid)
  local status = fs.readFileSync('/proc/' .. pid .. '/status')
  return tonumber(status:match('VmRSS:%s*(%d+)'))
end

---------------------------------------------------------------------------
-- massif: where the bytes of an idle connection are

-- A leaf of the heap tree belongs to whoever called the allocator: the first
-- frame of its stack in OpenSSL, Lua or nginx (luatls's C calls both; its own
-- allocations for a connection are Lua userdata). Among the sites of that
-- owner, the first with a pattern found in the stack takes it.
local SITES = {
  { 'openssl', 'OpenSSL SSL_new: the SSL (7,608 B), its CERT copy, verify param, locks', { 'SSL_new' } },
  { 'openssl', 'OpenSSL socket BIO (SSL_set_fd)', { 'SSL_set_fd' } },
  { 'openssl', 'OpenSSL record cipher contexts\' key schedules, read and write', { 'EVP_CipherInit_ex' } },
  { 'openssl', 'OpenSSL key share: the server\'s key and the peer\'s (kept in TLS 1.3)', { 'EVP_PKEY_' } },
  { 'openssl', 'OpenSSL transcript hash (kept in TLS 1.3)', { 'EVP_MD_CTX_copy_ex' } },
  { 'openssl', 'OpenSSL the client\'s cipher list (peer_ciphers)', { 'OPENSSL_sk_insert' } },
  { 'openssl', 'OpenSSL other handshake state: SSL_SESSION, EVP_CIPHER_CTXs, ciphers_raw, ...', { '' } },
  { 'lua', 'luatls stream userdata (lt_stream, stream.c)', { '^lt_stream_new' } },
  { 'lua', 'luatls timers (userdata, loop.c)', { '^timer_new' } },
  { 'lua', 'Lua heap: tables, closures, strings', { '' } },
  { 'luatls', 'luatls C: malloc from its own code', { '' } },
  { 'nginx', 'nginx pools (connection, request)', { '' } },
}

local OWNERS = { { 'libssl%.so', 'openssl' }, { 'libcrypto%.so', 'openssl' }, { 'liblua', 'lua' },
  { '/nginx%)', 'nginx' }, { '%(%a+%.c:%d+%)', 'luatls' } }

local function owner(frames)
  for i = 2, #frames do
    for _, o in ipairs(OWNERS) do
      if frames[i]:find(o[1]) then
        -- for Lua, what called into it: luatls's userdata constructors
        if o[2] == 'lua' then
          local j = i
          while frames[j] and frames[j]:find('liblua', 1, true) do j = j + 1 end
          return 'lua', (frames[j] or ''):match('^0x%x+: (.*)$') or ''
        end
        return o[2], table.concat(frames, ' < ', 2)
      end
    end
  end
  return nil
end

local function site_of(frames)
  local who, s = owner(frames)
  for _, rule in ipairs(SITES) do
    if rule[1] == who then
      for _, pat in ipairs(rule[3]) do
        if s:find(pat) then return rule[2] end
      end
    end
  end
  return 'other'
end

-- { [site] = bytes } and malloc's own bytes of the last detailed snapshot in file
local function heap_by_site(file)
  local by, stack = {}, {}
  local text = fs.readFileSync(file)
  local tree = text:match('.*heap_tree=detailed\n(.*)$')
  local extra = tonumber(text:match('.*mem_heap_extra_B=(%d+)'))
  for line in tree:gmatch('[^\n]+') do
    local ind, kids, bytes, what = line:match('^( *)n(%d+): (%d+) (.*)$')
    if not ind then break end
    local depth = #ind
    for i = depth + 2, #stack do stack[i] = nil end
    stack[depth + 1] = what
    if kids == '0' then
      local site = site_of(stack)
      by[site] = (by[site] or 0) + tonumber(bytes)
    end
  end
  return by, extra
end

local function vgdb_snapshot(pid, file)
  local steps = require('steps')
  local _, err, code = steps.run('vgdb', { '--pid=' .. pid, 'detailed_snapshot', file })
  if code ~= 0 or not fs.existsSync(file) then error('vgdb detailed_snapshot: ' .. err) end
end

local function massif(n, names)
  local steps = require('steps')
  local anchors = require('anchors')
  if #names == 0 then names = { 'luatls', 'nginx' } end
  os.execute('mkdir -p bench/results')
  steps.main(function()
    local per, extra = {}, {}
    for _, name in ipairs(names) do
      local wrap = { 'valgrind', '--tool=massif', '--depth=40', '--threshold=0.01',
        '--massif-out-file=bench/results/massif.' .. name .. '.out' }
      local child, port
      if name == 'nginx' then
        child, port = anchors.nginx('rsa', false, wrap)
      else
        local argv = { '-c', '0' }
        for _, a in ipairs(wrap) do argv[#argv + 1] = a end
        argv[#argv + 1], argv[#argv + 2] = arg[-1], 'bench/servers/idle.lua'
        child = cp.spawn('taskset', argv)
        child.stderr:on('data', function() end)
        port = steps.port_of(child)
      end
      steps.sleep(500)
      local before, after = 'bench/results/massif.' .. name .. '.0', 'bench/results/massif.' .. name .. '.' .. n
      vgdb_snapshot(child.pid, before)
      local clients = steps.await(function(k) idle.open(port, n, k) end)
      steps.sleep(3000)
      local ok, err = pcall(function()
        idle.check(port, clients)
        vgdb_snapshot(child.pid, after)
      end)
      idle.close(clients)
      steps.await(function(k) child:on('close', k); child:kill() end)
      anchors.clean(child)
      if not ok then error(err, 0) end
      local b0, e0 = heap_by_site(before)
      local b1, e1 = heap_by_site(after)
      per[name] = {}
      for site, v in pairs(b1) do per[name][site] = (v - (b0[site] or 0)) / n end
      for site, v in pairs(b0) do if not b1[site] then per[name][site] = -v / n end end
      extra[name] = (e1 - e0) / n
    end
    print(('heap per idle TLS connection, bytes (massif, %d connections, the same client)'):format(n))
    local head = ('%-82s'):format('site')
    for _, name in ipairs(names) do head = head .. ('%9s'):format(name) end
    print(head)
    local order = {}
    for _, rule in ipairs(SITES) do order[#order + 1] = rule[2] end
    order[#order + 1] = 'other'
    local total = {}
    for _, site in ipairs(order) do
      local line, any = ('%-82s'):format(site), false
      for _, name in ipairs(names) do
        local v = per[name][site] or 0
        total[name] = (total[name] or 0) + v
        any = any or math.abs(v) >= 1
        line = line .. ('%9.0f'):format(v)
      end
      if any then print(line) end
    end
    local t, x, kib = ('%-82s'):format('total requested'), ('%-82s'):format('malloc\'s own (headers, alignment)'),
      ('%-82s'):format('total, KiB')
    for _, name in ipairs(names) do
      t = t .. ('%9.0f'):format(total[name])
      x = x .. ('%9.0f'):format(extra[name])
      kib = kib .. ('%9.2f'):format((total[name] + extra[name]) / 1024)
    end
    print(t)
    print(x)
    print(kib)
    os.exit(0)
  end)
end

if arg[1] == 'massif' then
  massif(tonumber(arg[2]) or 2000, { table.unpack(arg, 3) })
  return
end

---------------------------------------------------------------------------
-- RSS, luatls against Node.js

local N = tonumber(arg[1]) or 1000

local function measure(cmd, args, done)
  local child = cp.spawn(cmd, args)
  local seen, started = '', false
  child.stdout:on('data', function(d)
    seen = seen .. d
    local port = tonumber(seen:match('PORT (%d+)'))
    if not port or started then return end
    started = true
    local base = rss_kib(child.pid)
    idle.open(port, N, function(clients)
      -- every handshake is finished on the server; let it settle
      setTimeout(function()
        local ok, err = pcall(idle.check, port, clients)
        local full = rss_kib(child.pid)
        idle.close(clients)
        child:kill()
        if not ok then error(err, 0) end
        done(base, full)
      end, 500)
    end)
  end)
end

measure(arg[-1], { 'bench/servers/idle.lua' }, function(lb, lf)
  measure('node', { 'bench/servers/idle.js' }, function(nb, nf)
    local lper, nper = (lf - lb) / N, (nf - nb) / N
    print(('idle TLS connections: %d'):format(N))
    print(('%-8s %10s %12s %14s'):format('server', 'RSS empty', ('RSS %d conns'):format(N), 'KiB/connection'))
    print(('%-8s %7d KiB %8d KiB %14.1f'):format('luatls', lb, lf, lper))
    print(('%-8s %7d KiB %8d KiB %14.1f'):format('node', nb, nf, nper))
    print(('ratio node/luatls per connection: %.2f'):format(nper / lper))
  end)
end)
