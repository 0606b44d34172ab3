-- cluster operations under load: the examples' rolling restart and certificate reload
-- run while a client loop keeps many sequential and concurrent TLS connections going,
-- each a full echo round trip; not one may fail. And a worker that dies is reported
-- with its code or signal, and the example replaces it.
local cluster = require('cluster')
local tls = require('tls')
local net = require('net')
local core = require('luatls.core')

local CONCURRENT = tonumber(os.getenv('LUATLS_OPS_CONCURRENT')) or 8   -- client loops at once
local RESTARTS = tonumber(os.getenv('LUATLS_OPS_RESTARTS')) or 3      -- rolling restarts in a row
local pids = {}             -- every process a test started, killed by PID when it ends

-- a pid is only killed while it is still one of ours (pids of exited workers get reused)
local function ours(pid)
  local f = io.open('/proc/' .. pid .. '/cmdline')
  if not f then return false end
  local cmd = f:read('a')
  f:close()
  return cmd:find('examples/cluster-', 1, true) ~= nil or cmd:find('spec/scripts/cluster_worker', 1, true) ~= nil
end

after_each(function()
  for pid in pairs(pids) do
    if ours(pid) then core.kill(pid, 9) end
    pids[pid] = nil
  end
end)

local function env_with(extra)
  local env = {}
  for _, k in ipairs({ 'PATH', 'HOME', 'LANG' }) do env[k] = os.getenv(k) end
  for k, v in pairs(extra) do env[k] = v end
  return env
end

-- runs an example as a primary; on_line(line) for each line it prints
local function service(example, port, control, on_line, extra)
  local env = { PORT = tostring(port), CONTROL = control, WORKERS = '2' }
  for k, v in pairs(extra or {}) do env[k] = v end
  local child = H.spawn(H.LUATLS, { example }, nil, { env = env_with(env) })
  pids[child.pid] = true
  local buf = ''
  child.stdout:on('data', function(d)
    buf = buf .. d
    while true do
      local line, rest = buf:match('^([^\n]*)\n(.*)$')
      if not line then break end
      buf = rest
      -- the workers, from the lines that list their pids
      local list = line:match('^ready: ([%d ]+)$') or line:match('^restarted: ([%d ]+)$')
      for pid in (list or ''):gmatch('%d+') do pids[tonumber(pid)] = true end
      on_line(line)
    end
  end)
  return child
end

-- one command on the control socket; cb(reply)
local function control(path, cmd, cb)
  local c = net.connect(path)
  local got = {}
  c:on('connect', function() c:write(cmd .. '\n') end)
  c:on('data', function(d) got[#got + 1] = d end)
  c:on('error', function(e) error(e) end)
  c:on('end', function() cb(table.concat(got)) end)
end

-- CONCURRENT loops of TLS connections, one after another in each; every connection
-- reads the worker's greeting, sends a line and waits for its echo. on_done(r) is
-- called with { pid, fp, started } for each; load.failures lists the failed ones.
local function load(port, on_done)
  local l = { failures = {}, n = 0, after_n = 0, stopped = false, running = 0, open = 0 }
  local seq = 0
  local function one()
    if l.stopped then
      l.running = l.running - 1
      if l.running == 0 and l.on_idle then l.on_idle() end
      return
    end
    seq = seq + 1
    local line = ('ping %d\n'):format(seq)
    local r = { started = l.phase }
    local got, finished = '', false
    local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
    local timer
    l.open = l.open + 1
    local function finish(err)
      if finished then return end
      finished = true
      l.open = l.open - 1
      clearTimeout(timer)
      c:destroy()
      if err then l.failures[#l.failures + 1] = tostring(err) else
        l.n = l.n + 1
        if r.started == 'after' then l.after_n = l.after_n + 1 end
        on_done(r)
      end
      setImmediate(one)
    end
    timer = setTimeout(function() finish('timed out') end, H.ms(15000))
    c:on('secureConnect', function()
      r.fp = c:getPeerCertificate().fingerprint256
      c:write(line)
    end)
    c:on('data', function(d)
      got = got .. d
      local pid = got:match('^worker (%d+)\n')
      if pid and got:sub(-#line) == line then
        r.pid = tonumber(pid)
        finish()
      end
    end)
    c:on('error', function(e) finish(e.code or tostring(e)) end)
    c:on('close', function() finish('closed early: ' .. got) end)
  end
  function l.start(phase)
    l.phase = phase
    for _ = 1, CONCURRENT do
      l.running = l.running + 1
      one()
    end
  end
  function l.stop(cb)
    l.stopped, l.on_idle = true, cb
  end
  return l
end

local function set_of(s)
  local t = {}
  for pid in s:gmatch('%d+') do t[tonumber(pid)] = true end
  return t
end

local function tmp_sock()
  return os.tmpname() .. '.sock'
end

describe('cluster operations under load', function()
  -- the kernel moves a closing listener's queue to the others (an eBPF program), or,
  -- where that program cannot be loaded, the worker accepts its queue before closing
  for _, mode in ipairs({ { 'migrating', {} }, { 'draining', { LUATLS_REUSEPORT_MIGRATE = '0' } } }) do
    it('a rolling restart replaces every worker and fails no connection (' .. mode[1] .. ')', function()
      local port, ctl = H.free_port(), tmp_sock()
      local old, new, during, in_flight = nil, nil, 0, {}
      local l
      local by_phase = { before = {}, during = {}, after = {} }
      H.run(90000, function(done)
        local primary
        primary = service('examples/cluster-rolling-restart.lua', port, ctl, function(line)
          local ready = line:match('^ready: (.*)')
          if not ready then return end
          old = set_of(ready)
          l = load(port, function(r)
            by_phase[r.started][r.pid] = (by_phase[r.started][r.pid] or 0) + 1
            if r.started == 'during' then during = during + 1 end
            if l.phase == 'before' and l.n == 40 then
              l.phase = 'during'
              local left = RESTARTS
              local function again()
                in_flight[#in_flight + 1] = l.open
                control(ctl, 'restart', function(reply)
                  new = set_of(reply:match('^restarted (.*)') or error('reply: ' .. reply))
                  in_flight[#in_flight + 1] = l.open
                  left = left - 1
                  if left > 0 then return again() end
                  l.phase = 'after'
                end)
              end
              again()
            elseif r.started == 'after' and l.after_n == 40 then
              l.stop(function()
                primary:on('close', function() done() end)
                primary:kill('SIGTERM')
              end)
            end
          end)
          l.start('before')
        end, mode[2])
      end)
      os.remove(ctl)
      assert.same({}, l.failures)
      assert.truthy(during > 0, 'no connection was made during the restarts')
      for _, n in ipairs(in_flight) do assert.truthy(n > 0, 'no connection in flight at a restart') end
      local n_old, n_new = 0, 0
      for pid in pairs(old) do n_old = n_old + 1; assert.is_nil(new[pid]) end
      for _ in pairs(new) do n_new = n_new + 1 end
      assert.equal(2, n_old)
      assert.equal(2, n_new)
      for pid in pairs(by_phase.before) do assert.truthy(old[pid]) end
      for pid in pairs(by_phase.after) do assert.truthy(new[pid], 'after the restart, served by ' .. pid) end
    end)
  end

  it('a certificate reload reaches every worker and fails no connection', function()
    local port, ctl = H.free_port(), tmp_sock()
    local first, second, in_flight = nil, nil, {}
    local l
    local seen = { before = {}, after = {} }
    H.run(90000, function(done)
      local primary
      primary = service('examples/cluster-cert-reload.lua', port, ctl, function(line)
        local ready = line:match('^ready: (%S+)')
        if not ready then return end
        first = ready
        l = load(port, function(r)
          if r.started ~= 'during' then seen[r.started][r.fp] = (seen[r.started][r.fp] or 0) + 1 end
          if l.phase == 'before' and l.n == 40 then
            l.phase = 'during'
            in_flight[#in_flight + 1] = l.open
            control(ctl, 'renew', function(reply)
              in_flight[#in_flight + 1] = l.open
              local n, fp = reply:match('^reloaded (%d+) workers (%S+)')
              assert(n, 'reply: ' .. reply)
              assert.equal('2', n)
              second = fp
              l.phase = 'after'
            end)
          elseif r.started == 'after' and l.after_n == 40 then
            l.stop(function()
              primary:on('close', function() done() end)
              primary:kill('SIGTERM')
            end)
          end
        end)
        l.start('before')
      end)
    end)
    os.remove(ctl)
    assert.same({}, l.failures)
    for _, n in ipairs(in_flight) do assert.truthy(n > 0, 'no connection in flight at the reload') end
    assert.not_equal(first, second)
    assert.same({ [first] = seen.before[first] }, seen.before)
    assert.same({ [second] = seen.after[second] }, seen.after)
    assert.truthy(seen.after[second] >= 40)
  end)

  it('a worker killed by a signal is reported and replaced', function()
    local port, ctl = H.free_port(), tmp_sock()
    local victim, report, after
    H.run(60000, function(done)
      local primary
      primary = service('examples/cluster-rolling-restart.lua', port, ctl, function(line)
        local ready = line:match('^ready: (%d+)')
        if ready then
          victim = tonumber(ready)
          core.kill(victim, 9)
          return
        end
        local pid, why = line:match('^worker (%d+) died %((%S+)%)')
        if pid then
          report = { tonumber(pid), why }
          -- the replacement listens: ask for the pids until there are two again
          local function ask()
            control(ctl, 'pids', function(reply)
              local set, n = set_of(reply), 0
              for _ in pairs(set) do n = n + 1 end
              if n < 2 then return setTimeout(ask, 50) end
              after = set
              primary:on('close', function() done() end)
              primary:kill('SIGTERM')
            end)
          end
          ask()
        end
      end)
    end)
    os.remove(ctl)
    assert.same({ victim, 'SIGKILL' }, report)
    assert.is_nil(after[victim])
  end)
end)

describe('cluster crash reports', function()
  local WORKER = 'spec/scripts/cluster_worker.lua'

  local function fork(env)
    cluster.setupPrimary({ exec = WORKER, execPath = H.LUATLS, silent = true, ticketKeyRotation = 0 })
    local w = cluster.fork(env)
    pids[w.process.pid] = true
    return w
  end

  it('reports the code of a worker that calls os.exit(3)', function()
    H.run(20000, function(done)
      local w = fork({ PORT = H.free_port(), EXIT_CODE = 3 })
      w:on('listening', function() w:send('exit') end)
      cluster:once('exit', function(worker, code, signal)
        assert.equal(w, worker)
        assert.equal(3, code)
        assert.is_nil(signal)
        assert.is_false(worker.exitedAfterDisconnect)
        done()
      end)
    end)
  end)

  it('reports the signal of a worker killed from outside (kill -9)', function()
    H.run(20000, function(done)
      local w = fork({ PORT = H.free_port() })
      w:on('listening', function() core.kill(w.process.pid, 9) end)
      local events = {}
      w:on('disconnect', function() events[#events + 1] = 'disconnect' end)
      cluster:once('exit', function(worker, code, signal)
        assert.equal(w, worker)
        assert.is_nil(code)
        assert.equal('SIGKILL', signal)
        assert.is_false(worker.exitedAfterDisconnect)
        assert.same({ 'disconnect' }, events)
        assert.is_nil(cluster.workers[w.id])
        done()
      end)
    end)
  end)

  it('a worker keeps the shared ticket keys through setSecureContext', function()
    H.run(20000, function(done)
      local port = H.free_port()
      local a, b = fork({ PORT = port }), fork({ PORT = port })
      local got, listening = {}, 0
      local function ask()
        listening = listening + 1
        if listening < 2 then return end
        a:send('reload')   -- a new context in worker a only
        b:send('keys')
      end
      a:on('listening', ask)
      b:on('listening', ask)
      local finish = H.countdown(2, function()
        assert.equal(got[a], got[b])
        a:kill('SIGKILL')
        b:kill('SIGKILL')
      end)
      for _, w in ipairs({ a, b }) do
        w:on('message', function(m) got[w] = m.keys; finish() end)
      end
      local exits = H.countdown(2, done)
      a:on('exit', exits)
      b:on('exit', exits)
    end)
  end)

  it('a worker\'s server migrates its queue where it can, and not with LUATLS_REUSEPORT_MIGRATE=0', function()
    -- with CAP_BPF (or CAP_SYS_ADMIN) on Linux 5.14 or later the program loads; elsewhere it drains
    local major, minor = H.sh('uname -r'):match('^(%d+)%.(%d+)')
    local f = assert(io.open('/proc/self/status'))
    local caps = math.tointeger(tonumber(f:read('a'):match('CapEff:%s*(%x+)'), 16))
    f:close()
    local can = (caps >> 39) & 1 == 1 or (caps >> 21) & 1 == 1
    can = can and (tonumber(major) * 100 + tonumber(minor)) >= 514
    local got = {}
    H.run(20000, function(done)
      local port = H.free_port()
      local a = fork({ PORT = port })
      local b = fork({ PORT = port, LUATLS_REUSEPORT_MIGRATE = '0' })
      local finish = H.countdown(2, function()
        a:kill('SIGKILL')
        b:kill('SIGKILL')
      end)
      for _, w in ipairs({ a, b }) do
        w:on('listening', function() w:send('migrates') end)
        w:on('message', function(m) got[w == a and 'a' or 'b'] = m.migrates; finish() end)
      end
      local exits = H.countdown(2, done)
      a:on('exit', exits)
      b:on('exit', exits)
    end)
    assert.equal(can, got.a)
    assert.is_false(got.b)
  end)

  it('setSecureContext keeps a server\'s ticket keys, as Node does', function()
    local server = tls.createServer(H.tls_options())
    local keys = server:getTicketKeys()
    server:setSecureContext(H.tls_options())
    assert.equal(keys, server:getTicketKeys())
    local other = ('k'):rep(48)
    server:setSecureContext(H.tls_options({ ticketKeys = other }))
    assert.equal(other, server:getTicketKeys())
  end)
end)
