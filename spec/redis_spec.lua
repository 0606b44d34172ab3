-- The redis module (lua/redis.lua, src/redis.c) against real redis-servers that
-- spec/redis_server.lua starts on free loopback ports and ends by PID.
local redis = require('redis')
local async = require('luatls.async')
local util = require('util')
local R = require('redis_server')

describe('redis client', function()
  local srv
  setup(function() srv = R.start() end)
  teardown(function() srv.cleanup() end)

  it('sets and gets; nil for a missing key; an error reply is an error with the server message', function()
    local got = {}
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port })
      c:set('k', 'v', function(err, r) got.set = { err, r } end)
      c:get('k', function(err, r) got.get = { err, r } end)
      c:get('nokey', function(err, r) got.none = { err = err, r = r } end)
      c:command({ 'HGET', 'k', 'f' }, function(err) got.err = err end)
      c:mget('k', 'nokey', function(_, r) got.mget = r end)
      c:command({ 'INCRBY', 'n', 5 }, function(_, r) got.incr = r; c:quit(done) end)
    end)
    assert.same({ nil, 'OK' }, got.set)
    assert.same({ nil, 'v' }, got.get)
    assert.same({}, got.none)
    assert.equal('ERR_REDIS_REPLY', got.err.code)
    assert.equal('WRONGTYPE', got.err.prefix)
    assert.matches('^WRONGTYPE Operation against a key', got.err.message)
    assert.same({ 'v', false }, got.mget)
    assert.equal(5, got.incr)
  end)

  it('pipelines: a thousand commands in flight, replies matched in order', function()
    local replies, n = {}, 1000
    H.run(10000, function(done)
      local c = redis.createClient({ port = srv.port })
      for i = 1, n do c:set('p' .. i, 'value' .. i) end
      for i = 1, n do
        c:get('p' .. i, function(_, r)
          replies[i] = r
          if i == n then c:quit(done) end
        end)
      end
    end)
    for i = 1, n do assert.equal('value' .. i, replies[i]) end
  end)

  it('client:call() suspends a task of luatls.async until the reply', function()
    local got, err
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port })
      async.run(function()
        c:call('SET', 'a', 'b')
        got = c:call('GET', 'a')
        local ok, e = pcall(c.call, c, 'NOSUCHCOMMAND')
        err = not ok and e
        c:quit(done)
      end)
    end)
    assert.equal('b', got)
    assert.equal('ERR_REDIS_REPLY', err.code)
    assert.matches('unknown command', err.message)
    assert.has_error(function() redis.Client.call({}, 'GET', 'x') end)
  end)

  it('SELECT on connect: db keeps keys apart', function()
    local got = {}
    H.run(5000, function(done)
      local c0 = redis.createClient({ port = srv.port })
      local c3 = redis.createClient({ port = srv.port, db = 3 })
      c3:set('dbkey', 'three', function()
        c0:get('dbkey', function(_, r) got.db0 = r or 'nil' end)
        c3:get('dbkey', function(_, r)
          got.db3 = r
          c0:quit(function() c3:quit(done) end)
        end)
      end)
    end)
    assert.same({ db0 = 'nil', db3 = 'three' }, got)
  end)

  it('pub/sub: subscribe(channel, fn) and the message event; a subscribed client refuses other commands', function()
    local got = {}
    H.run(5000, function(done)
      local pub = redis.createClient({ port = srv.port })
      local sub = pub:duplicate()
      sub:on('message', function(ch, m) got.event = { ch, m } end)
      sub:subscribe('news', function(message, channel)
        got.fn = { channel, message }
        sub:get('x', function(err)
          got.refused = err
          sub:unsubscribe('news', function()
            got.listeners = sub:listenerCount('message')
            sub:quit(function() pub:quit(done) end)
          end)
        end)
      end, function(err)
        assert.is_nil(err)
        pub:publish('news', 'hello', function(_, n) got.receivers = n end)
      end)
    end)
    assert.same({ 'news', 'hello' }, got.event)
    assert.same({ 'news', 'hello' }, got.fn)
    assert.equal(1, got.receivers)
    assert.equal('ERR_REDIS_SUBSCRIBER', got.refused.code)
    assert.equal(1, got.listeners)   -- the script's own; subscribe()'s went with unsubscribe()
  end)

  it('per-command timeout: ERR_REDIS_TIMEOUT while Redis is stopped, later replies still match', function()
    local got = {}
    H.run(10000, function(done)
      local c = redis.createClient({ port = srv.port, commandTimeout = 100 })
      c:set('t', '1', function()
        srv.pause()
        c:get('t', function(err) got.err = err
          srv.resume()
          c:set('t', '2')
          c:get('t', function(err2, r) got.after = { err2, r }; c:quit(done) end)
        end)
      end)
    end)
    assert.equal('ERR_REDIS_TIMEOUT', got.err.code)
    assert.equal('GET', got.err.command)
    assert.same({ nil, '2' }, got.after)
  end)

  it('reconnects with backoff when Redis restarts; in-flight commands fail, later ones succeed', function()
    local got = { reconnecting = 0, ready = 0 }
    H.run(20000, function(done)
      local c = redis.createClient({ port = srv.port, reconnect = { initial = 20, max = 200 } })
      got.codes = {}
      c:on('error', function(e) got.codes[e.code] = true end)
      c:on('reconnecting', function() got.reconnecting = got.reconnecting + 1 end)
      c:on('ready', function()
        got.ready = got.ready + 1
        if got.ready == 1 then
          srv.stop()
        else
          c:set('back', 'yes', function(err, r)
            got.back = { err, r }
            c:quit(done)
          end)
        end
      end)
      c:once('end', function()
        -- down: a command waits in the offline queue, then its timeout ends it
        c:command({ 'GET', 'x' }, function(err) got.offline = err end, { timeout = 50 })
        setTimeout(function() srv.restart() end, 300)
      end)
    end)
    assert.equal(2, got.ready)
    assert.truthy(got.reconnecting >= 2)
    assert.truthy(got.codes.ECONNREFUSED)
    assert.equal('ERR_REDIS_TIMEOUT', got.offline.code)
    assert.same({ nil, 'OK' }, got.back)
  end)

  it('a Redis that accepts but does not answer SELECT: a failed connection after connectTimeout, then a reconnection', function()
    local got = {}
    H.run(10000, function(done)
      srv.pause()
      local c = redis.createClient({ port = srv.port, db = 1, connectTimeout = 200, reconnect = { initial = 20, max = 20 } })
      c:on('error', function(e)
        if got.error then return end
        got.error = e
        srv.resume()
      end)
      c:on('ready', function()
        c:ping(function(_, r) got.ping = r; c:quit(done) end)
      end)
    end)
    assert.equal('ERR_REDIS_TIMEOUT', got.error.code)
    assert.equal('SELECT', got.error.command)
    assert.equal('PONG', got.ping)
  end)

  it('without the offline queue, commands fail fast while disconnected', function()
    local got
    H.run(5000, function(done)
      local c = redis.createClient({ port = H.free_port(), enableOfflineQueue = false, reconnect = { initial = 10, max = 10 } })
      c:once('reconnecting', function()
        c:get('x', function(err) got = err; c:disconnect(); done() end)
      end)
    end)
    assert.equal('ERR_REDIS_NOT_CONNECTED', got.code)
  end)

  it('reconnect = false: ECONNREFUSED ends the client; queued commands fail', function()
    local got = {}
    H.run(5000, function(done)
      local c = redis.createClient({ port = H.free_port(), reconnect = false })
      c:on('error', function(e) got.error = e end)
      c:get('x', function(err) got.cmd = err end)
      c:on('close', function() done() end)
    end)
    assert.equal('ECONNREFUSED', got.error.code)
    assert.equal('ERR_REDIS_CLIENT_CLOSED', got.cmd.code)
  end)

  it('bad options and arguments raise errors naming them', function()
    local function code_of(f)
      local ok, e = pcall(f)
      assert.is_false(ok)
      return e.code, e.option
    end
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'options.host' }, { code_of(function() redis.createClient({ host = 1 }) end) })
    assert.same({ 'ERR_SOCKET_BAD_PORT', 'options.port' }, { code_of(function() redis.createClient({ port = 70000 }) end) })
    assert.same({ 'ERR_OUT_OF_RANGE', 'options.commandTimeout' },
      { code_of(function() redis.createClient({ commandTimeout = -1 }) end) })
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'options.tls' }, { code_of(function() redis.createClient({ tls = 'yes' }) end) })
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port })
      assert.same({ 'ERR_INVALID_ARG_VALUE', 'args' }, { code_of(function() c:command({ 'SET', {} }) end) })
      assert.same({ 'ERR_INVALID_ARG_TYPE', 'args' }, { code_of(function() c:command('GET') end) })
      c:quit(done)
    end)
  end)
end)

describe('redis client with a password and TLS', function()
  local srv
  local SECRET = 's3cret-Pass'
  setup(function() srv = R.start({ tls = true, password = SECRET }) end)
  teardown(function() srv.cleanup() end)

  it('AUTH and TLS with our contexts; tostring and inspect never show the password', function()
    local got = {}
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port, host = 'localhost', password = SECRET,
        tls = { ca = H.cert('ca-cert.pem') } })
      got.text = tostring(c) .. util.inspect(c) .. util.inspect({ c })
      c:ping(function(err, r)
        got.ping = { err, r }
        c:quit(done)
      end)
    end)
    assert.same({ nil, 'PONG' }, got.ping)
    assert.not_matches(SECRET, got.text, 1, true)
    assert.matches('password: <hidden>', got.text, 1, true)
  end)

  it('AUTH with a username (Redis ACL users)', function()
    local got
    H.run(5000, function(done)
      local tlsopts = { ca = H.cert('ca-cert.pem') }
      local admin = redis.createClient({ port = srv.port, password = SECRET, tls = tlsopts })
      admin:command({ 'ACL', 'SETUSER', 'alice', 'on', '>alice-pw', '~*', '+@all' }, function(err)
        assert.is_nil(err)
        local alice = redis.createClient({ port = srv.port, username = 'alice', password = 'alice-pw', tls = tlsopts })
        alice:command({ 'ACL', 'WHOAMI' }, function(_, who)
          got = who
          alice:quit(function() admin:quit(done) end)
        end)
      end)
    end)
    assert.equal('alice', got)
  end)

  it('a wrong password: the commands waiting fail with the server error', function()
    local got
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port, password = 'wrong', tls = { ca = H.cert('ca-cert.pem') } })
      c:get('x', function(err) got = err; c:disconnect(); done() end)
    end)
    assert.equal('ERR_REDIS_REPLY', got.code)
    assert.equal('WRONGPASS', got.prefix)
  end)

  it('an untrusted Redis certificate fails the connection (verification is ours)', function()
    local got
    H.run(5000, function(done)
      local c = redis.createClient({ port = srv.port, password = SECRET, tls = true, reconnect = false })
      c:on('error', function(e) got = e end)
      c:on('close', function() done() end)
    end)
    assert.equal('SELF_SIGNED_CERT_IN_CHAIN', got.code)
  end)
end)
