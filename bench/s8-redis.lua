-- S8: resumed handshakes across two server processes that share their sessions
-- through Redis (tls.sessionStore.redis), against resumption within one process
-- (the server's own session cache). One client connects N times, one connection
-- at a time, offering the last session it got; servers and redis-server on core 0.
--   build/luatls bench/s8-redis.lua [quick]
-- bench/run.lua runs it and prints its rows.
local cp = require('child_process')
local fs = require('fs')
local tls = require('tls')
package.path = 'bench/?.lua;' .. package.path
local steps = require('steps')
local await, run = steps.await, steps.run

local N = arg[1] == 'quick' and 300 or 2000
local ca = fs.readFileSync('certs/ca-cert.pem')

local cpu_ms = steps.cpu_ms

local function server(args)
  local child = cp.spawn('taskset', { '-c', '0', arg[-1], 'bench/servers/fleet.lua', table.unpack(args) })
  return child, steps.port_of(child)
end

local function stop(child)
  await(function(k) child:on('close', k); child:kill() end)
end

-- N connections, alternating between the ports; -> handshakes/s, resumed share
local function loop(ports, version)
  local session, count, resumed = nil, 0, 0
  local t0
  return await(function(k)
    local function one()
      local c = tls.connect({ port = ports[count % #ports + 1], host = 'localhost', ca = ca, session = session,
        maxVersion = version == 'tls12' and 'TLSv1.2' or nil })
      local reused
      c:on('session', function(s) session = s end)
      c:on('secureConnect', function() reused = c:isSessionReused() end)
      c:on('data', function() end)
      c:on('error', function() end)
      c:on('close', function()
        if t0 == nil then t0 = process.hrtime.bigint(); return one() end  -- warm-up: the first session
        count = count + 1
        if reused then resumed = resumed + 1 end
        if count < N then return one() end
        k(N / ((process.hrtime.bigint() - t0) / 1e9), resumed / N)
      end)
    end
    one()
  end)
end

steps.main(function()
  -- a redis-server of its own on a free loopback port, no persistence
  local probe = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem') })
  local rport = await(function(k) probe:listen(0, '127.0.0.1', function() k(probe:address().port) end) end)
  await(function(k) probe:close(k) end)
  local dir = run('mktemp', { '-d' }):gsub('%s+$', '')
  local redis = cp.spawn('taskset', { '-c', '0', 'redis-server', '--port', tostring(rport), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', dir })
  await(function(k)
    local buf = ''
    redis.stdout:on('data', function(d)
      buf = buf .. d
      if buf:find('Ready to accept') then k() end
    end)
  end)
  print(('S8 resumed handshakes (session ids, %d connections one at a time): within one process against two processes sharing Redis'):format(N))
  print(('%-44s %12s %10s %19s'):format('scenario', 'handshakes/s', 'resumed', 'server CPU/hs (ms)'))
  for _, version in ipairs({ 'tls12', 'tls13' }) do
    local label = version == 'tls12' and 'TLS 1.2' or 'TLS 1.3'
    local a, pa = server({ 'local', version })
    local ca0 = cpu_ms(a.pid)
    local rate, share = loop({ pa }, version)
    print(('%-44s %12.0f %9.0f%% %18.3f'):format(label .. ', one process, its own cache', rate, share * 100,
      (cpu_ms(a.pid) - ca0) / N))
    stop(a)
    local s1, p1 = server({ tostring(rport), version })
    local s2, p2 = server({ tostring(rport), version })
    local c1, c2, cr = cpu_ms(s1.pid), cpu_ms(s2.pid), cpu_ms(redis.pid)
    rate, share = loop({ p1, p2 }, version)
    local servers_cpu = (cpu_ms(s1.pid) - c1 + cpu_ms(s2.pid) - c2) / N
    print(('%-44s %12.0f %9.0f%% %18.3f  (+ redis %.3f)'):format(label .. ', two processes through Redis', rate, share * 100,
      servers_cpu, (cpu_ms(redis.pid) - cr) / N))
    stop(s1)
    stop(s2)
  end
  stop(redis)
  run('rm', { '-rf', dir })
end)
