-- Scripts that used to reach freed, closed or invalid state through the Lua
-- side: spawn arguments, listeners that destroy their socket, renegotiation
-- that asks for a certificate, accept failures, NaN and infinite numbers, and
-- objects used after their finalizer ran. Whatever could crash the process
-- runs in a child luatls, so a crash fails one spec and not the run.
local tls = require('tls')

local LUATLS = os.getenv('LUATLS_BIN') or 'build/luatls'
local CA = H.cert('ca-cert.pem')

-- Runs text as a script in a child luatls (bin, or LUATLS) to its end;
-- returns its exit code and what it printed on stdout and stderr together.
local function child(text, bin)
  local path = H.script(text)
  local out, code = H.sh(('timeout %d %s %s 2>&1'):format(math.ceil(H.ms(20)), bin or LUATLS, path))
  os.remove(path)
  return code, out
end

-- the lines of s, as a list
local function lines(s)
  local out = {}
  for l in s:gmatch('[^\n]+') do out[#out + 1] = l end
  return out
end

describe('spawn arguments', function()
  it('numbers become strings that stay alive until the child has them (20,000 of them)', function()
    -- the expected text is made afterwards: strings equal to the converted ones
    -- would be interned, and keep them alive
    local args = { '%s\n' }
    for i = 1, 20000 do args[#args + 1] = i end
    args[#args + 1] = 2.5
    local out, status
    H.run(20000, function(done)
      H.spawn('printf', args, function(code, stdout)
        out, status = stdout, code
        done()
      end)
    end)
    local want = {}
    for i = 1, 20000 do want[i] = tostring(i) end
    want[#want + 1] = '2.5'
    assert.equal(0, status)
    assert.equal(table.concat(want, '\n') .. '\n', out)
  end)

  it('every environment string stays alive too, and numbers in it are converted', function()
    local env = {}
    for i = 1, 5000 do env['V' .. i] = i * 7 end
    local out
    H.run(20000, function(done)
      H.spawn('env', {}, function(_, stdout) out = stdout; done() end, { env = env })
    end)
    local got, want = lines(out), {}
    for i = 1, 5000 do want[i] = ('V%d=%d'):format(i, i * 7) end
    table.sort(got)
    table.sort(want)
    assert.same(want, got)
  end)

  it('an argument, a variable or a command with a NUL byte, or a table argument, is refused', function()
    local cp = require('child_process')
    local core = require('luatls.core')
    local cases = {
      { function() cp.spawn('echo', { 'a\0b' }) end, 'ERR_INVALID_ARG_VALUE', 'args[1]' },
      { function() cp.spawn('echo', {}, { env = { A = 'a\0b' } }) end, 'ERR_INVALID_ARG_VALUE', "options.env['A']" },
      { function() cp.spawn('ec\0ho', {}) end, 'ERR_INVALID_ARG_VALUE', 'file' },
      { function() cp.spawn('echo', { 'a', {} }) end, 'ERR_INVALID_ARG_TYPE', 'args[2]' },
      -- the C function itself, as a script could call it
      { function() core.spawn('echo', { 'a', {} }, nil, function() end) end, 'ERR_INVALID_ARG_TYPE', 'args[2]' },
      { function() core.spawn('echo', { 'a\0' }, nil, function() end) end, 'ERR_INVALID_ARG_VALUE', 'args[1]' },
    }
    for i, c in ipairs(cases) do
      local ok, err = pcall(c[1])
      assert.is_false(ok, 'case ' .. i)
      assert.equal(c[2], err.code, 'case ' .. i)
      assert.truthy(err.message:find(c[3], 1, true), 'case ' .. i .. ': ' .. tostring(err.message))
    end
  end)
end)

describe('a listener that destroys its TLS socket', function()
  it("a TLS 1.2 client destroyed by its 'session' listener closes quietly, as in Node", function()
    local code, out = child([[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem'), maxVersion = 'TLSv1.2' }, function(s)
        s:on('error', function() end)
      end)
      server:on('tlsClientError', function() end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = 'localhost',
          ca = fs.readFileSync('certs/ca-cert.pem'), maxVersion = 'TLSv1.2' })
        c:on('session', function() print('session'); c:destroy() end)
        c:on('secureConnect', function() print('secureConnect') end)
        c:on('secure', function() print('secure') end)
        c:on('error', function(e) print('error ' .. tostring(e.code)) end)
        c:on('close', function() print('close'); server:close() end)
      end)
    ]])
    assert.equal(0, code, out)
    -- Node's order: the session is handed out once the server is verified
    assert.same({ 'secureConnect', 'session', 'secure', 'close' }, lines(out))
  end)
end)

describe('renegotiate({ requestCert = true, rejectUnauthorized = true })', function()
  -- A TLS 1.2 server that asks, after the first handshake, for a client
  -- certificate; the client offers the certificate of client_opts (or none).
  -- Then the server writes a secret. Returns what each side saw.
  local function renegotiate(client_opts, reneg_opts)
    local r = { client_data = '' }
    H.run(10000, function(done)
      local finish = H.countdown(2, function() r.server:close(done) end)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', ca = CA }), function(s)
        r.before = s.authorized
        s:on('error', function(e) r.server_error = e end)
        s:on('close', finish)
        s:renegotiate(reneg_opts or { requestCert = true, rejectUnauthorized = true }, function(err)
          r.callback = { err = err, authorized = s.authorized, authorizationError = s.authorizationError,
            destroyed = s.destroyed }
          if not s.destroyed then s:_end('secret') end
        end)
      end)
      r.server = server
      server:listen(0, '127.0.0.1', function()
        local o = { port = server:address().port, host = 'localhost', ca = CA }
        for k, v in pairs(client_opts) do o[k] = v end
        local c = tls.connect(o)
        c:on('data', function(d) r.client_data = r.client_data .. d end)
        c:on('error', function(e) r.client_error = e end)
        c:on('close', finish)
      end)
    end)
    return r
  end

  it('destroys a socket whose client presents an untrusted certificate; the callback gets the error', function()
    local r = renegotiate({ key = H.cert('selfsigned-key.pem'), cert = H.cert('selfsigned-cert.pem') })
    assert.is_false(r.before)
    assert.equal('', r.client_data)
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.callback.err.code)
    assert.is_false(r.callback.authorized)
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.callback.authorizationError)
    assert.is_true(r.callback.destroyed)
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.server_error.code)
  end)

  it('destroys a socket whose client sends no certificate at all; the callback gets the error', function()
    local r = renegotiate({})
    assert.equal('', r.client_data)
    -- OpenSSL refuses that handshake itself (SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
    assert.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', r.callback.err.code)
    assert.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', r.server_error.code)
    assert.is_false(r.callback.authorized)
    assert.is_true(r.callback.destroyed)
  end)

  it('keeps a client with a trusted certificate, authorized', function()
    local r = renegotiate({ key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') })
    assert.is_nil(r.callback.err)
    assert.is_true(r.callback.authorized)
    assert.equal('secret', r.client_data)
  end)

  it('with rejectUnauthorized = false keeps an untrusted client, unauthorized, with the reason', function()
    local r = renegotiate({ key = H.cert('selfsigned-key.pem'), cert = H.cert('selfsigned-cert.pem') },
      { requestCert = true, rejectUnauthorized = false })
    assert.is_nil(r.callback.err)
    assert.is_false(r.callback.authorized)
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.callback.authorizationError)
    assert.equal('secret', r.client_data)
  end)
end)

describe('a TLS connection that cannot be set up at accept', function()
  it("SSL_new failing is that connection's 'tlsClientError'; the server goes on", function()
    local path = H.script([[
      local tls, fs = require('tls'), require('fs')
      local faults = require('luatls.faults')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') }, function(s)
        s:on('error', function() end)
        s:_end('served')
      end)
      server:on('tlsClientError', function(e, s)
        print(('tlsClientError %s %s'):format(tostring(e.code), tostring(s and s.destroyed)))
      end)
      server:listen(0, '127.0.0.1', function()
        -- nothing allocates in an idle server: the next allocation is the next accept's SSL_new
        faults.openssl(0, 1)
        print('port ' .. server:address().port)
      end)
    ]])
    local out, served, first_error = '', nil, nil
    H.run(20000, function(done)
      local finish = H.countdown(2, done)
      local server
      server = H.spawn(H.LUATLS_FAULTS, { path }, function(_, stdout)
        out = stdout
        finish()
      end)
      local buffered, started = '', false
      server.stdout:on('data', function(d)
        buffered = buffered .. d
        local port = buffered:match('port (%d+)\n')
        if not port or started then return end
        started = true
        local c1 = tls.connect({ port = tonumber(port), host = 'localhost', ca = CA })
        c1:on('error', function(e) first_error = e.code end)
        c1:on('close', function()
          local c2 = tls.connect({ port = tonumber(port), host = 'localhost', ca = CA })
          local got = ''
          c2:on('data', function(x) got = got .. x end)
          c2:on('error', function() end)
          c2:on('close', function()
            served = got
            server:kill()
            finish()
          end)
        end)
      end)
    end)
    os.remove(path)
    assert.is_truthy(first_error)
    assert.equal('served', served)
    local l = lines(out)
    assert.matches('^port %d+$', l[1])
    assert.matches('^tlsClientError ERR_[%w_]+ true$', l[2])
    assert.equal(2, #l, out)
  end)
end)

describe('NaN and infinite numbers', function()
  it('every numeric argument refuses them with an error object (timers use 1 ms, as Node)', function()
    local code, out = child([=[
      local tls, net, fs = require('tls'), require('net'), require('fs')
      local crypto, EventEmitter, cp = require('crypto'), require('events'), require('child_process')
      local NAN, INF = 0 / 0, math.huge
      local function try(name, f)
        local ok, err = pcall(f)
        print(name .. ' ' .. (ok and 'ok' or tostring(type(err) == 'table' and err.code or err)))
      end
      local key, cert = fs.readFileSync('certs/server-key.pem'), fs.readFileSync('certs/server-cert.pem')
      local s = net.Socket()
      try('setTimeout nan', function() s:setTimeout(NAN) end)
      try('setTimeout inf', function() s:setTimeout(INF) end)
      try('setTimeout -1', function() s:setTimeout(-1) end)
      try('setKeepAlive nan', function() s:setKeepAlive(true, NAN) end)
      try('highWaterMark nan', function() net.Socket({ highWaterMark = NAN }) end)
      try('readableHighWaterMark inf', function() net.Socket({ readableHighWaterMark = INF }) end)
      try('connect port nan', function() net.connect(NAN, '127.0.0.1') end)
      try('connect port inf', function() net.connect({ port = INF, host = '127.0.0.1' }) end)
      try('connect family nan', function() net.connect({ port = 1, host = 'localhost', family = NAN }) end)
      try('tls.connect port nan', function() tls.connect({ port = NAN, host = '127.0.0.1' }) end)
      try('listen port nan', function() net.createServer():listen(NAN) end)
      try('listen backlog nan', function() net.createServer():listen(0, '127.0.0.1', NAN) end)
      try('listen backlog inf', function() net.createServer():listen({ port = 0, backlog = INF }) end)
      try('handshakeTimeout nan', function() tls.createServer({ key = key, cert = cert, handshakeTimeout = NAN }) end)
      try('handshakeTimeout inf', function() tls.createServer({ key = key, cert = cert, handshakeTimeout = INF }) end)
      try('sessionTimeout nan', function() tls.createServer({ key = key, cert = cert, sessionTimeout = NAN }) end)
      try('sessionTimeout -inf', function() tls.createServer({ key = key, cert = cert, sessionTimeout = -INF }) end)
      try('secureOptions nan', function() tls.createSecureContext({ secureOptions = NAN }) end)
      try('CLIENT_RENEG_LIMIT nan', function() tls.CLIENT_RENEG_LIMIT = NAN end)
      try('CLIENT_RENEG_WINDOW inf', function() tls.CLIENT_RENEG_WINDOW = INF end)
      print('CLIENT_RENEG_LIMIT ' .. tostring(tls.CLIENT_RENEG_LIMIT))
      local t = tls.TLSSocket(nil, {})
      try('setMaxSendFragment nan', function() t:setMaxSendFragment(NAN) end)
      try('exportKeyingMaterial inf', function() t:exportKeyingMaterial(INF, 'x') end)
      try('randomBytes nan', function() crypto.randomBytes(NAN) end)
      try('setMaxListeners nan', function() EventEmitter():setMaxListeners(NAN) end)
      try('setMaxListeners inf', function() EventEmitter():setMaxListeners(INF) end)
      local sleeper = cp.spawn('sleep', { '5' })
      try('kill nan', function() sleeper:kill(NAN) end)
      sleeper:kill()
      try('process.exit nan', function() process.exit(NAN) end)
      -- timers take 1 ms instead, as Node's do
      local fired = {}
      for _, v in ipairs({ NAN, INF, -INF }) do
        setTimeout(function() fired[#fired + 1] = 'timeout ' .. tostring(v) end, v)
        local i
        i = setInterval(function() clearInterval(i); fired[#fired + 1] = 'interval ' .. tostring(v) end, v)
      end
      setTimeout(function() print('timers fired ' .. #fired) end, 50)
      -- nothing of this reaches libev: the C timer refuses what is not a finite, non-negative number
      local core = require('luatls.core')
      local tm = core.timer()
      try('core timer nan', function() tm:start(NAN, 0, function() end) end)
      try('core timer repeat inf', function() tm:start(1, INF, function() end) end)
      try('core timer -1', function() tm:start(-1, 0, function() end) end)
      try('core timer again nan', function() tm:again(NAN) end)
      tm:close()
    ]=])
    assert.equal(0, code, out)
    assert.same({
      'setTimeout nan ERR_OUT_OF_RANGE', 'setTimeout inf ERR_OUT_OF_RANGE', 'setTimeout -1 ERR_OUT_OF_RANGE',
      'setKeepAlive nan ERR_OUT_OF_RANGE',
      'highWaterMark nan ERR_INVALID_ARG_VALUE', 'readableHighWaterMark inf ERR_INVALID_ARG_VALUE',
      'connect port nan ERR_SOCKET_BAD_PORT', 'connect port inf ERR_SOCKET_BAD_PORT',
      'connect family nan ERR_INVALID_ARG_VALUE', 'tls.connect port nan ERR_SOCKET_BAD_PORT',
      'listen port nan ERR_SOCKET_BAD_PORT',
      'listen backlog nan ERR_OUT_OF_RANGE', 'listen backlog inf ERR_OUT_OF_RANGE',
      'handshakeTimeout nan ERR_OUT_OF_RANGE', 'handshakeTimeout inf ERR_OUT_OF_RANGE',
      'sessionTimeout nan ERR_OUT_OF_RANGE', 'sessionTimeout -inf ERR_OUT_OF_RANGE',
      'secureOptions nan ERR_OUT_OF_RANGE',
      'CLIENT_RENEG_LIMIT nan ERR_OUT_OF_RANGE', 'CLIENT_RENEG_WINDOW inf ERR_OUT_OF_RANGE',
      'CLIENT_RENEG_LIMIT 3',
      'setMaxSendFragment nan ERR_OUT_OF_RANGE', 'exportKeyingMaterial inf ERR_OUT_OF_RANGE',
      'randomBytes nan ERR_OUT_OF_RANGE',
      'setMaxListeners nan ERR_OUT_OF_RANGE', 'setMaxListeners inf ok',
      'kill nan ERR_UNKNOWN_SIGNAL', 'process.exit nan ERR_OUT_OF_RANGE',
      'core timer nan ERR_OUT_OF_RANGE', 'core timer repeat inf ERR_OUT_OF_RANGE',
      'core timer -1 ERR_OUT_OF_RANGE', 'core timer again nan ERR_OUT_OF_RANGE',
      'timers fired 6',
    }, lines((out:gsub('%(luatls%) TimeoutOverflowWarning[^\n]*\n', ''))))
  end)

  it('a socket timeout of NaN never reaches the loop, whose data then flows normally', function()
    local code, out = child([[
      local net = require('net')
      local server = net.createServer(function(s) s:on('error', function() end); s:pipe(s) end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect(server:address().port, '127.0.0.1')
        print(select(2, pcall(c.setTimeout, c, 0 / 0)).code)
        c:on('data', function(d) print(d); c:destroy(); server:close() end)
        c:write('echoed')
      end)
    ]])
    assert.equal(0, code, out)
    assert.same({ 'ERR_OUT_OF_RANGE', 'echoed' }, lines(out))
  end)
end)

describe('objects used after their finalizer ran', function()
  it('a freed SecureContext raises ERR_INVALID_STATE wherever it is used; plain getmetatable hides __gc', function()
    local code, out = child([[
      local tls, fs = require('tls'), require('fs')
      local function try(name, f)
        local ok, err = pcall(f)
        print(name .. ' ' .. (ok and 'ok' or tostring(type(err) == 'table' and err.code or err)))
      end
      local ctx = tls.createSecureContext({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem') })
      local handle = ctx.context
      print('getmetatable __gc ' .. tostring(getmetatable(handle).__gc))
      print('getmetatable methods ' .. type(getmetatable(handle).__index.set_ciphers))
      local gc = debug.getmetatable(handle).__gc
      gc(handle)
      gc(handle)   -- twice is harmless
      try('set_ciphers', function() handle:set_ciphers('HIGH') end)
      try('certificate_der', function() handle:certificate_der() end)
      try('ticket_keys', function() handle:ticket_keys() end)
      try('set_timeout', function() handle:set_timeout(10) end)
      -- a server whose context is freed fails each connection, and goes on
      local server = tls.createServer({ secureContext = ctx }, function() print('secureConnection') end)
      local left = 2   -- the server's report and the client's close
      local function one() left = left - 1; if left == 0 then server:close() end end
      server:on('tlsClientError', function(e) print('tlsClientError ' .. tostring(e.code)); one() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        -- and a client whose context is freed fails with the error, not the process
        local c = tls.connect({ port = port, host = 'localhost', secureContext = ctx })
        c:on('error', function(e) print('client error ' .. tostring(e.code)) end)
        c:on('close', one)
      end)
    ]])
    assert.equal(0, code, out)
    local l = lines(out)
    table.sort(l, function(a, b) return a < b end)
    assert.same({ 'certificate_der ERR_INVALID_STATE', 'client error ERR_INVALID_STATE',
      'getmetatable __gc nil', 'getmetatable methods function',
      'set_ciphers ERR_INVALID_STATE', 'set_timeout ERR_INVALID_STATE', 'ticket_keys ERR_INVALID_STATE',
      'tlsClientError ERR_INVALID_STATE' }, l)
  end)

  it('timers and child processes finalized by hand are closed: their methods are harmless', function()
    local code, out = child([[
      local cp = require('child_process')
      local function try(name, f)
        local ok, err = pcall(f)
        print(name .. ' ' .. (ok and 'ok' or tostring(type(err) == 'table' and err.code or err)))
      end
      local t = setTimeout(function() print('timer fired') end, 10)
      print('timer getmetatable __gc ' .. tostring(getmetatable(t._handle).__gc))
      debug.getmetatable(t._handle).__gc(t._handle)
      try('refresh', function() t:refresh() end)
      try('unref', function() t:unref() end)
      try('hasRef', function() return t:hasRef() end)
      try('close', function() t:close() end)
      local c = cp.spawn('sleep', { '0.05' })
      print('child getmetatable __gc ' .. tostring(getmetatable(c._handle).__gc))
      debug.getmetatable(c._handle).__gc(c._handle)
      try('child unref', function() c:unref() end)
      try('child ref', function() c:ref() end)
      c.stdout:on('close', function() print('stdout closed') end)
    ]])
    assert.equal(0, code, out)
    assert.same({ 'timer getmetatable __gc nil', 'refresh ERR_INVALID_STATE', 'unref ok', 'hasRef ok', 'close ok',
      'child getmetatable __gc nil', 'child unref ok', 'child ref ok', 'stdout closed' }, lines(out))
  end)
end)

describe('examples/echo-server.lua', function()
  it('logs a client that resets its connection and goes on serving the next', function()
    local served, server_out
    H.run(20000, function(done)
      local port = H.free_port()
      local env = { PATH = os.getenv('PATH'), PORT = tostring(port) }
      local server = H.spawn(H.LUATLS, { 'examples/echo-server.lua' }, function(_, out, err)
        server_out = out .. err
        done()
      end, { env = env })
      local started = false
      server.stdout:on('data', function()
        if started or not server.output():find('server bound', 1, true) then return end
        started = true
        local function connect(k)
          return tls.connect({ port = port, host = 'localhost', ca = CA,
            key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') }, k)
        end
        local first
        first = connect(function()
          -- the reset reaches the server while it has data to echo
          first:write(('x'):rep(1 << 20))
          first:resetAndDestroy()
          local second
          second = connect(function() second:write('still there\n') end)
          second:on('error', function() end)
          local got = ''
          second:on('data', function(d)
            got = got .. d
            if got:find('still there\n', 1, true) then second:_end() end
          end)
          second:on('close', function()
            served = got
            server:kill()
          end)
        end)
        first:on('error', function() end)
      end)
    end)
    assert.equal('welcome!\nstill there\n', served)
    -- the client's write sends its Finished just before the reset (as Node's write() does), so
    -- the server's next read sees ECONNRESET or, when it is writing then, EPIPE
    assert.is_truthy(server_out:find('socket error: .*ECONNRESET') or server_out:find('socket error: .*EPIPE'), server_out)
  end)
end)
