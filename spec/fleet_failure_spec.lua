-- Failure is not an outage: two fleet servers (spec/scripts/fleet_server.lua) keep
-- their sessions in a real redis-server that the spec stops (SIGSTOP), kills and
-- starts again while a client loop connects. Not one connection may fail; while
-- Redis is away handshakes are full ones and stay fast; when it is back, sessions
-- resume again without restarting the servers.
local tls = require('tls')
local R = require('redis_server')
local core = require('luatls.core')

local CA = H.cert('ca-cert.pem')
local N, PARALLEL = 320, 4
-- the phases, by connection number: Redis up, stopped (SIGSTOP), killed, started again
local PAUSE_AT, KILL_AT, RESTART_AT = 80, 160, 200

local function now() return core.hrtime and core.hrtime() / 1e6 or os.clock() * 1000 end

describe('a fleet when Redis fails', function()
  local srv
  setup(function() srv = R.start() end)
  teardown(function() srv.cleanup() end)

  it('Redis stopped, killed and restarted under load: zero failed connections, resumption comes back', function()
    local results = {}   -- i -> { phase, reused | error, ms }
    local servers = {}
    H.run(120000, function(done)
      local listening, started, finished = 0, 0, 0
      local session
      local phase = 'up'
      local function one(i, next_one)
        local t0 = now()
        local c = tls.connect({ port = servers[i % 2 + 1].port, host = 'localhost', ca = CA, session = session,
          maxVersion = 'TLSv1.2' })
        local r = { phase = phase }
        results[i] = r
        c:on('session', function(s) session = s end)
        c:on('secureConnect', function()
          r.reused = c:isSessionReused()
          r.ms = now() - t0
        end)
        c:on('data', function() end)
        c:on('error', function(e) r.error = e end)
        c:on('close', function() next_one() end)
      end
      local function chain()
        started = started + 1
        local i = started
        if i > N then
          finished = finished + 1
          if finished == PARALLEL then
            local left = #servers
            for _, s in ipairs(servers) do
              s.child:on('close', function() left = left - 1; if left == 0 then done() end end)
              s.child:kill()
            end
          end
          return
        end
        if i == PAUSE_AT then phase = 'stopped'; srv.pause() end
        if i == KILL_AT then phase = 'killed'; srv.kill() end
        if i == RESTART_AT then phase = 'restarted'; srv.restart() end
        one(i, chain)
      end
      for k = 1, 2 do
        local s = {}
        servers[k] = s
        local buf = ''
        s.child = H.spawn(H.LUATLS, { 'spec/scripts/fleet_server.lua', tostring(srv.port), 'ids' })
        s.child.stdout:on('data', function(d)
          buf = buf .. d
          local port = buf:match('port (%d+)\n')
          if port and not s.port then
            s.port = tonumber(port)
            listening = listening + 1
            if listening == 2 then for _ = 1, PARALLEL do chain() end end
          end
        end)
      end
    end)
    local count = { failed = 0 }
    local slowest = {}
    for i = 1, N do
      local r = results[i]
      if r.error or r.reused == nil then
        count.failed = count.failed + 1
        print('failed', i, r.phase, tostring(r.error))
      else
        local key = r.phase .. (r.reused and ' resumed' or ' full')
        count[key] = (count[key] or 0) + 1
        slowest[r.phase] = math.max(slowest[r.phase] or 0, r.ms)
      end
    end
    io.stderr:write(('\nfleet failure: %s; slowest handshake (ms): %s\n'):format(require('util').inspect(count),
      require('util').inspect(slowest)))
    assert.equal(0, count.failed)
    assert.truthy((count['up resumed'] or 0) > 0)
    -- stopped Redis: every lookup ends at the store's timeout (50 ms) in a full handshake
    assert.truthy((count['stopped full'] or 0) > 0)
    assert.truthy((count['killed full'] or 0) > 0)
    assert.truthy((count['restarted resumed'] or 0) > 0)
    -- nothing hangs: a handshake while Redis is stopped takes the timeout, not much more
    assert.truthy(slowest.stopped < H.ms(2000), 'slowest handshake with Redis stopped: ' .. slowest.stopped)
  end)
end)
