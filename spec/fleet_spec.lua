-- A fleet: luatls server processes (spec/scripts/fleet_server.lua) that share TLS
-- sessions and ticket keys through a real redis-server (spec/redis_server.lua).
local tls = require('tls')
local R = require('redis_server')

local CA = H.cert('ca-cert.pem')

-- starts n fleet servers; ready({ {port=, child=, keys={...}}, ... }) once all listen.
-- Each server's 'keys NAME' lines go to its keys list; on_keys(server, name) too.
local function fleet(n, redis_port, mode, rotation, ready, on_keys)
  local servers, listening = {}, 0
  for i = 1, n do
    local s = { keys = {}, i = i }
    servers[i] = s
    local buf = ''
    s.child = H.spawn(H.LUATLS, { 'spec/scripts/fleet_server.lua', tostring(redis_port), mode, tostring(rotation or 3600) },
      function(code, _, err) s.exited = { code, err } end)
    s.child.stdout:on('data', function(d)
      buf = buf .. d
      for line in function() local l, rest = buf:match('^(.-)\n(.*)$'); if l then buf = rest end; return l end do
        local port = line:match('^port (%d+)')
        if port then
          s.port = tonumber(port)
          listening = listening + 1
          if listening == n then ready(servers) end
        end
        local name = line:match('^keys (%x+)')
        if name then
          s.keys[#s.keys + 1] = name
          if on_keys then on_keys(s, name) end
        end
      end
    end)
  end
  return servers
end

-- one connection: cb(reused or the error, sessions seen)
local function connect(port, session, cb, extra)
  local o = { port = port, host = 'localhost', ca = CA, session = session }
  for k, v in pairs(extra or {}) do o[k] = v end
  local c = tls.connect(o)
  local sessions, result = {}, nil
  c:on('session', function(s) sessions[#sessions + 1] = s end)
  c:on('secureConnect', function() result = c:isSessionReused() end)
  c:on('data', function() end)
  c:on('error', function(e) result = e end)
  c:on('close', function() cb(result, sessions) end)
end

-- kills every server, then done()
local function stop_all(servers, done)
  local left = #servers
  for _, s in ipairs(servers) do
    s.child:on('close', function()
      left = left - 1
      if left == 0 then done() end
    end)
    s.child:kill()
  end
end

describe('a fleet sharing sessions through Redis', function()
  local srv
  setup(function() srv = R.start() end)
  teardown(function() srv.cleanup() end)
  -- each test starts from an empty Redis (no keys, no lease)
  before_each(function() H.sh('redis-cli -p ' .. srv.port .. ' flushall') end)

  for _, case in ipairs({ { 'TLS 1.2 session ids', 'ids', 'TLSv1.2' }, { 'TLS 1.3 stateful sessions', 'tls13', 'TLSv1.3' } }) do
    it(case[1] .. ' made on one process resume on another', function()
      local got = {}
      H.run(20000, function(done)
        fleet(2, srv.port, case[2], nil, function(servers)
          connect(servers[1].port, nil, function(first, sessions)
            got.first = first
            got.session = sessions[#sessions]
            connect(servers[2].port, got.session, function(second)
              got.second = second
              -- and back: B's own session on A
              connect(servers[1].port, got.session, function(third)
                got.third = third
                stop_all(servers, done)
              end)
            end)
          end)
        end)
      end)
      assert.is_false(got.first)
      assert.is_string(got.session)
      assert.is_true(got.second)
      assert.is_true(got.third)
    end)
  end

  it('a session gone from Redis gives a full handshake on the other process (the control)', function()
    local got = {}
    H.run(20000, function(done)
      fleet(2, srv.port, 'ids', nil, function(servers)
        connect(servers[1].port, nil, function(_, sessions)
          local c = require('redis').createClient({ port = srv.port })
          c:flushdb(function()
            c:quit(function()
              connect(servers[2].port, sessions[#sessions], function(second)
                got.second = second
                stop_all(servers, done)
              end)
            end)
          end)
        end)
      end)
    end)
    assert.is_false(got.second)
  end)

  it("ticket keys: a cluster primary gives Redis's keys to its workers; a ticket from the worker resumes on a standalone server", function()
    local got = {}
    H.run(30000, function(done)
      local servers
      local started = false
      local function try()
        if started or not (servers and servers[1].port and servers[2].port) then return end
        local k1, k2 = servers[1].keys[#servers[1].keys], servers[2].keys[#servers[2].keys]
        if not k1 or k1 ~= k2 then return end
        started = true
        -- the worker may have listened before the primary had Redis's keys: wait for them too
        connect(servers[1].port, nil, function(_, sessions)
          connect(servers[2].port, sessions[#sessions], function(r1)
            got.worker_to_standalone = r1
            connect(servers[2].port, nil, function(_, sessions2)
              connect(servers[1].port, sessions2[#sessions2], function(r2)
                got.standalone_to_worker = r2
                stop_all(servers, done)
              end)
            end)
          end)
        end)
      end
      servers = {}
      local a = fleet(1, srv.port, 'cluster', nil, function(list) servers[1] = list[1]; try() end, try)
      local b = fleet(1, srv.port, 'tickets', nil, function(list) servers[2] = list[1]; try() end, try)
      servers[1], servers[2] = a[1], b[1]
    end)
    assert.is_true(got.worker_to_standalone)
    assert.is_true(got.standalone_to_worker)
  end)

  it('ticket keys: every server follows the keys in Redis; a ticket from A resumes on B, across a rotation', function()
    local got = {}
    H.run(30000, function(done)
      local servers
      local phase = 'start'
      local function agreed(k)
        return servers and servers[1].keys[k] and servers[1].keys[k] == servers[2].keys[k]
      end
      local function after_rotation()
        -- the ticket made before the rotation still resumes (previous keys); a new one too
        connect(servers[2].port, got.old, function(r1)
          got.old_after = r1
          connect(servers[2].port, nil, function(_, sessions)
            connect(servers[1].port, sessions[#sessions], function(r2)
              got.new_after = r2
              stop_all(servers, done)
            end)
          end)
        end)
      end
      local function on_keys()
        if phase == 'rotate' and #servers[1].keys >= 2 and #servers[2].keys >= 2 and
           servers[1].keys[#servers[1].keys] == servers[2].keys[#servers[2].keys] then
          phase = 'after'
          got.rotated = { servers[1].keys[#servers[1].keys], servers[1].keys[1] }
          after_rotation()
        end
      end
      local function test()
        connect(servers[1].port, nil, function(first, sessions)
          got.first = first
          got.old = sessions[#sessions]
          connect(servers[2].port, got.old, function(second)
            got.second = second
            phase = 'rotate'
            on_keys()
          end)
        end)
      end
      servers = fleet(2, srv.port, 'tickets', 2, function()
        if phase == 'start' and agreed(1) then phase = 'test'; test() end
      end, function()
        if phase == 'start' and servers[1].port and servers[2].port and agreed(1) then phase = 'test'; test() end
        on_keys()
      end)
    end)
    assert.is_false(got.first)
    assert.is_true(got.second)
    assert.are_not.equal(got.rotated[1], got.rotated[2])
    assert.is_true(got.old_after)
    assert.is_true(got.new_after)
  end)
end)

describe('tls.sessionStore in one process', function()
  local srv
  setup(function() srv = R.start() end)
  teardown(function() srv.cleanup() end)

  it('bad options raise errors naming them', function()
    local function fails(f)
      local ok, e = pcall(f)
      assert.is_false(ok)
      return e.code, e.option
    end
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'options.client' }, { fails(function() tls.sessionStore.redis({}) end) })
    local fake = { command = function() end }
    assert.same({ 'ERR_OUT_OF_RANGE', 'options.ttl' }, { fails(function() tls.sessionStore.redis({ client = fake, ttl = 0 }) end) })
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'options.prefix' },
      { fails(function() tls.sessionStore.redis({ client = fake, prefix = 1 }) end) })
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'server' },
      { fails(function() tls.sessionStore.redis({ client = fake }):attach('x') end) })
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'options.client' }, { fails(function() tls.sessionStore.redisTicketKeys({}) end) })
  end)

  it('counts stored sessions, hits and misses; keys carry the ttl; tostring shows no secret', function()
    local got = {}
    H.run(10000, function(done)
      local redis = require('redis')
      local client = redis.createClient({ port = srv.port })
      local store = tls.sessionStore.redis({ client = client, prefix = 'stats:', ttl = 7 })
      local o = H.tls_options({ maxVersion = 'TLSv1.2', secureOptions = require('crypto').constants.SSL_OP_NO_TICKET,
        sessionIdContext = 'one' })
      local a = store:attach(tls.createServer(o, function(s) s:_end('a') end))
      client:once('ready', function()
        a:listen(0, '127.0.0.1', function()
          local port = a:address().port
          connect(port, nil, function(_, sessions)
            connect(port, sessions[#sessions], function(r1)
              got.resumed = r1
              client:keys('stats:session:*', function(_, keys)
                got.keys = keys
                client:ttl(keys[1], function(_, ttl)
                  got.ttl = ttl
                  got.text = tostring(store)
                  got.stats = store.stats
                  a:close()
                  client:quit(done)
                end)
              end)
            end)
          end)
        end)
      end)
    end)
    assert.is_true(got.resumed)
    assert.equal(1, #got.keys)
    assert.truthy(got.ttl > 0 and got.ttl <= 7)
    -- the miss: the first ClientHello's session id, random as TLS 1.3 clients send it
    -- (middlebox compatibility), which a TLS 1.2 server looks up
    assert.same({ stored = 1, hits = 1, misses = 1, errors = 0 }, got.stats)
    assert.equal('RedisSessionStore { prefix: "stats:", ttl: 7, timeout: 50 }', got.text)
  end)
end)
