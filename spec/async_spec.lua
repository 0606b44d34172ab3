-- luatls.async: tasks whose socket reads, writes, connects, sleeps and event
-- waits suspend the task, not the loop. Every suspend point, its errors, its
-- timeouts and its cancellation, with real TLS sockets on loopback; and after
-- each wait, no listener and no timer left behind.
local async = require('luatls.async')
local core = require('luatls.core')
local tls = require('tls')
local net = require('net')
local EventEmitter = require('events')
local util = require('util')

local CA = H.cert('ca-cert.pem')
local EVENTS = { 'data', 'end', 'error', 'close', 'drain', 'finish', 'connect', 'secureConnect' }

-- runs fn as a task inside H.run: the test ends when the task does; an error
-- the task raises fails the test (an unhandled task error is uncaught)
local function run(timeout, fn)
  H.run(timeout, function(done)
    async.run(fn):next(function() done() end)
  end)
end

local function merged(a, b)
  local o = {}
  for k, v in pairs(a or {}) do o[k] = v end
  for k, v in pairs(b or {}) do o[k] = v end
  return o
end

-- inside a task: a TLS server with the test certificate, and its port
local function serve(handler, extra)
  local server = tls.createServer(H.tls_options(extra), handler)
  server:listen(0, '127.0.0.1')
  async.once(server, 'listening')
  return server, server:address().port
end

local function connect(port, extra)
  return async.tls.connect(merged({ port = port, host = 'localhost', ca = CA }, extra))
end

-- the error a function raised (it must raise)
local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, 'expected an error')
  return err
end

-- lets the server finish its side of the handshake (its handshake timer closes)
local function settle() async.sleep(20) end

local function timers_open()
  local n = 0
  for _, kind in ipairs(core.handles(true)) do if kind == 'timer' then n = n + 1 end end
  return n
end

-- every event of ours that still has a listener on the socket
local function listening(sock)
  local left = {}
  for _, e in ipairs(EVENTS) do
    if sock:listenerCount(e) > 0 then left[#left + 1] = e .. '=' .. sock:listenerCount(e) end
  end
  return left
end

-- a server socket that writes each piece after the one before was sent, a few ms apart,
-- so the client sees them as separate chunks; then ends
local function writes_slowly(pieces)
  return function(sock)
    sock:on('error', function() end)
    local i = 0
    local function next_piece()
      i = i + 1
      if sock.destroyed then return end
      if i > #pieces then sock:_end() return end
      sock:write(pieces[i])
      setTimeout(next_piece, 5)
    end
    next_piece()
  end
end

describe('luatls.async tasks', function()
  it('run starts the task at once, up to its first suspension, and returns a Task', function()
    local order = {}
    H.run(5000, function(done)
      local t = async.run(function(a, b)
        order[#order + 1] = 'start ' .. a .. b
        async.sleep(1)
        order[#order + 1] = 'after sleep'
        return a + b, 'x'
      end, 1, 2)
      order[#order + 1] = 'returned'
      assert.equal('Task { pending }', tostring(t))
      assert.equal('pending', t.status)
      t:next(function(sum, x)
        assert.same({ 'start 12', 'returned', 'after sleep' }, order)
        assert.equal(3, sum)
        assert.equal('x', x)
        assert.equal('fulfilled', t.status)
        assert.equal("Task { fulfilled: 3, 'x' }", tostring(t))
        assert.equal("Task { fulfilled: 3, 'x' }", util.inspect(t))
        done()
      end)
    end)
  end)

  it('next and catch deliver on a later tick, also for a task already done; await returns values or raises', function()
    run(5000, function()
      local ok_task = async.run(function() return 'v', nil, 3 end)
      assert.equal('fulfilled', ok_task.status)
      local seen
      ok_task:next(function(...) seen = table.pack(...) end)
      assert.is_nil(seen)
      async.sleep(1)
      assert.same({ n = 3, 'v', nil, 3 }, seen)
      local a, b, c = ok_task:await()
      assert.same({ 'v', nil, 3 }, { a, b, c })
      local bad = async.run(function() error({ code = 'EBAD' }) end)
      local caught
      bad:catch(function(e) caught = e end)
      async.sleep(1)
      assert.equal('EBAD', caught.code)
      assert.equal('EBAD', raised(bad.await, bad).code)
      assert.matches('^Task { rejected', tostring(bad))
      local slow = async.run(function() async.sleep(20); return 'late' end)
      assert.equal('late', async.await(slow))
      local sleeper = async.run(function() async.sleep(1000) end)
      assert.equal('ETIMEDOUT', raised(sleeper.await, sleeper, { timeout = 10 }).code)
      assert.equal('pending', sleeper.status)   -- only the wait for it timed out
      sleeper:cancel()
      assert.equal('ABORT_ERR', raised(sleeper.await, sleeper).code)
    end)
  end)

  it('a task error nobody handles is uncaught, as an unhandled rejection is in Node', function()
    local script = H.script([[
      local async = require('luatls.async')
      async.run(function() async.sleep(5); error(require('luatls.errors').new('EBOOM', 'boom')) end)
    ]])
    local out, code = H.sh(H.LUATLS .. ' ' .. script .. ' 2>&1')
    os.remove(script)
    assert.equal(1, code)
    assert.matches('Uncaught Error %[EBOOM%]: boom', out)
  end)

  it('every suspending function raises ERR_ASYNC_OUTSIDE_TASK outside a task, also in a coroutine of its own', function()
    local s = async.wrap(require('stream').Duplex())
    local calls = {
      function() return async.sleep(1) end,
      function() return async.once(EventEmitter(), 'x') end,
      function() return async.all({}) end,
      function() return async.net.connect(1, '127.0.0.1') end,
      function() return async.tls.connect(1, '127.0.0.1') end,
      function() return async.run(function() end):await() end,
      function() return s:read(1) end,
      function() return s:read() end,
      function() return s:readLine() end,
      function() return s:readUntil('\r\n') end,
      function() return s:readAll() end,
      function() return s:writeAsync('x') end,
      function() return s:endAsync() end,
      function() return s:starttls() end,
    }
    for i, f in ipairs(calls) do
      local err = raised(f)
      assert.equal('ERR_ASYNC_OUTSIDE_TASK', err.code, 'call ' .. i)
      assert.matches('must run inside one: async%.run%(function%(%) %.%.%. end%)', err.message)
      local _, err2 = coroutine.resume(coroutine.create(f))
      assert.equal('ERR_ASYNC_OUTSIDE_TASK', err2.code, 'call ' .. i .. ' in a coroutine')
    end
    assert.is_nil(async.running())
    s.socket:destroy()
  end)

  it('tasks that start and await tasks 1,000 deep (recursion) do not overflow the C stack', function()
    run(10000, function()
      local function depth(n)
        if n == 0 then async.sleep(1) return 0 end
        return async.run(depth, n - 1):await() + 1
      end
      assert.equal(1000, depth(1000))
    end)
  end)

  it('a bare coroutine.yield inside a task ends it with an error instead of hanging it', function()
    local t = async.run(function() coroutine.yield(1) end)
    t:catch(function() end)
    assert.equal('rejected', t.status)
    assert.equal('ERR_ASYNC_OUTSIDE_TASK', t.error.code)
  end)
end)

describe('luatls.async suspend points', function()
  it('sleep suspends the task, not the loop', function()
    run(5000, function()
      async.sleep(1)   -- the loop's clock is now, not when the test before ended
      local ticks = 0
      local timer = setInterval(function() ticks = ticks + 1 end, 5)
      local t0 = core.now()
      async.sleep(60)
      clearInterval(timer)
      assert.truthy(core.now() - t0 >= 55)
      assert.truthy(ticks >= 3, 'the loop ran ' .. ticks .. ' intervals meanwhile')
      assert.has_error(function() async.sleep(-1) end)
    end)
  end)

  it('once returns the arguments, raises an error emitted meanwhile, times out, and leaves no listener', function()
    run(5000, function()
      local e = EventEmitter()
      setTimeout(function() e:emit('ready', 1, nil, 'three') end, 5)
      local a, b, c = async.once(e, 'ready')
      assert.same({ 1, nil, 'three' }, { a, b, c })
      setTimeout(function() e:emit('error', { code = 'EOOPS' }) end, 5)
      assert.equal('EOOPS', raised(async.once, e, 'ready').code)
      setTimeout(function() e:emit('error', { code = 'EWANTED' }) end, 5)
      assert.equal('EWANTED', (async.once(e, 'error')).code)
      local before = timers_open()
      local err = raised(async.once, e, 'never', { timeout = 20 })
      assert.equal('ETIMEDOUT', err.code)
      assert.equal('once', err.operation)
      assert.equal(20, err.timeout)
      assert.equal(before, timers_open())
      assert.same({}, e:eventNames())
    end)
  end)

  it('connect: async.net.connect and async.tls.connect return connected sockets', function()
    run(10000, function()
      local plain = net.createServer(function(s) s:_end('plain hello\n') end)
      plain:listen(0, '127.0.0.1')
      async.once(plain, 'listening')
      local c = async.net.connect(plain:address().port, '127.0.0.1')
      assert.is_false(c.connecting)
      assert.equal('plain hello', c:readLine())
      assert.is_nil(c:readLine())
      plain:close()
      local server, port = serve(function(s) s:_end('secure hello\n') end)
      local s = async.tls.connect(port, 'localhost', { ca = CA })
      assert.is_true(s.authorized)
      assert.equal('TLSv1.3', s:getProtocol())
      assert.equal('secure hello', s:readLine())
      assert.is_nil(s:readLine())
      server:close()
    end)
  end)

  it('readLine: lines across chunks, CRLF and LF, a last line without an end, then nil', function()
    run(10000, function()
      local server, port = serve(writes_slowly({ 'one\r', '\ntw', 'o\nthr', 'ee\r\n\r\nla', 'st' }))
      local s = connect(port)
      local lines = {}
      for line in s:lines() do lines[#lines + 1] = line end
      assert.same({ 'one', 'two', 'three', '', 'last' }, lines)
      assert.is_nil(s:readLine())
      server:close()
    end)
  end)

  it('read(n): exactly n bytes across chunks, fewer at the end, then nil; read() what has arrived', function()
    run(10000, function()
      local server, port = serve(writes_slowly({ 'ab', 'cdef', 'g', 'hij', 'klmnop' }))
      local s = connect(port)
      assert.equal('abc', s:read(3))
      assert.equal('', s:read(0))
      assert.equal('defghi', s:read(6))
      local some = s:read()
      assert.truthy(#some >= 1 and ('jklmnop'):sub(1, #some) == some, some)
      local rest = ('jklmnop'):sub(#some + 1)
      if #rest > 0 then assert.equal(rest, s:read(100)) end
      assert.is_nil(s:read(1))
      assert.is_nil(s:read())
      assert.equal('ERR_OUT_OF_RANGE', raised(s.read, s, -1).code)
      server:close()
    end)
  end)

  it('readUntil: up to and including the delimiter, even split across chunks; the rest at the end', function()
    run(10000, function()
      local server, port = serve(writes_slowly({ 'HTTP/1.1 200 OK\r\nA: 1\r', '\n\r', '\nbody', '--', '-tail' }))
      local s = connect(port)
      assert.equal('HTTP/1.1 200 OK\r\nA: 1\r\n\r\n', s:readUntil('\r\n\r\n'))
      assert.equal('body---', s:readUntil('---'))
      assert.equal('tail', s:readUntil('\r\n'))
      assert.is_nil(s:readUntil('\r\n'))
      assert.equal('ERR_INVALID_ARG_VALUE', raised(s.readUntil, s, '').code)
      server:close()
    end)
  end)

  it('readAll: everything until the end, a megabyte intact, while the socket stays bounded', function()
    local big = {}
    for i = 1, 1024 * 1024 / 16 do big[i] = ('%015d\n'):format(i) end
    big = table.concat(big)
    run(15000, function()
      local server, port = serve(function(sock) sock:on('error', function() end); sock:_end(big) end)
      local s = connect(port)
      -- nobody reads for a while: the wrapper pauses the socket at its high-water mark
      async.sleep(200)
      assert.truthy(s._size <= 2 * s.socket.readableHighWaterMark, 'buffered ' .. s._size)
      local all = s:readAll()
      assert.equal(#big, #all)
      assert.equal(big, all)
      assert.equal('', s:readAll())
      server:close()
    end)
  end)

  it('writeAsync: suspends on backpressure until drain, never returns above the high-water mark', function()
    local piece = string.rep('w', 64 * 1024)
    local total = 256   -- 16 MiB: more than the kernel's buffers take while the reader waits
    run(20000, function()
      local got, resumed = 0, false
      local server, port = serve(function(sock)
        sock:on('error', function() end)
        sock:pause()
        setTimeout(function()
          resumed = true
          sock:on('data', function(d) got = got + #d end)
          sock:resume()
        end, 200)
        sock:on('end', function() sock:_end('got ' .. got) end)
      end)
      local s = connect(port)
      local drains = 0
      s.socket:on('drain', function() drains = drains + 1 end)
      local others = 0
      local ticker = async.run(function() for _ = 1, 10 do async.sleep(10); others = others + 1 end end)
      local t0 = core.now()
      for _ = 1, total do
        assert.is_true(s:writeAsync(piece))
        assert.truthy(s.socket.writableLength < s.socket.writableHighWaterMark)
      end
      assert.is_true(resumed, 'the writer waited for the reader')
      assert.truthy(core.now() - t0 >= 150)
      assert.truthy(drains > 0)
      ticker:await()
      assert.equal(10, others)
      s:endAsync()
      assert.equal('got ' .. (#piece * total), s:readAll())
      s.socket:removeAllListeners('drain')
      server:close()
    end)
  end)

  it('endAsync sends the last data and waits for finish; writes after it raise', function()
    run(10000, function()
      local server, port = serve(function(sock)
        sock:on('error', function() end)
        local got = ''
        sock:on('data', function(d) got = got .. d end)
        sock:on('end', function() sock:_end('you said ' .. got) end)
      end, { allowHalfOpen = true })
      local s = connect(port, { allowHalfOpen = true })
      s:writeAsync('hello ')
      s:endAsync('world')
      assert.is_false(s.socket.writable)
      assert.equal('you said hello world', s:readAll())
      s:endAsync()   -- done already: returns
      server:close()
    end)
  end)
end)

describe('luatls.async errors', function()
  it('connection refused: ECONNREFUSED with the address', function()
    local port = H.free_port()
    run(5000, function()
      local err = raised(async.tls.connect, { port = port, host = '127.0.0.1' })
      assert.equal('ECONNREFUSED', err.code)
      assert.equal('connect', err.syscall)
      assert.equal(port, err.port)
      err = raised(async.net.connect, port, '127.0.0.1')
      assert.equal('ECONNREFUSED', err.code)
    end)
  end)

  it('a rejected certificate raises its code and leaves the socket closed', function()
    run(10000, function()
      local server, port = serve(function(s) s:on('error', function() end) end)
      server:on('tlsClientError', function() end)
      assert.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE', raised(async.tls.connect, { port = port, host = 'localhost' }).code)
      local err = raised(connect, port, { servername = 'wrong.example' })
      assert.equal('ERR_TLS_CERT_ALTNAME_INVALID', err.code)
      server:close()
      local expired, port2 = serve(function(s) s:on('error', function() end) end,
        { key = H.cert('expired-key.pem'), cert = H.cert('expired-cert.pem') })
      expired:on('tlsClientError', function() end)
      assert.equal('CERT_HAS_EXPIRED', raised(connect, port2).code)
      expired:close()
    end)
  end)

  it('bad arguments raise at once, as the callback API does', function()
    run(5000, function()
      assert.equal('ERR_SOCKET_BAD_PORT', raised(async.tls.connect, { port = -1 }).code)
      assert.equal('ERR_INVALID_ARG_TYPE', raised(async.once, 'nope', 'x').code)
      assert.equal('ERR_INVALID_ARG_TYPE', raised(async.all, 'nope').code)
      assert.equal('ERR_OUT_OF_RANGE', raised(async.sleep, 0 / 0).code)
      assert.equal('ERR_INVALID_ARG_TYPE', raised(async.wrap, {}).code)
      local s = async.wrap(require('stream').Duplex())
      assert.equal('ERR_INVALID_ARG_TYPE', raised(s.writeAsync, s, 42).code)
      assert.equal('ERR_INVALID_ARG_TYPE', raised(s.readLine, 'not a socket').code)
      assert.equal('ERR_OUT_OF_RANGE', raised(s.readLine, s, { timeout = -5 }).code)
      s.socket:destroy()
    end)
  end)

  it('a socket error while nobody waits is raised by the next call on that socket', function()
    run(10000, function()
      local server, port = serve(function(sock) sock:on('error', function() end); sock:resetAndDestroy() end)
      local s = connect(port)
      async.sleep(50)
      assert.equal('ECONNRESET', raised(s.readLine, s).code)
      assert.equal('ECONNRESET', raised(s.writeAsync, s, 'x').code)
      assert.same({}, listening(s.socket))
      server:close()
    end)
  end)
end)

describe('luatls.async timeouts', function()
  it('a per-call timeout raises ETIMEDOUT, consumes nothing, leaves no timer; the socket stays usable', function()
    run(10000, function()
      local server, port = serve(writes_slowly({ 'partial ', '', '', '', '', '', '', '', '', '', '', '', '', 'line\n' }))
      local s = connect(port)
      settle()
      local before = timers_open()
      local t0 = core.now()
      local err = raised(s.readLine, s, { timeout = 20 })
      assert.truthy(core.now() - t0 >= 15)
      assert.equal('ETIMEDOUT', err.code)
      assert.equal('TimeoutError', err.name)
      assert.equal('readLine', err.operation)
      assert.equal('TimeoutError [ETIMEDOUT]: readLine timed out after 20 ms', tostring(err))
      assert.equal(before, timers_open())
      assert.equal('partial line', s:readLine({ timeout = 2000 }))
      assert.equal(before, timers_open())
      assert.is_nil(s:readLine())
      server:close()
    end)
  end)

  it('a per-socket default, async.defaultTimeout, and false or 0 for none', function()
    run(10000, function()
      local server, port = serve(function(sock) sock:on('error', function() end) end)
      local s = connect(port, { timeout = H.ms(5000) })
      assert.equal(H.ms(5000), s.timeout)
      s.timeout = 30
      local err = raised(s.read, s, 1)
      assert.equal('ETIMEDOUT', err.code)
      assert.equal(30, err.timeout)
      s.timeout = 10
      assert.equal(10, raised(s.readUntil, s, 'x').timeout)
      assert.equal(25, raised(s.readAll, s, { timeout = 25 }).timeout)
      -- false: this call waits as long as it takes, whatever the socket says
      local waiting = async.run(function() return s:read(1, { timeout = false }) end)
      async.sleep(40)
      assert.equal('pending', waiting.status)
      waiting:cancel()
      assert.equal('ABORT_ERR', raised(waiting.await, waiting).code)
      s.timeout = nil
      async.defaultTimeout = 15
      local ok, e = pcall(async.once, EventEmitter(), 'x')
      local ok2, e2 = pcall(s.readLine, s)
      async.defaultTimeout = nil
      assert.is_false(ok)
      assert.equal(15, e.timeout)
      assert.is_false(ok2)
      assert.equal(15, e2.timeout)
      s:destroy()
      server:close()
    end)
  end)

  it('a connect that times out destroys its socket', function()
    run(10000, function()
      -- TCP accepts, but no TLS handshake ever answers
      local accepted = EventEmitter()
      local mute = net.createServer(function(sock)
        sock:on('error', function() end)
        sock:on('data', function() end)   -- the ClientHello, read and dropped
        accepted:emit('socket', sock)
      end)
      mute:listen(0, '127.0.0.1')
      async.once(mute, 'listening')
      local before = timers_open()
      local connecting = async.run(async.tls.connect, { port = mute:address().port, host = 'localhost', ca = CA,
        timeout = 50 })
      local peer = async.once(accepted, 'socket')
      local err = raised(connecting.await, connecting)
      assert.equal('ETIMEDOUT', err.code)
      assert.equal('connect', err.operation)
      assert.equal(before, timers_open())
      -- the client's socket was destroyed: the server sees its connection close
      async.once(peer, 'close', { timeout = 2000 })
      mute:close()
    end)
  end)
end)

describe('luatls.async cancellation', function()
  it('a socket destroyed while a task waits in a read: ERR_SOCKET_CLOSED, no listener and no timer left', function()
    for _, what in ipairs({ 'readLine', 'read', 'readUntil', 'readAll' }) do
      run(10000, function()
        local server, port = serve(function(sock) sock:on('error', function() end) end)
        local s = connect(port)
        settle()
        local before = timers_open()
        local reader = async.run(function()
          if what == 'readUntil' then return s:readUntil('\r\n', { timeout = 5000 }) end
          if what == 'read' then return s:read(10, { timeout = 5000 }) end
          return s[what](s, { timeout = 5000 })
        end)
        async.sleep(20)
        assert.equal(before + 1, timers_open())
        s:destroy()
        local err = raised(reader.await, reader)
        assert.equal('ERR_SOCKET_CLOSED', err.code, what)
        assert.same({}, listening(s.socket), what)
        assert.equal(before, timers_open(), what)
        assert.equal('ERR_SOCKET_CLOSED', raised(s.readLine, s).code)
        server:close()
      end)
    end
  end)

  it('the peer resets the connection while a task waits: the socket\'s error (ECONNRESET)', function()
    run(10000, function()
      local server, port = serve(function(sock)
        sock:on('error', function() end)
        setTimeout(function() sock:resetAndDestroy() end, 30)
      end)
      local s = connect(port)
      local err = raised(s.readLine, s, { timeout = 5000 })
      assert.equal('ECONNRESET', err.code)
      assert.same({}, listening(s.socket))
      server:close()
    end)
  end)

  it('a socket destroyed while writeAsync waits for drain: the error, and no drain listener left', function()
    run(10000, function()
      local peer
      local server, port = serve(function(sock) sock:on('error', function() end); sock:pause(); peer = sock end)
      local s = connect(port)
      local writer = async.run(function()
        local piece = string.rep('x', 256 * 1024)
        for _ = 1, 64 do s:writeAsync(piece) end
      end)
      -- wait for the server's end to exist and the writer to be held back by the full buffers
      while not peer or s.socket:listenerCount('drain') == 0 do async.sleep(10) end
      assert.equal('pending', writer.status)
      assert.equal(1, s.socket:listenerCount('drain'))
      s:destroy()
      assert.equal('ERR_SOCKET_CLOSED', raised(writer.await, writer).code)
      assert.same({}, listening(s.socket))
      peer:destroy()   -- paused, it would never read the end
      server:close()
    end)
  end)

  it('task:cancel fails the current wait with ABORT_ERR and every later one; listeners and timers go', function()
    run(10000, function()
      local server, port = serve(function(sock) sock:on('error', function() end) end)
      local s = connect(port)
      settle()
      local before = timers_open()
      local e = EventEmitter()
      local stages = {}
      local t = async.run(function()
        local _, err = pcall(s.readLine, s, { timeout = 5000 })
        stages[#stages + 1] = err.code
        _, err = pcall(async.sleep, 10)
        stages[#stages + 1] = err.code
        async.once(e, 'never')
      end)
      async.sleep(10)
      assert.equal(1, s.socket:listenerCount('data'))
      assert.is_true(t:cancel('enough'))
      local err = raised(t.await, t)
      assert.equal('ABORT_ERR', err.code)
      assert.equal('AbortError', err.name)
      assert.equal('enough', err.cause)
      assert.same({ 'ABORT_ERR', 'ABORT_ERR' }, stages)
      assert.is_false(t:cancel())
      assert.equal(before, timers_open())
      assert.same({}, e:eventNames())
      -- the cancelled read took nothing: the next reader gets the line
      s.socket:write('')
      local sleeper = async.run(function() async.sleep(10000) end)
      sleeper:cancel()
      assert.equal('ABORT_ERR', raised(sleeper.await, sleeper).code)
      assert.equal(before, timers_open())
      s:destroy()
      server:close()
    end)
  end)

  it('an AbortSignal (util.AbortController) ends one wait with ABORT_ERR, as Node\'s events.once takes one', function()
    local AbortController = require('util').AbortController
    run(10000, function()
      local server, port = serve(function(sock) sock:on('error', function() end) end)
      local s = connect(port)
      settle()
      local before = timers_open()
      local ac = AbortController()
      setTimeout(function() ac:abort('enough') end, 20)
      local err = raised(s.readLine, s, { signal = ac.signal, timeout = 5000 })
      assert.equal('ABORT_ERR', err.code)
      assert.equal('AbortError', err.name)
      assert.equal('enough', err.cause)
      assert.equal(0, ac.signal:listenerCount('abort'))
      assert.equal(before, timers_open())
      -- an aborted signal fails at once, data or not; the socket itself goes on
      s.socket:write('')
      assert.equal('ABORT_ERR', raised(s.read, s, 0, { signal = ac.signal }).code)
      assert.equal('ABORT_ERR', raised(async.sleep, 1, { signal = ac.signal }).code)
      local e = EventEmitter()
      local ac2 = AbortController()
      setTimeout(function() ac2:abort() end, 5)
      assert.equal('ABORT_ERR', raised(async.once, e, 'never', { signal = ac2.signal }).code)
      assert.same({}, e:eventNames())
      local ac3 = AbortController()
      setTimeout(function() ac3:abort() end, 5)
      assert.equal('ABORT_ERR', raised(async.sleep, 5000, { signal = ac3.signal }).code)
      assert.equal(before, timers_open())
      assert.equal('ERR_INVALID_ARG_TYPE', raised(s.readLine, s, { signal = 'no' }).code)
      -- connect passes the signal on to tls.connect, as Node's: aborting destroys the socket
      local ac4 = AbortController()
      local c = connect(port, { signal = ac4.signal })
      local reader = async.run(function() return c:readLine() end)
      ac4:abort()
      assert.equal('ABORT_ERR', raised(reader.await, reader).code)
      assert.is_true(c.socket.destroyed)
      s:destroy()
      server:close()
    end)
  end)

  it('a task that fails destroys the sockets it opened', function()
    run(10000, function()
      local server, port = serve(function(sock) sock:on('error', function() end) end)
      local opened, sibling
      local t = async.run(function()
        opened = connect(port)
        -- another task reads the same socket, and nobody awaits it
        sibling = async.run(function() return opened:read(100) end)
        opened:readLine({ timeout = 20 })
      end)
      local err = raised(t.await, t)
      assert.equal('ETIMEDOUT', err.code)
      assert.is_true(opened.socket.destroyed)
      async.sleep(10)
      assert.same({}, listening(opened.socket))
      -- its failure follows from the first: it names it as its cause, and is not reported again
      assert.equal('rejected', sibling.status)
      assert.equal('ERR_SOCKET_CLOSED', sibling.error.code)
      assert.equal(err, sibling.error.cause)
      server:close()
    end)
  end)
end)

describe('luatls.async.all', function()
  it('waits for every function or task and returns their first values in order', function()
    run(5000, function()
      local t = async.run(function() async.sleep(5); return 'task' end)
      local r = async.all({
        function() async.sleep(30); return 'slow' end,
        function() return 'now' end,
        t,
        function() async.sleep(10) end,
      })
      assert.same({ n = 4, 'slow', 'now', 'task' }, r)
      assert.same({ n = 0 }, async.all({}))
    end)
  end)

  it('the first error cancels the others, waits for them, and is raised', function()
    run(5000, function()
      local before = timers_open()
      local ends = {}
      local err = raised(async.all, {
        function() async.sleep(10); error({ code = 'EFIRST' }) end,
        function()
          local _, e = pcall(async.sleep, 5000)
          ends[#ends + 1] = e.code
          error(e, 0)
        end,
        function() async.once(EventEmitter(), 'never') end,
      })
      assert.equal('EFIRST', err.code)
      assert.same({ 'ABORT_ERR' }, ends)
      assert.equal(before, timers_open())
      assert.equal('ETIMEDOUT', raised(async.all, { function() async.sleep(5000) end }, { timeout = 10 }).code)
      assert.equal(before, timers_open())
    end)
  end)

  it('200 concurrent coroutine clients against one TLS echo server: every byte comes back', function()
    local N = 200
    local results = {}
    local default = async.defaultTimeout
    async.defaultTimeout = H.ms(30000)   -- 200 handshakes under valgrind take their time
    run(60000, function()
      local server, port = serve(async.fn(function(sock)
        local s = async.wrap(sock)
        while true do
          local chunk = s:read()
          if not chunk then break end
          s:writeAsync(chunk)
        end
        s:endAsync()
      end))
      local clients = {}
      for i = 1, N do
        clients[i] = function()
          local payload = {}
          for j = 1, 64 + i do payload[j] = ('%d:%d;'):format(i, j) end
          payload = table.concat(payload) .. string.rep(string.char(i % 256), 1000 + i * 7)
          local s = connect(port, { timeout = 30000 })
          local third = #payload // 3
          s:writeAsync(payload:sub(1, third))
          s:writeAsync(payload:sub(third + 1, 2 * third))
          s:writeAsync(payload:sub(2 * third + 1))
          local back = s:read(#payload)
          s:endAsync()
          assert.equal('', s:readAll())
          results[i] = back == payload and #back or ('mismatch ' .. i)
          return #back
        end
      end
      local sizes = async.all(clients)
      assert.equal(N, sizes.n)
      server:close()
      async.once(server, 'close')
    end)
    async.defaultTimeout = default
    local bytes = 0
    for i = 1, N do
      assert.equal('number', type(results[i]), tostring(results[i]))
      bytes = bytes + results[i]
    end
    assert.truthy(bytes > N * 1500)
  end)
end)

describe('luatls.async wrapping sockets late', function()
  it('a socket whose peer has ended reads nil; a closed one raises ERR_SOCKET_CLOSED and gets no listener', function()
    run(10000, function()
      local ended = EventEmitter()
      local server = net.createServer({ allowHalfOpen = true }, function(sock)
        sock:on('data', function() end)
        sock:on('end', function() ended:emit('socket', sock) end)
      end)
      server:listen(0, '127.0.0.1')
      async.once(server, 'listening')
      local c = async.net.connect({ port = server:address().port, host = '127.0.0.1', allowHalfOpen = true })
      c:endAsync('hi\n')
      local sock = async.once(ended, 'socket')
      sock:removeAllListeners('data')
      local s = async.wrap(sock)
      assert.is_nil(s:readLine())
      s:endAsync('bye\n')
      assert.equal('bye\n', c:readAll())
      async.sleep(20)
      assert.is_true(c.socket.destroyed)
      local late = async.wrap(c.socket)
      assert.same({}, listening(c.socket))
      assert.equal('ERR_SOCKET_CLOSED', raised(late.readLine, late).code)
      server:close()
    end)
  end)
end)

describe('luatls.async over other streams', function()
  it('wraps a stream.Duplex, and starttls upgrades a plain socket on both sides', function()
    run(10000, function()
      local d = require('stream').Duplex()
      d._write = function(self, chunk) self:push(chunk:upper()) end
      d._final = function(self) self:push(nil) end
      local s = async.wrap(d)
      s:writeAsync('hello\n')
      assert.equal('HELLO', s:readLine())
      s:endAsync()
      assert.is_nil(s:readLine())

      local ctx = tls.createSecureContext(H.tls_options())
      local server_log = {}
      local plain = net.createServer(async.fn(function(sock)
        local c = async.wrap(sock)
        c:writeAsync('220 ready\r\n')
        assert.equal('STARTTLS', c:readLine())
        c:writeAsync('220 go ahead\r\n')
        local secure = c:starttls({ isServer = true, secureContext = ctx })
        server_log[#server_log + 1] = secure:getProtocol()
        secure:writeAsync('secure ' .. secure:readLine() .. '\r\n')
        secure:endAsync()
      end))
      plain:listen(0, '127.0.0.1')
      async.once(plain, 'listening')
      local c = async.net.connect(plain:address().port, '127.0.0.1')
      assert.equal('220 ready', c:readLine())
      c:writeAsync('STARTTLS\r\n')
      assert.equal('220 go ahead', c:readLine())
      local secure = c:starttls({ servername = 'localhost', ca = CA })
      assert.is_true(secure.authorized)
      assert.equal('ERR_SOCKET_CLOSED', raised(c.readLine, c).code)
      assert.same({}, listening(c.socket))
      secure:writeAsync('hi\r\n')
      assert.equal('secure hi', secure:readLine())
      assert.is_nil(secure:readLine())
      assert.same({ 'TLSv1.3' }, server_log)
      plain:close()
    end)
  end)
end)

describe('luatls.async examples, each beside its callback twin', function()
  local function env(extra)
    local e = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME') }
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
  end

  -- what a transcript says, whatever the chunks: one line per line, without 'S: ' and CR
  local function lines_of(out)
    local lines = {}
    for l in out:gsub('\r', ''):gsub('S: ', ''):gmatch('[^\n]+') do
      if not l:match('^upgraded to') then lines[#lines + 1] = l end
    end
    return lines
  end

  it('smtp-starttls-async.lua and starttls-client.lua hold the same conversation with starttls-server.lua', function()
    local outs = {}
    H.run(20000, function(done)
      local port = tostring(H.free_port())
      local server = H.spawn(H.LUATLS, { 'examples/starttls-server.lua' }, function() done() end,
        { env = env({ PORT = port }) })
      local started = false
      server.stdout:on('data', function(d)
        if started or not d:find('listening on', 1, true) then return end
        started = true
        local finish = H.countdown(2, function() server:kill() end)
        for _, name in ipairs({ 'starttls-client', 'smtp-starttls-async' }) do
          H.spawn(H.LUATLS, { 'examples/' .. name .. '.lua' }, function(code, out, err)
            outs[name] = { code = code, out = out, err = err }
            finish()
          end, { env = env({ PORT = port }) })
        end
      end)
    end)
    local async_run, callbacks = outs['smtp-starttls-async'], outs['starttls-client']
    assert.equal(0, async_run.code, async_run.err)
    assert.equal(0, callbacks.code, callbacks.err)
    assert.same({ '220 luatls ESMTP ready', '250-luatls', '250 STARTTLS', '220 2.0.0 Ready to start TLS',
      'secure: TLSv1.3 authorized', '250 luatls at your service', '250 hello over TLS', '221 2.0.0 Bye' },
      lines_of(async_run.out))
    assert.same(lines_of(callbacks.out), lines_of(async_run.out))
  end)

  it('smtp-starttls-async.lua reports a refused connection and exits 1', function()
    local out, code = H.sh('PORT=' .. H.free_port() .. ' timeout 20 ' .. H.LUATLS .. ' examples/smtp-starttls-async.lua 2>&1')
    assert.equal(1, code)
    assert.matches('^smtp: Error %[ECONNREFUSED%]: connect ECONNREFUSED 127%.0%.0%.1:%d+\n$', out)
  end)

  it('https-get-async.lua and https-get.lua fetch the same two pages from their own responders', function()
    local expected = 'GET /hello: HTTP/1.1 200 OK (content-length 18)\nhello from luatls\n'
      .. 'GET /chunked: HTTP/1.1 200 OK (chunked, 3 chunks)\none two three\n'
    for _, name in ipairs({ 'https-get-async', 'https-get' }) do
      local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' examples/' .. name .. '.lua 2>&1')
      assert.equal(0, code, out)
      assert.equal(expected, out, name)
    end
  end)

  it('https-get-async.lua and https-get.lua GET a URL: a body until close, a 404, a refused port', function()
    local outs = {}
    H.run(20000, function(done)
      local server = tls.createServer(H.tls_options(), function(sock)
        sock:on('error', function() end)
        local head = ''
        sock:on('data', function(d)
          head = head .. d
          if not head:find('\r\n\r\n', 1, true) then return end
          if head:match('^GET /close ') then
            sock:write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil ')
            setTimeout(function() sock:_end('the end\n') end, 20)
          else
            sock:_end('HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope\n')
          end
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local base = 'https://localhost:' .. server:address().port
        local urls = { base .. '/close', base .. '/missing', 'https://localhost:' .. H.free_port() .. '/' }
        local finish = H.countdown(2 * #urls, function() server:close(done) end)
        for _, name in ipairs({ 'https-get-async', 'https-get' }) do
          for i, url in ipairs(urls) do
            H.spawn(H.LUATLS, { 'examples/' .. name .. '.lua', url }, function(code, out, err)
              outs[name .. ' ' .. i] = { code = code, out = out .. err }
              finish()
            end, { env = env() })
          end
        end
      end)
    end)
    for _, name in ipairs({ 'https-get-async', 'https-get' }) do
      assert.same({ code = 0, out = 'GET /close: HTTP/1.1 200 OK (content-length 14)\nuntil the end\n' }, outs[name .. ' 1'])
      assert.same({ code = 0, out = 'GET /missing: HTTP/1.1 404 Not Found (content-length 5)\nnope\n' }, outs[name .. ' 2'])
      assert.equal(1, outs[name .. ' 3'].code)
      assert.matches('^https%-get: Error %[ECONNREFUSED%]', outs[name .. ' 3'].out)
    end
  end)
end)

describe('luatls.async at the REPL prompt', function()
  -- the REPL on a real pseudo-terminal (util-linux `script`); steps are
  -- { expect = text } (wait until it has appeared) or { send = keys }
  local function session(steps)
    local code, out, left
    H.run(20000, function(done)
      local env = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME'), TERM = 'xterm',
        LUATLS_HISTORY = os.tmpname() }
      local i, seen, from = 1, '', 1
      local child = H.spawn('script', { '-qfec', 'exec ' .. H.LUATLS, '/dev/null' }, function(c, o)
        code, out, left = c, o, #steps - i + 1
        os.remove(env.LUATLS_HISTORY)
        done()
      end, { env = env })
      local function advance()
        while i <= #steps do
          local step = steps[i]
          if step.send then
            child.stdin:write(step.send)
          else
            local _, e = seen:find(step.expect, from, true)
            if not e then return end
            from = e + 1
          end
          i = i + 1
        end
      end
      child.stdout:on('data', function(d) seen = seen .. d; if os.getenv('REPL_SPEC_DEBUG') then io.stderr:write((d:gsub('\27', 'ESC'))) end; advance() end)
    end)
    return code, out, left
  end
  local function line(text) return { send = text .. '\r' } end
  local function expect(text) return { expect = text } end

  it('run returns a Task at once; the prompt stays live; :next prints the result when it comes', function()
    local code, out, left = session({
      expect('> '),
      line([[async = require('luatls.async')]]), expect('> '),
      line([[srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem') }, function(c) c:on('data', function(d) setTimeout(function() c:write(d:upper()) end, 300) end) end)]]),
      expect('> '),
      line([[srv:listen(0, '127.0.0.1', function() print('listening') end)]]), expect('listening'),
      line([[t = async.run(function() local s = async.tls.connect(srv:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') }); s:writeAsync('ehlo\n'); local l = s:readLine(); s:destroy(); return l end)]]),
      expect('> '),
      line('t'), expect('Task { pending }'),
      line('6 * 7'), expect('42'),
      line([[t:next(function(l) print('answer:', l) end)]]), expect('answer:\tEHLO'),
      line('t'), expect("Task { fulfilled: 'EHLO' }"),
      line([[async.run(function() async.sleep(10); error('failed at the prompt') end)]]),
      expect('Task { pending }'),
      expect('Uncaught Error: stdin:1: failed at the prompt'),
      line([[async.sleep(1)]]), expect('ERR_ASYNC_OUTSIDE_TASK'),
      line('srv:close()'), expect('> '),
      line('.exit'),
    })
    assert.equal(0, left, out)
    assert.equal(0, code)
  end)
end)
