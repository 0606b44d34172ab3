-- The fault catalogue of doc/security.md, F17-F25: bad scripts and bad luck
-- inside the process. The pass criterion is faults_spec.lua's: the process
-- survives, the event and error code are Node's (or doc/security.md says why
-- not), the next good client echoes 1 MiB byte-exact, the fds are back to
-- baseline.
local tls = require('tls')
local net = require('net')
local crypto = require('crypto')

local F = require('faults')
local CA, fault, raw, fd_count = F.CA, F.fault, F.raw, F.fd_count
local NO_TICKET = crypto.constants.SSL_OP_NO_TICKET

describe('faults in scripts and hooks', function()
  -- what a hook raises: a string, an error-like table, a table whose __tostring raises too
  local values = {
    'boom',
    { code = 'EBOOM', message = 'boom table' },
    setmetatable({}, { __tostring = function() error('__tostring raised as well') end }),
  }
  -- each hook: server options (given armed() and the value), the server's listeners, the client's options
  local hooks = {
    { 'SNICallback', function(armed, v)
        return { SNICallback = function(_, cb) if armed() then error(v) end cb(nil, nil) end }
      end },
    { 'ALPNCallback', function(armed, v)
        return { ALPNCallback = function(info) if armed() then error(v) end return info.protocols[1] end }
      end, nil, { ALPNProtocols = { 'x' } } },
    { 'pskCallback', function(armed, v)
        return { pskCallback = function() if armed() then error(v) end end, maxVersion = 'TLSv1.2',
          ciphers = 'PSK-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' }
      end, nil, { pskCallback = function() return { psk = ('\1'):rep(32), identity = 'id' } end,
        ciphers = 'PSK-AES128-GCM-SHA256', maxVersion = 'TLSv1.2' } },
    { 'resumeSession', function() return { maxVersion = 'TLSv1.2' } end, function(armed, v, server)
        server:on('resumeSession', function(_, cb) if armed() then error(v) end cb() end)
      end },
    { 'newSession', function() return { maxVersion = 'TLSv1.2', secureOptions = NO_TICKET } end, function(armed, v, server)
        server:on('newSession', function(_, _, cb) if armed() then error(v) end cb() end)
      end },
    { 'OCSPRequest', function() return {} end, function(armed, v, server)
        server:on('OCSPRequest', function(_, _, cb) if armed() then error(v) end cb(nil, nil) end)
      end, { requestOCSP = true } },
    { 'keylog', function() return {} end, function(armed, v, server)
        server:on('keylog', function() if armed() then error(v) end end)
      end },
  }

  for _, h in ipairs(hooks) do
    it('F17: a ' .. h[1] .. ' that raises a string, a table or an unprintable object fails that handshake only', function()
      for i, v in ipairs(values) do
        local is_armed = true
        local function armed() return is_armed end
        local events, echoed, fds = fault(h[2](armed, v), function(port, server, _, next)
          if h[3] then h[3](armed, v, server) end
          F.client(port, h[4], function() is_armed = false; next() end)
        end)
        assert.equal(1, #events)
        assert.equal('tlsClientError', events[1][1])
        if i == 1 then assert.matches('boom$', events[1][3]) end
        if i == 2 then assert.same({ 'EBOOM', 'boom table' }, { events[1][2], events[1][3] }) end
        assert.is_true(echoed)
        assert.equal(0, fds)
      end
    end)
  end

  it('F17: a checkServerIdentity that raises fails that client with what it raised', function()
    local codes = {}
    for i, v in ipairs(values) do
      local events, echoed, fds = fault({}, function(port, _, _, next)
        F.client(port, { checkServerIdentity = function() error(v) end }, function(code, c)
          codes[i] = code
          assert.is_false(c.authorized)
          next()
        end)
      end)
      assert.is_true(echoed)
      assert.equal(0, fds)
      -- as with a Node client that refuses a TLS 1.3 server: its Finished is never
      -- sent, so the server sees the connection reset during the handshake
      assert.same({ { 'tlsClientError', 'ECONNRESET', 'socket hang up' } }, events)
    end
    assert.matches('boom$', codes[1])
    assert.equal('EBOOM', codes[2])
  end)
  it('F18: resumeSession and OCSPRequest hooks that never answer end in ERR_TLS_HANDSHAKE_TIMEOUT', function()
    local events, echoed, fds = fault({ handshakeTimeout = H.ms(300), maxVersion = 'TLSv1.2' }, function(port, server, _, next)
      server:on('resumeSession', function() end)   -- never answers
      local c = tls.connect({ port = port, host = 'localhost', ca = CA })
      c:on('error', function() end)
      c:on('close', function()
        server:removeAllListeners('resumeSession')
        server:on('OCSPRequest', function() end)   -- never answers either
        local d = tls.connect({ port = port, host = 'localhost', ca = CA, requestOCSP = true })
        d:on('error', function() end)
        d:on('close', function()
          server:removeAllListeners('OCSPRequest')
          next()
        end)
      end)
    end)
    assert.equal(2, #events)
    assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[1][1], events[1][2] })
    assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[2][1], events[2][2] })
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F19: a hook that answers twice fails with ERR_MULTIPLE_CALLBACK; an answer after close gets ERR_SOCKET_CLOSED', function()
    local hello = F.client_hello({ requestOCSP = true })
    -- each hook: how to install it on a server, given what it does with its callback
    local installers = {
      SNICallback = function(server, answer)
        server._SNICallback = function(_, cb) answer(cb) end
      end,
      OCSPRequest = function(server, answer)
        server:on('OCSPRequest', function(_, _, cb) answer(cb) end)
      end,
      resumeSession = function(server, answer)
        server:on('resumeSession', function(_, cb) answer(cb) end)
      end,
    }
    for name, install in pairs(installers) do
      local second, late = nil, nil
      local events, echoed, fds = fault({ maxVersion = 'TLSv1.2', handshakeTimeout = H.ms(300) }, function(port, server, _, next)
        install(server, function(cb) cb(); second = cb() end)
        F.client(port, { requestOCSP = true }, function()
          server:removeAllListeners(name)
          server._SNICallback = nil
          local stored
          install(server, function(cb) stored = cb end)
          raw(port, hello, function()   -- the handshake timed out before the hook answered
            late = stored()
            server:removeAllListeners(name)
            server._SNICallback = nil
            next()
          end)
        end)
      end)
      assert.equal('ERR_MULTIPLE_CALLBACK', second.code, name)
      assert.same({ 'tlsClientError', 'ERR_MULTIPLE_CALLBACK' }, { events[1][1], events[1][2] }, name)
      assert.same({ 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT' }, { events[2][1], events[2][2] }, name)
      assert.equal('ERR_SOCKET_CLOSED', late.code, name)
      assert.is_true(echoed, name)
      assert.equal(0, fds, name)
    end
  end)

  it('F20: a newSession listener that never calls back holds secureConnection back until the handshake timeout', function()
    local secured_early, client_secure = nil, nil
    local events, echoed, fds = fault({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET, handshakeTimeout = H.ms(300) },
      function(port, server, _, next)
        local secured = false
        server:on('secureConnection', function() secured = true end)
        server:on('newSession', function() end)   -- never calls back
        local c = tls.connect({ port = port, host = 'localhost', ca = CA })
        c:on('secureConnect', function() client_secure = true end)
        c:on('error', function() end)
        c:on('close', function()
          secured_early = secured
          server:removeAllListeners('newSession')
          next()
        end)
      end)
    assert.is_false(secured_early)
    assert.same({ { 'tlsClientError', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout' } }, events)
    assert.is_true(client_secure)   -- the client's side of the handshake had finished
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F22: setSecureContext while 10 connections wait to handshake: they keep the old certificate, new ones get the new', function()
    local kinds, newer = {}, nil
    local function kind(c) local cert = c:getPeerCertificate(); return cert.asn1Curve or ('RSA ' .. cert.bits) end
    local events, echoed, fds = fault({}, function(port, server, _, next)
      local sockets, accepted = {}, 0
      for i = 1, 10 do sockets[i] = net.connect(port, '127.0.0.1') end
      server:on('connection', function()
        accepted = accepted + 1
        if accepted ~= 10 then return end
        server:setSecureContext({ key = H.cert('ecdsa-server-key.pem'), cert = H.cert('ecdsa-server-cert.pem') })
        collectgarbage()   -- the old context now lives only in the connections that wait
        collectgarbage()
        local after_all = H.countdown(#sockets, function()
          local d
          d = tls.connect({ port = port, host = 'localhost', ca = CA }, function() newer = kind(d); d:_end() end)
          d:on('close', next)
        end)
        for _, raw_socket in ipairs(sockets) do
          local c
          c = tls.connect({ socket = raw_socket, servername = 'localhost', ca = CA }, function()
            kinds[#kinds + 1] = kind(c)
            c:_end()
          end)
          c:on('close', after_all)
        end
      end)
    end)
    assert.equal(10, #kinds)
    for _, k in ipairs(kinds) do assert.equal('RSA 2048', k) end
    assert.equal('prime256v1', newer)
    assert.same({}, events)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F23: a SAN that reads like two names is escaped and matches neither hidden name', function()
    local err
    local _, echoed, fds = fault({ key = H.cert('altcomma-key.pem'), cert = H.cert('altcomma-cert.pem') },
      function(port, server, _, next)
        F.client(port, { servername = 'evil.example' }, function()
          server:setSecureContext(H.tls_options())
          next()
        end):on('error', function(e) err = e end)
      end)
    assert.equal('ERR_TLS_CERT_ALTNAME_INVALID', err.code)
    assert.equal('DNS:"good.example\\u002c DNS:evil.example"', err.cert.subjectaltname)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F24: malformed options raise an error object naming the option, a hundred times without a trace', function()
    local cases = {
      { { key = 'not a key', cert = H.cert('server-cert.pem') }, 'key' },
      { { cert = 'not PEM' }, 'cert' },
      { { pfx = 'not PKCS#12' }, 'pfx' },
      { { pfx = H.cert('server.pfx'), passphrase = 'wrong' }, 'pfx' },
      { { ciphers = 'NOPE' }, 'ciphers' },
      { { ciphers = 42 }, 'options.ciphers' },
      { { ALPNProtocols = { ('x'):rep(300) } }, 'options.ALPNProtocols[1]' },
      { { ALPNProtocols = { '' } }, 'options.ALPNProtocols[1]' },
      { { dhparam = H.cert('dhparam-small.pem') }, 'dhparam' },
      { { ecdhCurve = 'nope' }, 'ecdhCurve' },
      { { ca = 'not PEM' }, 'ca' },
    }
    local base = fd_count()
    local heap = collectgarbage('count')
    for _, case in ipairs(cases) do
      for _ = 1, 100 do
        local ok, err = pcall(tls.createServer, case[1])
        assert.is_false(ok)
        assert.equal(case[2], err.option)
        assert.is_string(err.code)
      end
    end
    collectgarbage()
    assert.is_true(collectgarbage('count') < heap + 256, 'the Lua heap grew')
    assert.equal(base, fd_count())
    local _, echoed, fds = fault({}, function(_, _, _, next) next() end)
    assert.is_true(echoed)
    assert.equal(0, fds)
  end)

  it('F21: server:close() with a connection in flight: it keeps echoing, new ones are refused, then close', function()
    local base = fd_count()
    local facts = {}
    H.run(10000, function(done)
      local finish = H.countdown(2, done)   -- the server's close callback and the client's 'close'
      local server = tls.createServer(H.tls_options(), function(s) s:pipe(s) end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local c
        c = tls.connect(port, 'localhost', { ca = CA }, function()
          server:close(function() facts.closed = true; finish() end)
          local refused = net.connect(port, '127.0.0.1')
          refused:on('error', function(e)
            facts.refused = e.code
            c:write('still echoing')
          end)
        end)
        c:on('data', function(d) facts.echo = d; c:_end() end)
        c:on('close', finish)
      end)
    end)
    collectgarbage()
    assert.same({ closed = true, refused = 'ECONNREFUSED', echo = 'still echoing' }, facts)
    assert.equal(0, fd_count() - base)
  end)
  it('F25: an allocation failing inside OpenSSL, or inside a hook\'s Lua, fails that connection only', function()
    local SWEEP = 150
    local outcomes, codes, base, after, echoed, oom = { ok = 0, failed = 0 }, {}, nil, nil, nil, nil
    H.run(60000, function(done)
      local port = nil
      local finish = H.countdown(2, done)   -- the good client, and the server's exit
      local buffered, child = ''
      local function sweep(k)
        if k > SWEEP then
          return F.client(port, { servername = 'oom.test' }, function(code)
            oom = code
            F.good_client(port, function(ok) echoed = ok; finish() end)
          end)
        end
        local c
        c = tls.connect({ port = port, host = 'localhost', ca = CA }, function() c:write('ping') end)
        local got
        c:on('data', function(d) got = d; c:_end() end)
        c:on('error', function() end)
        c:on('close', function()
          if got == 'ping' then outcomes.ok = outcomes.ok + 1 else outcomes.failed = outcomes.failed + 1 end
          sweep(k + 1)
        end)
      end
      child = H.spawn(H.LUATLS_FAULTS, { 'spec/scripts/faults-server.lua', tostring(SWEEP) }, finish)
      child.stdout:on('data', function(d)
        buffered = buffered .. d
        for line in buffered:gmatch('([^\n]*)\n') do
          local p, fds = line:match('^port (%d+) fds (%d+)')
          if p then port, base = tonumber(p), tonumber(fds); sweep(1) end
          local code = line:match('^tlsClientError (.*)')
          if code then codes[code] = (codes[code] or 0) + 1 end
          local n, idle_fds = line:match('^idle (%d+) fds (%d+)')
          if n and tonumber(n) == outcomes.ok + 1 and echoed ~= nil then
            after = tonumber(idle_fds)
            child:kill()
          end
        end
        buffered = buffered:match('[^\n]*$')
      end)
    end)
    assert.equal(SWEEP, outcomes.ok + outcomes.failed)
    local reported = 0
    for code, n in pairs(codes) do
      if code ~= 'not enough memory' then
        assert.matches('^ERR_', code)   -- ERR_OSSL_*_MALLOC_FAILURE, ERR_SSL_INTERNAL_ERROR and the like
        reported = reported + n
      end
    end
    assert.equal(outcomes.failed, reported)   -- each failed connection is one 'tlsClientError'
    assert.is_true(outcomes.failed > 0, 'no allocation failure reached a handshake')
    assert.equal('ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', oom)
    assert.equal(1, codes['not enough memory'])
    assert.is_true(echoed)
    assert.equal(base, after)
  end)
end)
