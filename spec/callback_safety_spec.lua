-- Callback safety, F26-F39: what scripts do inside callbacks that OpenSSL,
-- libev or the core are still in the middle of (renegotiate, destroy, open a
-- file, collect), allocation failures outside protected calls, and values C
-- cannot hold (NaN delays, INT_MIN, 2 GiB strings). Whatever can crash or end
-- the process runs in a child (spec/scripts/cb_*.lua, under LUATLS_BIN, so
-- `make asan` runs the sanitized executable there), and the spec asserts the
-- child's exit status and what it printed. The rest runs here, on loopback.
local tls = require('tls')
local net = require('net')
local fs = require('fs')

local CA = H.cert('ca-cert.pem')

---------------------------------------------------------------------------
-- child processes
---------------------------------------------------------------------------

-- "key value" lines -> { key = value } (the last line of each key wins)
local function facts_of(out)
  local facts = {}
  for line in out:gmatch('[^\n]+') do
    local k, v = line:match('^(%S+) ?(.*)$')
    if k then facts[k] = v end
  end
  return facts
end

-- Runs spec/scripts/NAME with args in a child luatls (LUATLS_BIN) until it
-- exits; returns { code, signal, out, err, facts }.
local function run_script(timeout, name, args)
  local r
  H.run(timeout, function(done)
    local argv = { 'spec/scripts/' .. name }
    for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
    H.spawn(H.LUATLS, argv, function(code, out, err, sig)
      r = { code = code, signal = sig, out = out, err = err }
      done()
    end)
  end)
  r.facts = facts_of(r.out)
  return r
end

local function describe_run(r)
  return ('exit status %s, signal %s\n--- stdout\n%s--- stderr\n%s'):format(tostring(r.code), tostring(r.signal),
    r.out or '', (r.err or ''):sub(1, 3000))
end

-- exited by itself with status 0: no crash, no abort, no uncaught error, no sanitizer report
local function assert_clean(r, what)
  local msg = (what and what .. ': ' or '') .. describe_run(r)
  assert.is_nil(r.signal, msg)
  assert.equal(0, r.code, msg)
  assert.is_nil((r.err or ''):find('Uncaught', 1, true), msg)
  assert.is_nil((r.err or ''):find('Sanitizer', 1, true), msg)
  assert.is_nil((r.err or ''):find('runtime error:', 1, true), msg)
end

-- the environment of a child that gets its own: the basics, the sanitizers' options, extra
local function env_with(extra)
  local env = {}
  for _, k in ipairs({ 'PATH', 'HOME', 'LANG', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'LUATLS_TIMEOUT_SCALE' }) do
    env[k] = os.getenv(k)
  end
  for k, v in pairs(extra) do env[k] = v end
  return env
end

-- calls on_line(line) for each complete line a child writes to stdout
local function on_lines(child, on_line)
  local buffered = ''
  child.stdout:on('data', function(d)
    buffered = buffered .. d
    for line in buffered:gmatch('([^\n]*)\n') do on_line(line) end
    buffered = buffered:match('[^\n]*$')
  end)
end

-- F33 (a): the server writes 1000 bytes, then resets (SO_LINGER 0); the client
-- reads only once both wait in its socket, so one read gives the bytes (a 'data'
-- event, whose listener runs) and then ECONNRESET. Returns { got =, code = }.
local function reset_after_data(listener)
  local r = { got = 0 }
  H.run(10000, function(done)
    local c, server
    server = tls.createServer(H.tls_options(), function(s)
      s:on('error', function() end)
      s:setNoDelay(true)
      s:write(string.rep('x', 1000), function() s:resetAndDestroy() end)
      s:on('close', function()
        c:on('data', function(d)
          r.got = r.got + #d
          listener()
        end)
        c:resume()
      end)
    end)
    server:listen(0, '127.0.0.1', function()
      c = tls.connect({ port = server:address().port, host = 'localhost', ca = CA }, function() c:pause() end)
      c:on('error', function(e) r.code = e.code end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

-- F33 (b): server -> proxy -> client over TLS 1.2. The proxy holds the first two
-- application-data records, flips a bit in the second one's tag and sends both
-- in one write, so the client decrypts one ('data', whose listener runs) and
-- fails on the next in the same read. Returns { data =, code = }.
local function corrupted_record(listener)
  local r = {}
  H.run(10000, function(done)
    local finish = H.countdown(2, done)
    local server, proxy
    server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2' }), function(s)
      s:on('error', function() end)
      s:write('first', function() s:write('second') end)   -- two records
    end)
    proxy = net.createServer(function(down)
      local up = net.connect(server:address().port, '127.0.0.1')
      local buf, held = '', {}
      down:on('data', function(d) up:write(d) end)
      up:on('data', function(d)
        buf = buf .. d
        while #buf >= 5 do
          local len = string.unpack('>I2', buf, 4)
          if #buf < 5 + len then break end
          local record = buf:sub(1, 5 + len)
          buf = buf:sub(6 + len)
          if record:byte(1) == 23 and #held < 2 then
            held[#held + 1] = record
            if #held == 2 then
              local bad = held[2]:sub(1, -2) .. string.char(held[2]:byte(-1) ~ 1)
              down:write(held[1] .. bad)
            end
          else
            down:write(record)
          end
        end
      end)
      for _, s in ipairs({ up, down }) do s:on('error', function() end) end
      up:on('close', function() down:destroy() end)
      down:on('close', function() up:destroy() end)
    end)
    server:listen(0, '127.0.0.1', function()
      proxy:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = proxy:address().port, host = 'localhost', ca = CA })
        c:on('data', function(d)
          r.data = (r.data or '') .. d
          listener()
        end)
        c:on('error', function(e) r.code = e.code end)
        c:on('close', function()
          server:close(finish)
          proxy:close(finish)
        end)
      end)
    end)
  end)
  return r
end

describe('callback safety', function()
  it('F26: renegotiate() in a TLS 1.2 server keylog listener waits for OpenSSL to return: no crash, echo, a second handshake', function()
    local r = run_script(10000, 'cb_keylog_renegotiate.lua')
    assert_clean(r)
    local msg = describe_run(r)
    assert.equal('true', r.facts['renegotiate-returned'], msg)
    assert.equal('ok', r.facts['server-renegotiated'], msg)        -- the callback, without an error
    assert.is_not_nil(r.facts['client-renegotiated'], msg)         -- the client did a second handshake
    assert.equal('hello', r.facts.echo, msg)
    assert.is_nil(r.facts['client-error'], msg)
  end)

  it('F27: a socket closed inside OpenSSL keeps its fd until OpenSSL is done: no TLS record lands in a file opened next', function()
    local paths = { os.tmpname(), os.tmpname(), os.tmpname() }
    finally(function() for _, p in ipairs(paths) do os.remove(p) end end)
    -- renegotiations past CLIENT_RENEG_LIMIT; the 'error' listener opens a file
    local reneg = run_script(10000, 'cb_renegotiate_file.lua', { paths[1] })
    -- a 'keylog' listener destroys the socket, then opens a file
    local keylog12 = run_script(10000, 'cb_keylog_file.lua', { paths[2], 'TLSv1.2' })
    local keylog13 = run_script(10000, 'cb_keylog_file.lua', { paths[3], 'TLSv1.3' })
    local sizes = { #fs.readFileSync(paths[1]), #fs.readFileSync(paths[2]), #fs.readFileSync(paths[3]) }
    assert.equal('ERR_TLS_SESSION_ATTACK', reneg.facts['server-error'], describe_run(reneg))
    assert.same({ 0, 0, 0 }, sizes)
    for name, r in pairs({ renegotiation = reneg, ['keylog, TLS 1.2'] = keylog12, ['keylog, TLS 1.3'] = keylog13 }) do
      assert_clean(r, name)
      -- the fd whose close waited for OpenSSL was closed after all
      assert.equal(r.facts['fds-before'], r.facts['fds-after'], name .. ': ' .. describe_run(r))
    end
  end)

  it('F28: a socket destroyed and collected right after a synchronous SNICallback answer: no stale watcher runs, the server goes on', function()
    local r = run_script(10000, 'cb_sni_collect.lua')
    assert_clean(r)
    assert.is_not_nil(r.facts.collected, describe_run(r))
    assert.equal('ping', r.facts.echo, describe_run(r))
  end)

  it('F29: child_process.spawn with 20,000 numbers as arguments passes every one of them', function()
    local r = run_script(20000, 'cb_spawn_numbers.lua', { '20000' })
    assert_clean(r)
    assert.same({ exit = '0', lines = '20000', ['first-wrong-line'] = 'none', exact = 'true' }, r.facts)
  end)

  it('F30: a TLS 1.2 client whose session listener destroys the socket: no uncaught ERR_SOCKET_CLOSED, exit 0 as in Node', function()
    local r = run_script(10000, 'cb_session_destroy.lua')
    assert_clean(r)
    assert.equal('true', r.facts.session, describe_run(r))
    assert.is_not_nil(r.facts.close, describe_run(r))
  end)

  it('F31: renegotiate({ requestCert = true, rejectUnauthorized = true }) destroys a socket whose client certificate is untrusted', function()
    -- server renegotiates asking for a certificate; the client says "hello" once its side is done
    local function attempt(key, cert)
      local r = { received = '' }
      H.run(10000, function(done)
        local finish = H.countdown(2, done)   -- the client's close and the server's
        local server
        server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', ca = CA }), function(s)
          s:on('error', function(e) r.server_error = e.code end)
          s:on('data', function(d) if not s.destroyed then s:write('reply to ' .. d) end end)
          s:on('close', function() server:close(finish) end)
          r.returned = s:renegotiate({ requestCert = true, rejectUnauthorized = true }, function(err)
            r.callback = { err = err and (err.code or err.message) or false, destroyed = s.destroyed,
              authorized = s.authorized }
            if not s.destroyed then s:write('after renegotiation ') end
          end)
        end)
        server:listen(0, '127.0.0.1', function()
          local c = tls.connect({ port = server:address().port, host = 'localhost', ca = CA, key = key, cert = cert })
          local handshakes = 0
          c:on('secure', function()   -- the client's renegotiation is done (the second 'secure')
            handshakes = handshakes + 1
            if handshakes == 2 then c:write('hello') end
          end)
          c:on('data', function(d)
            r.received = r.received .. d
            if r.received:find('reply to hello', 1, true) then c:_end() end
          end)
          c:on('error', function(e) r.client_error = e.code end)
          c:on('close', finish)
        end)
      end)
      return r
    end
    local untrusted = attempt(H.cert('selfsigned-key.pem'), H.cert('selfsigned-cert.pem'))
    local trusted = attempt(H.cert('client-key.pem'), H.cert('client-cert.pem'))
    -- a certificate the CA signed: the connection goes on, authorized
    assert.is_true(trusted.returned)
    assert.same({ err = false, destroyed = false, authorized = true }, trusted.callback)
    assert.equal('after renegotiation reply to hello', trusted.received)
    assert.is_nil(trusted.client_error)
    -- an untrusted one: destroyed, nothing more is sent. Node calls back with null on a socket
    -- it has already destroyed; an error is as good: never an open, unauthorized socket
    assert.is_true(untrusted.returned)
    assert.is_table(untrusted.callback)
    assert.is_false(untrusted.callback.authorized)
    assert.is_true(untrusted.callback.err ~= false or untrusted.callback.destroyed,
      'the callback saw an open socket and no error')
    assert.equal('', untrusted.received)
  end)

  it('F32: running out of memory in SSL_new at accept, or in the keylog push inside OpenSSL, fails one connection only', function()
    -- mode: which fault; first: the options of the client that meets it
    local function scenario(mode, first)
      local r = {}
      H.run(20000, function(done)
        local finish = H.countdown(2, done)   -- the server's exit, and the end of the clients
        local server, started
        server = H.spawn(H.LUATLS_FAULTS, { 'spec/scripts/cb_faults_server.lua', mode }, function(code, out, err, sig)
          r.code, r.signal, r.out, r.err = code, sig, out, err
          if not started then finish() end   -- it never listened: no clients either
          finish()
        end)
        on_lines(server, function(line)
          local port = tonumber(line:match('^port (%d+)$'))
          if not port then return end
          started = true
          local o = { port = port, host = 'localhost', ca = CA }
          for k, v in pairs(first) do o[k] = v end
          local c = tls.connect(o)
          c:on('secureConnect', function() c:_end() end)
          c:on('data', function() end)
          c:on('error', function(e) r.first_error = e.code end)
          c:on('close', function()
            local d
            d = tls.connect({ port = port, host = 'localhost', ca = CA }, function() d:write('ping') end)
            d:on('data', function(x) r.echo = x; d:_end() end)
            d:on('error', function(e) r.second_error = e.code end)
            d:on('close', function()
              server:kill()   -- nothing if it has already exited
              finish()
            end)
          end)
        end)
      end)
      r.facts = facts_of(r.out)
      return r
    end
    local ssl_new = scenario('ssl_new', {})
    local keylog = scenario('keylog', { servername = 'keylog-oom.test', rejectUnauthorized = false })
    for name, r in pairs({ ssl_new = ssl_new, keylog = keylog }) do
      local msg = name .. ': ' .. describe_run(r)
      assert.equal('SIGTERM', r.signal, msg)   -- still running when the spec ended it
      assert.is_nil(r.err:find('Uncaught', 1, true), msg)
      assert.is_nil(r.err:find('unprotected error', 1, true), msg)
      assert.equal('ping', r.echo, msg)
    end
    -- the faults did happen before the good client's connection
    local ssl_failed = tonumber((ssl_new.facts.secure or ''):match('^(%d+)'))
    local lua_failed = tonumber((keylog.facts.secure or ''):match('(%d+)$'))
    assert.is_true(ssl_failed ~= nil and ssl_failed >= 1, describe_run(ssl_new))
    assert.is_true(lua_failed ~= nil and lua_failed >= 2, describe_run(keylog))
  end)

  it('F33: a data listener that sets errno or clears OpenSSL\'s error queue does not change the error that ends the socket', function()
    -- (a) the server writes 1000 bytes and resets; the client reads both in one go, and its
    -- listener makes a failing io.open (errno ENOENT)
    local reset = {
      clean = reset_after_data(function() end),
      dirty = reset_after_data(function()
        assert(io.open('/nonexistent/luatls-spec/x', 'r') == nil)
      end),
    }
    -- (b) a record with a bad MAC right after a good one; the listener makes a SecureContext
    -- with a bad key (which clears OpenSSL's error queue)
    local mac = {
      clean = corrupted_record(function() end),
      dirty = corrupted_record(function()
        local ok = pcall(tls.createSecureContext, { key = 'not a key', cert = H.cert('server-cert.pem') })
        assert(not ok)
      end),
    }
    assert.same({ got = 1000, code = 'ECONNRESET' }, reset.clean)
    assert.same({ got = 1000, code = 'ECONNRESET' }, reset.dirty)
    assert.equal('first', mac.clean.data)
    assert.matches('^ERR_', mac.clean.code)   -- OpenSSL's error for that record, not a reset
    assert.same(mac.clean, mac.dirty)
  end)

  it('F34: set_hooks with a bad ALPN or NPN list after a good one raises, and the old list is freed once', function()
    local alpn = run_script(10000, 'cb_set_hooks.lua', { 'alpn' })
    local npn = run_script(10000, 'cb_set_hooks.lua', { 'npn' })
    for name, r in pairs({ alpn = alpn, npn = npn }) do
      assert_clean(r, name)
      assert.equal('raised string', r.facts['second-call'], name)
      assert.is_not_nil(r.facts.collected, name)
    end
  end)

  it('F35: non-finite delays: socket:setTimeout raises ERR_OUT_OF_RANGE at once, timers run after 1 ms, listen(NaN) is a bad port, as in Node', function()
    -- what Node 20 answers (node -e below), when node is not on the machine
    local NODE = {
      ['setTimeout-nan'] = 'raised ERR_OUT_OF_RANGE', ['setTimeout-inf'] = 'raised ERR_OUT_OF_RANGE',
      ['setTimeout-ninf'] = 'raised ERR_OUT_OF_RANGE', ['setTimeout-neg'] = 'raised ERR_OUT_OF_RANGE',
      ['setTimeout-str'] = 'raised ERR_INVALID_ARG_TYPE', ['setTimeout-big'] = 'returned',
      ['listen-nan'] = 'raised ERR_SOCKET_BAD_PORT', ['listen-inf'] = 'raised ERR_SOCKET_BAD_PORT',
    }
    local expected = NODE
    local _, has_node = H.sh('command -v node >/dev/null')
    if has_node == 0 then
      local js = [[
        const net = require('net');
        const say = (k, f) => { try { f(); console.log(k + ' returned'); } catch (e) { console.log(k + ' raised ' + e.code); } };
        const v = { nan: NaN, inf: Infinity, ninf: -Infinity, neg: -1, str: '10', big: 2 ** 31 };
        for (const k of ['nan', 'inf', 'ninf', 'neg', 'str', 'big']) {
          const s = new net.Socket(); say('setTimeout-' + k, () => s.setTimeout(v[k])); s.destroy();
        }
        for (const k of ['nan', 'inf']) { const srv = net.createServer(); say('listen-' + k, () => srv.listen(v[k])); srv.close(); }
      ]]
      H.run(10000, function(done)
        H.spawn('node', { '--no-warnings', '-e', js }, function(code, out)
          assert.equal(0, code)
          expected = facts_of(out)
          done()
        end)
      end)
    end
    local sync = run_script(10000, 'cb_timeouts.lua', { 'sync' })
    local activity = run_script(10000, 'cb_timeouts.lua', { 'activity' })
    local timers = run_script(10000, 'cb_timeouts.lua', { 'timers' })
    assert_clean(sync, 'sync')
    assert.same(expected, sync.facts)
    assert_clean(activity, 'a NaN idle timeout, then traffic')
    assert.equal('raised ERR_OUT_OF_RANGE', activity.facts['setTimeout-nan'])
    assert_clean(timers, 'setTimeout(fn, NaN / inf / -inf)')
    assert.equal('true', timers.facts['all-fired-soon'])
  end)

  it('F36: a SecureContext whose finalizer ran raises an error object when used again, never a NULL SSL_CTX', function()
    local methods = run_script(10000, 'cb_dead_context.lua', { 'methods' })
    local server = run_script(10000, 'cb_dead_context.lua', { 'server' })
    local client = run_script(10000, 'cb_dead_context.lua', { 'client' })
    assert_clean(methods, 'context methods')
    for _, m in ipairs({ 'certificate_der', 'issuer_der', 'build_chains', 'check_key', 'set_options', 'set_ciphers',
      'set_ciphersuites', 'set_versions', 'add_ca', 'set_cert', 'set_key', 'ticket_keys', 'session_cache',
      'set_timeout', 'set_session_id_context' }) do
      assert.matches('^raised %S+$', methods.facts[m] or 'missing', m)
    end
    -- tls.createServer({ secureContext = dead }): refused at once, or its connections fail
    assert_clean(server, 'a server with it')
    if server.facts.createServer == 'returned' then
      assert.is_not_nil(server.facts.tlsClientError, describe_run(server))
    else
      assert.matches('^raised %S+$', server.facts.createServer)
    end
    -- tls.connect({ secureContext = dead }): raises, or the socket reports an 'error'
    assert_clean(client, 'a client with it')
    if client.facts.connect == 'returned' then
      assert.is_not_nil(client.facts['client-error'], describe_run(client))
    else
      assert.matches('^raised %S+$', client.facts.connect)
    end
  end)

  it('F37: core.errno_error with INT_MIN, math.mininteger or math.maxinteger: no undefined behaviour, a sane error object', function()
    local r = run_script(10000, 'cb_errno.lua')
    assert_clean(r)
    -- each value: raised, or an error object whose errno is exactly the negated value
    local inputs = { int_min = -2147483648, int_max = 2147483647, min = math.mininteger, max = math.maxinteger,
      two31 = 2147483648, econnreset = 104 }
    for k, v in pairs(inputs) do
      local answer = r.facts[k] or 'missing'
      if not answer:match('^raised') then
        assert.is_true(v ~= math.mininteger, k .. ': ' .. answer)   -- -math.mininteger does not exist
        assert.equal(('returned true %d'):format(-v), answer, k)
      end
    end
    assert.equal('returned true -104', r.facts.econnreset)
  end)

  if os.getenv('LUATLS_SKIP_2GIB') then
    pending('F38: 2 GiB strings (skipped: LUATLS_SKIP_2GIB is set)')
  else
    it('F38: a 2 GiB string fed to a memory TLS stream or given as ca raises ERR_OUT_OF_RANGE, never cut or dropped', function()
      local r = run_script(60000, 'cb_2gib.lua')   -- about 3 GiB and several seconds, mostly making the string
      assert_clean(r)
      assert.equal('2147483648', r.facts.bytes)
      assert.equal('raised ERR_OUT_OF_RANGE', r.facts.feed, describe_run(r))
      assert.equal('raised ERR_OUT_OF_RANGE', r.facts.ca, describe_run(r))
    end)
  end

  it('F39: examples/echo-server.lua outlives a client that resets its connection, and serves the next one', function()
    local r = {}
    H.run(20000, function(done)
      local finish = H.countdown(2, done)   -- the server's exit, and the end of the clients
      local port = H.free_port()
      local server, started
      server = H.spawn(H.LUATLS, { 'examples/echo-server.lua' }, function(code, out, err, sig)
        r.code, r.signal, r.out, r.err = code, sig, out, err
        if not started then finish() end   -- it never listened: no clients either
        finish()
      end, { env = env_with({ PORT = tostring(port) }) })
      local o = { port = port, host = 'localhost', ca = CA, key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') }
      on_lines(server, function(line)
        if line ~= 'server bound' or started then return end
        started = true
        local c = tls.connect(o)
        c:on('data', function()   -- the welcome: the server's side is up; now an RST
          c:resetAndDestroy()
        end)
        c:on('error', function() end)
        c:on('close', function()
          local d = tls.connect(o)
          local got = ''
          d:on('secureConnect', function() d:write('echo me\n') end)
          d:on('data', function(x)
            got = got .. x
            if got:find('echo me\n', 1, true) then d:_end() end
          end)
          d:on('error', function(e) r.second_error = e.code end)
          d:on('close', function()
            r.got = got
            server:kill()   -- nothing if it has already exited
            finish()
          end)
        end)
      end)
    end)
    local msg = describe_run(r)
    assert.equal('SIGTERM', r.signal, msg)   -- still running when the spec ended it
    assert.is_nil(r.err:find('Uncaught', 1, true), msg)
    assert.equal('welcome!\necho me\n', r.got, msg)
  end)
end)
