-- Session resumption: ids with the newSession/resumeSession hooks, tickets
-- and ticket keys, the client's session option, against luatls and OpenSSL.
local tls = require('tls')
local crypto = require('crypto')
local core = require('luatls.core')
local fs = require('fs')

local C = H.cert
local CA = C('ca-cert.pem')
local NO_TICKET = crypto.constants.SSL_OP_NO_TICKET

-- connects once; cb(first session seen, reused, socket facts)
local function connect(port, options, cb)
  local o = { port = port, host = 'localhost', ca = CA }
  for k, v in pairs(options or {}) do o[k] = v end
  local c = tls.connect(o)
  local sessions, reused = {}, nil
  c:on('session', function(s) sessions[#sessions + 1] = s end)
  c:on('secureConnect', function()
    reused = c:isSessionReused()
    if o.end_now then c:_end() end
  end)
  c:on('data', function() end)
  c:on('error', function(e) reused = e end)
  c:on('close', function() cb(sessions, reused) end)
  return c
end

-- a server whose hooks keep sessions in a table; calls counts them
local function hooked_server(options, delay)
  local store, calls = {}, { new = 0, resume = 0 }
  local o = H.tls_options(options)
  local server = tls.createServer(o, function(s) s:_end('hi') end)
  server:on('newSession', function(id, data, cb)
    calls.new = calls.new + 1
    store[id] = data
    cb()
  end)
  server:on('resumeSession', function(id, cb)
    calls.resume = calls.resume + 1
    if delay then setTimeout(function() cb(nil, store[id]) end, delay) else cb(nil, store[id]) end
  end)
  return server, calls, store
end

describe('session resumption', function()
  local cases = {
    { 'TLS 1.2 session ids through the hooks', { maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }, true },
    { 'TLS 1.3 stateful sessions through the hooks', { secureOptions = NO_TICKET }, true },
    { 'TLS 1.2 tickets', { maxVersion = 'TLSv1.2' }, false },
    { 'TLS 1.3 tickets', {}, false },
    { 'TLS 1.2 session ids in the built-in cache', { maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }, false },
  }
  for _, case in ipairs(cases) do
    it(case[1] .. ': the client reconnects with its session', function()
      local first, second, calls, n_sessions
      H.run(10000, function(done)
        local server, c
        if case[3] then server, c = hooked_server(case[2]) else server = tls.createServer(H.tls_options(case[2]), function(s) s:_end('hi') end) end
        calls = c
        server:listen(0, '127.0.0.1', function()
          local port = server:address().port
          connect(port, {}, function(sessions, reused)
            first, n_sessions = reused, #sessions
            connect(port, { session = sessions[1] }, function(_, r2)
              second = r2
              server:close(done)
            end)
          end)
        end)
      end)
      assert.is_false(first)
      assert.is_true(second)
      local v13 = not case[2].maxVersion
      assert.equal(v13 and 2 or 1, n_sessions)   -- TLS 1.3 servers send two tickets
      if calls then
        -- a resumed TLS 1.3 handshake is given one more
        assert.equal(v13 and 3 or 1, calls.new)
        -- TLS 1.2 clients that also speak 1.3 send a random id first: looked up, not found
        assert.equal(v13 and 1 or 2, calls.resume)
      end
    end)
  end

  it('a resumeSession answering 50 ms later resumes 100 sessions in flight', function()
    local results = {}
    H.run(20000, function(done)
      local server = hooked_server({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }, 50)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        connect(port, {}, function(sessions)
          local all_done = H.countdown(100, function() server:close(done) end)
          for _ = 1, 100 do
            connect(port, { session = sessions[1] }, function(_, reused)
              results[#results + 1] = reused
              all_done()
            end)
          end
        end)
      end)
    end)
    assert.equal(100, #results)
    for _, r in ipairs(results) do assert.is_true(r) end
  end)

  it('resumeSession with no data makes a full handshake that succeeds; errors fail it', function()
    local reused, err
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }),
        function(s) s:_end('full') end)
      local n = 0
      server:on('resumeSession', function(_, cb)
        n = n + 1
        if n <= 2 then cb(nil, nil) else cb(require('luatls.errors').new('ESTORE', 'store down')) end
      end)
      server:on('tlsClientError', function(e) err = e end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        connect(port, {}, function(sessions)
          connect(port, { session = sessions[1] }, function(_, r)
            reused = r
            connect(port, { session = sessions[1] }, function() server:close(done) end)
          end)
        end)
      end)
    end)
    assert.is_false(reused)
    assert.equal('ESTORE', err.code)
  end)

  it('resumeSession answering with bytes that are not a session (a store\'s garbage): a full handshake', function()
    local reused, served = {}, 0
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }),
        function(s) served = served + 1; s:_end('full') end)
      local junk = { '', 'garbage', ('\255'):rep(5000), '\48\130\255\255' }
      local n = 0
      server:on('resumeSession', function(_, cb) n = n + 1; cb(nil, junk[n]) end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        connect(port, {}, function(sessions)
          local function again(i)
            if i > #junk then return server:close(done) end
            connect(port, { session = sessions[1] }, function(_, r) reused[i] = r; again(i + 1) end)
          end
          again(1)
        end)
      end)
    end)
    assert.same({ false, false, false, false }, reused)
    assert.equal(5, served)
  end)

  it("'newSession' holds the connection until its callback", function()
    local order = {}
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }),
        function(s) order[#order + 1] = 'secureConnection'; s:_end('hi') end)
      server:on('newSession', function(_, _, cb)
        order[#order + 1] = 'newSession'
        setTimeout(function() order[#order + 1] = 'stored'; cb() end, 50)
      end)
      server:listen(0, '127.0.0.1', function()
        connect(server:address().port, {}, function() server:close(done) end)
      end)
    end)
    assert.same({ 'newSession', 'stored', 'secureConnection' }, order)
  end)
end)

describe('tickets and ticket keys', function()
  it('server B with the same ticketKeys accepts A\'s tickets, server C with others does not', function()
    local keys = crypto.randomBytes(48)
    local on_b, on_c
    H.run(15000, function(done)
      local a = tls.createServer(H.tls_options({ ticketKeys = keys }), function(s) s:_end() end)
      local b = tls.createServer(H.tls_options({ ticketKeys = keys }), function(s) s:_end() end)
      local c = tls.createServer(H.tls_options({ ticketKeys = crypto.randomBytes(48) }), function(s) s:_end() end)
      a:listen(0, '127.0.0.1', function() b:listen(0, '127.0.0.1', function() c:listen(0, '127.0.0.1', function()
        connect(a:address().port, {}, function(sessions)
          connect(b:address().port, { session = sessions[1] }, function(_, r)
            on_b = r
            connect(c:address().port, { session = sessions[1] }, function(_, r2)
              on_c = r2
              a:close(); b:close(); c:close(done)
            end)
          end)
        end)
      end) end) end)
    end)
    assert.is_true(on_b)
    assert.is_false(on_c)
  end)

  it('setTicketKeys rotates keys and keeps the previous ones good for resuming', function()
    local results = {}
    H.run(15000, function(done)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2' }), function(s) s:_end() end)
      local k0 = server:getTicketKeys()
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        connect(port, {}, function(old)
          server:setTicketKeys(crypto.randomBytes(48))
          results.changed = server:getTicketKeys() ~= k0
          connect(port, { session = old[1] }, function(_, r1)
            results.after_one = r1
            server:setTicketKeys(crypto.randomBytes(48))
            connect(port, { session = old[1] }, function(_, r2)
              results.after_two = r2
              server:close(done)
            end)
          end)
        end)
      end)
    end)
    assert.is_true(results.changed)
    assert.is_true(results.after_one)
    assert.is_false(results.after_two)
    local server = tls.createServer(H.tls_options())
    assert.equal(48, #server:getTicketKeys())
    local ok, err = pcall(server.setTicketKeys, server, 'short')
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_VALUE', err.code)
  end)

  it('SSL_OP_NO_TICKET turns tickets off; sessionTimeout bounds sessions', function()
    local with, without, info
    H.run(10000, function(done)
      local s1 = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2' }), function(s) s:_end() end)
      local s2 = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET }), function(s) s:_end() end)
      local s3 = tls.createServer(H.tls_options({ sessionTimeout = 7 }), function(s) s:_end() end)
      s1:listen(0, '127.0.0.1', function() s2:listen(0, '127.0.0.1', function() s3:listen(0, '127.0.0.1', function()
        connect(s1:address().port, {}, function(a)
          with = core.session_info(a[1])
          connect(s2:address().port, {}, function(b)
            without = core.session_info(b[1])
            connect(s3:address().port, {}, function(c)
              info = core.session_info(c[1])
              s1:close(); s2:close(); s3:close(done)
            end)
          end)
        end)
      end) end) end)
    end)
    assert.is_true(with.ticket)
    assert.is_false(without.ticket)
    assert.equal(7, info.lifetime)
    assert.equal('TLSv1.3', info.protocol)
  end)
end)

describe('sessions across processes and peers', function()
  local CLIENT = [[
    local tls, fs = require('tls'), require('fs')
    local port, file = tonumber(arg[1]), arg[2]
    local saved = fs.existsSync(file) and fs.readFileSync(file) or nil
    local c
    c = tls.connect({ port = port, host = 'localhost', ca = fs.readFileSync('certs/ca-cert.pem'), session = saved },
      function() print('reused: ' .. tostring(c:isSessionReused())) end)
    c:on('session', function(s) if not saved then fs.writeFileSync(file, s); saved = s end end)
    c:on('data', function() end)
  ]]

  it('a session written to a file resumes from another process, on another server process with the same ticketKeys', function()
    local script, file = os.tmpname(), os.tmpname()
    os.remove(file)
    fs.writeFileSync(script, CLIENT)
    local server_script = H.script([[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem'), ticketKeys = string.rep('k', 48),
        sessionIdContext = 'shared' }, function(s) s:_end() end)
      server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
    ]])
    local outs = {}
    H.run(20000, function(done)
      local ports, servers = {}, {}
      for i = 1, 2 do
        servers[i] = H.spawn(H.LUATLS, { server_script }, function()
          if i == 2 then done() end
        end)
        servers[i].stdout:on('data', function(d)
          ports[i] = tonumber(d:match('PORT (%d+)'))
          if ports[1] and ports[2] and not outs.started then
            outs.started = true
            H.spawn(H.LUATLS, { script, tostring(ports[1]), file }, function(_, o1)
              outs[1] = o1
              H.spawn(H.LUATLS, { script, tostring(ports[2]), file }, function(_, o2)
                outs[2] = o2
                servers[1]:kill()
                servers[2]:kill()
              end)
            end)
          end
        end)
      end
    end)
    for _, p in ipairs({ script, file, server_script }) do os.remove(p) end
    assert.equal('reused: false\n', outs[1])
    assert.equal('reused: true\n', outs[2])
  end)

  it('openssl s_client -sess_out / -sess_in resumes with a luatls server, by id and by ticket', function()
    local outs = {}
    H.run(20000, function(done)
      local ids = hooked_server({ maxVersion = 'TLSv1.2', secureOptions = NO_TICKET })
      local tickets = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2' }), function(s) s:_end() end)
      ids:listen(0, '127.0.0.1', function() tickets:listen(0, '127.0.0.1', function()
        local function twice(port, name, k)
          local file = os.tmpname()
          local function run(args, cb)
            local ch = H.spawn('openssl', args, function(_, out) cb(out) end)
            ch.stdin:_end('')
          end
          run({ 's_client', '-connect', '127.0.0.1:' .. port, '-sess_out', file }, function()
            run({ 's_client', '-connect', '127.0.0.1:' .. port, '-sess_in', file }, function(out)
              os.remove(file)
              outs[name] = out:match('\n(Reused), ') or out:match('\n(New), ')
              k()
            end)
          end)
        end
        twice(ids:address().port, 'ids', function()
          twice(tickets:address().port, 'tickets', function()
            ids:close(); tickets:close(done)
          end)
        end)
      end) end)
    end)
    assert.equal('Reused', outs.ids)
    assert.equal('Reused', outs.tickets)
  end)

  it('a luatls client resumes with openssl s_server, by id and by ticket', function()
    local results = {}
    local function against(extra, name, k)
      local port = H.free_port()
      local args = { 's_server', '-accept', tostring(port), '-cert', 'certs/server-cert.pem', '-key', 'certs/server-key.pem',
        '-tls1_2', '-naccept', '2' }
      for _, a in ipairs(extra) do args[#args + 1] = a end
      local server = H.spawn('openssl', args, function() k() end)
      local started = false
      server.stdout:on('data', function(d)
        if started or not d:find('ACCEPT', 1, true) then return end
        started = true
        connect(port, { end_now = true }, function(sessions)
          results[name .. '_ticket'] = core.session_info(sessions[1]).ticket
          connect(port, { session = sessions[1], end_now = true }, function(_, r) results[name] = r end)
        end)
      end)
    end
    H.run(20000, function(done)
      against({ '-no_ticket' }, 'ids', function() against({}, 'tickets', done) end)
    end)
    assert.is_true(results.ids)
    assert.is_false(results.ids_ticket)
    assert.is_true(results.tickets)
    assert.is_true(results.tickets_ticket)
  end)
end)
