-- cluster: real worker processes (build/luatls) on 127.0.0.1 sharing one port with
-- SO_REUSEPORT, messages over the IPC channel, exit codes and signals, and ticket keys
-- that the primary shares, so a ticket from one worker resumes on another.
local cluster = require('cluster')
local tls = require('tls')
local core = require('luatls.core')

local WORKER = 'spec/scripts/cluster_worker.lua'
local pids = {}

-- every worker still running when a test ends is killed by its PID
after_each(function()
  for pid in pairs(pids) do core.kill(pid, 9); pids[pid] = nil end
end)

local function setup(extra)
  local s = { exec = WORKER, execPath = H.LUATLS, silent = true, ticketKeyRotation = 0 }
  for k, v in pairs(extra or {}) do s[k] = v end
  cluster.setupPrimary(s)
end

local function fork(env)
  local w = cluster.fork(env)
  pids[w.process.pid] = true
  w:on('exit', function() pids[w.process.pid] = nil end)
  return w
end

-- a process that has not exited (a zombie nobody reaped yet has)
local function alive(pid)
  local f = io.open('/proc/' .. pid .. '/stat')
  if not f then return false end
  local stat = f:read('a')
  f:close()
  return stat:match('^%d+ %b() (%a)') ~= 'Z'
end

-- n workers on one port; ready(workers, port) once every one listens
local function start(n, ready, env)
  local port = H.free_port()
  local workers, listening = {}, 0
  for i = 1, n do
    local e = { PORT = port }
    for k, v in pairs(env or {}) do e[k] = v end
    workers[i] = fork(e)
    workers[i]:on('listening', function(address)
      assert.equal(port, address.port)
      listening = listening + 1
      if listening == n then ready(workers, port) end
    end)
  end
  return workers
end

-- kills every worker, then done() once all have exited
local function stop(workers, done)
  local left = #workers
  for _, w in ipairs(workers) do
    if w.state == 'dead' then left = left - 1
    else
      w:on('exit', function()
        left = left - 1
        if left == 0 then done() end
      end)
      w:kill('SIGKILL')
    end
  end
  if left == 0 then done() end
end

-- one TLS connection; cb({ pid =, reused =, keys = }, session)
local function connect(port, session, cb)
  local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, session = session })
  local got, first = {}, nil
  c:on('session', function(s) first = first or s end)
  c:on('data', function(d) got[#got + 1] = d end)
  c:on('error', function(e) error(e) end)
  c:on('close', function()
    local line = table.concat(got)
    local pid, reused, keys = line:match('^pid=(%d+) reused=(%a+) keys=(%x+)')
    assert(pid, 'answer: ' .. line)
    cb({ pid = tonumber(pid), reused = reused == 'true', keys = keys }, first)
  end)
end

describe('cluster', function()
  it('tells the primary from a worker', function()
    assert.is_true(cluster.isPrimary)
    assert.is_true(cluster.isMaster)
    assert.is_false(cluster.isWorker)
    assert.is_nil(cluster.worker)
    assert.equal(cluster.SCHED_NONE, cluster.schedulingPolicy)
  end)

  it('serialises nested tables and refuses what it cannot send', function()
    local v = { a = { 1, 2.5, 'x\0y', { deep = true, no = false } }, [3] = -7, [1.5] = 'f' }
    assert.same(v, cluster._decode(cluster._encode(v)))
    assert.equal(math.maxinteger, cluster._decode(cluster._encode(math.maxinteger)))
    local cyc = {}
    cyc.self = cyc
    assert.has_error(function() cluster._encode(cyc) end)
    assert.has_error(function() cluster._encode({ f = print }) end)
    assert.has_error(function() cluster._decode('\0\0\0\2t\255') end)
  end)

  it('forks two workers that serve TLS on one port, and connections reach both', function()
    setup()
    local counts = {}
    H.run(20000, function(done)
      local online = 0
      start(2, function(workers, port)
        assert.equal(2, online)
        local by_pid = {}
        for _, w in ipairs(workers) do by_pid[w.process.pid] = w; counts[w.process.pid] = 0 end
        local n = 0
        local function again()
          connect(port, nil, function(r)
            assert.truthy(by_pid[r.pid])
            counts[r.pid] = counts[r.pid] + 1
            n = n + 1
            local both = true
            for _, c in pairs(counts) do both = both and c > 0 end
            if (both and n >= 4) or n >= 60 then return stop(workers, done) end
            again()
          end)
        end
        again()
      end)
      cluster:on('online', function() online = online + 1 end)
    end)
    cluster:removeAllListeners('online')
    local seen = 0
    for _, c in pairs(counts) do if c > 0 then seen = seen + 1 end end
    assert.equal(2, seen, 'connections per worker: ' .. require('util').inspect(counts))
  end)

  it('sends messages with nested tables both ways', function()
    setup()
    H.run(20000, function(done)
      start(2, function(workers)
        local left = 2
        for _, w in ipairs(workers) do
          local sent = { n = w.id, list = { 1, 2, { deep = 'yes', f = 0.25 } }, flag = true }
          w:on('message', function(m)
            assert.equal(w.process.pid, m.pid)
            assert.equal(w.id, m.id)
            assert.same(sent, m.echo)
            left = left - 1
            if left == 0 then stop(workers, done) end
          end)
          w:send(sent)
        end
      end)
    end)
  end)

  it('reports exit codes and signals, to the worker and to cluster', function()
    setup()
    H.run(20000, function(done)
      start(2, function(workers)
        local a, b = workers[1], workers[2]
        local seen = {}
        local finish = H.countdown(4, function()
          cluster:removeAllListeners('exit')
          assert.same({ 7, nil }, seen[a.id])
          assert.same({ nil, 'SIGKILL' }, seen[b.id])
          assert.is_false(a.exitedAfterDisconnect)
          assert.is_true(b.exitedAfterDisconnect)
          assert.is_true(a:isDead())
          assert.is_nil(cluster.workers[a.id])
          done()
        end)
        cluster:on('exit', function(w, code, sig)
          seen[w.id] = { code, sig }
          finish()
        end)
        a:on('exit', function(code, sig)
          assert.equal(7, code)
          assert.is_nil(sig)
          finish()
        end)
        b:on('exit', function(code, sig)
          assert.is_nil(code)
          assert.equal('SIGKILL', sig)
          finish()
        end)
        a:send('exit')
        b:kill('SIGKILL')
      end, { EXIT_CODE = 7 })
    end)
  end)

  it('disconnect() closes the worker\'s servers, then it exits by itself', function()
    setup()
    H.run(20000, function(done)
      start(1, function(workers)
        local w = workers[1]
        local order = {}
        w:on('disconnect', function() order[#order + 1] = 'disconnect' end)
        w:on('exit', function(code)
          order[#order + 1] = 'exit'
          assert.equal(0, code)
          assert.is_true(w.exitedAfterDisconnect)
          assert.same({ 'disconnect', 'callback', 'exit' }, order)
          done()
        end)
        cluster.disconnect(function() order[#order + 1] = 'callback' end)
        assert.same({}, order)
      end)
    end)
  end)

  it('delivers what a worker sent before it exited, then \'exit\'', function()
    setup()
    H.run(20000, function(done)
      start(1, function(workers)
        local w = workers[1]
        local got
        w:on('message', function(m) got = m end)
        w:on('exit', function(code)
          assert.equal(5, code)
          assert.same({ bye = w.process.pid }, got)
          done()
        end)
        w:send('bye')
      end)
    end)
  end)

  it('a worker whose script fails exits 1 without coming online', function()
    local bad = H.script('error("no good")')
    setup({ exec = bad })
    H.run(20000, function(done)
      local w = fork()
      w:on('online', function() error('came online') end)
      w:on('exit', function(code, sig)
        assert.equal(1, code)
        assert.is_nil(sig)
        done()
      end)
    end)
    os.remove(bad)
  end)

  it('send raises on what it cannot serialise, and on a closed channel', function()
    setup()
    H.run(20000, function(done)
      start(1, function(workers)
        local w = workers[1]
        assert.has_error(function() w:send({ f = function() end }) end)
        w:on('exit', function()
          local ok, err = pcall(w.send, w, 'late')
          assert.is_false(ok)
          assert.equal('ERR_IPC_CHANNEL_CLOSED', err.code)
          w:send('late', function(e)
            assert.equal('ERR_IPC_CHANNEL_CLOSED', e.code)
            done()
          end)
        end)
        w:kill()
      end)
    end)
  end)

  it('rotates the keys every ticketKeyRotation seconds', function()
    setup({ ticketKeyRotation = 0.2 })
    H.run(20000, function(done)
      start(2, function(workers, port)
        connect(port, nil, function(first)
          -- a few rotations later, both workers have keys other than the first ones
          setTimeout(function()
            local left, seen = 2, {}
            for _, w in ipairs(workers) do
              w:on('message', function(m)
                seen[#seen + 1] = m.keys
                left = left - 1
                if left > 0 then return end
                assert.not_equal(first.keys, seen[1])
                assert.not_equal(first.keys, seen[2])
                stop(workers, done)
              end)
              w:send('keys')
            end
          end, 500)
        end)
      end)
    end)
  end)

  it('a worker exits when its primary dies', function()
    local port = H.free_port()
    local primary = H.script(([[
      local cluster = require('cluster')
      cluster.setupPrimary{ exec = 'spec/scripts/cluster_worker.lua', silent = true }
      local w = cluster.fork({ PORT = %d })
      w:on('listening', function() print('worker ' .. w.process.pid) end)
    ]]):format(port))
    local worker
    H.run(20000, function(done)
      local child
      child = H.spawn(H.LUATLS, { primary }, function(_, _, _, sig)
        assert.equal('SIGKILL', sig)
        -- the worker notices the channel's end and exits: poll its pid
        local t
        t = setInterval(function()
          if not alive(worker) then
            clearInterval(t)
            done()
          end
        end, 20)
      end)
      child.stdout:on('data', function(d)
        worker = worker or tonumber(d:match('worker (%d+)'))
        if worker then
          pids[worker] = true
          child:kill('SIGKILL')
        end
      end)
    end)
    os.remove(primary)
  end)

  it('shares ticket keys: a ticket from worker A resumes on worker B', function()
    setup()
    H.run(30000, function(done)
      start(2, function(workers, port)
        connect(port, nil, function(first, session)
          assert.is_false(first.reused)
          assert.truthy(session)
          local n = 0
          local function again()
            connect(port, session, function(r)
              n = n + 1
              assert.equal(first.keys, r.keys)   -- getTicketKeys() agrees in every worker
              assert.is_true(r.reused, 'not resumed on pid ' .. r.pid)
              if r.pid ~= first.pid then return stop(workers, done) end
              assert(n < 60, 'every connection landed on worker ' .. first.pid)
              again()
            end)
          end
          again()
        end)
      end)
    end)
  end)

  it('rotates the keys; a ticket under the previous keys still resumes', function()
    setup()
    H.run(30000, function(done)
      start(2, function(workers, port)
        connect(port, nil, function(first, session)
          cluster.rotateTicketKeys()
          -- both workers answer with the new keys once the rotation reached them
          local left = 2
          for _, w in ipairs(workers) do
            w:on('message', function(m)
              assert.not_equal(first.keys, m.keys)
              left = left - 1
              if left > 0 then return end
              connect(port, session, function(r)
                assert.is_true(r.reused)
                assert.not_equal(first.keys, r.keys)
                stop(workers, done)
              end)
            end)
            w:send('keys')
          end
        end)
      end)
    end)
  end)
end)
