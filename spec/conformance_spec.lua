-- What a strict peer sees at the edges of a connection: a fatal alert that
-- arrives before the connection goes, and a fresh ticket after a TLS 1.3
-- resumption (tlsfuzzer's findings; compared with openssl s_server).
local tls = require('tls')
local net = require('net')
local stream = require('stream')

-- a TLS client whose records go through a plain TCP socket we can also write to
local function client_over(port, options, on_secure)
  local raw = net.connect(port, '127.0.0.1')
  local d = stream.Duplex()
  d._write = function(_, chunk) if not raw.destroyed then raw:write(chunk) end end
  d._final = function() if not raw.destroyed then raw:_end() end end
  raw:on('data', function(chunk) d:push(chunk) end)
  raw:on('end', function() d:push(nil) end)
  local o = { socket = d, servername = 'localhost', ca = H.cert('ca-cert.pem') }
  for k, v in pairs(options) do o[k] = v end
  local c = tls.connect(o, function() on_secure(raw) end)
  return c, raw
end

-- a TLS 1.3 application-data record no key can decrypt
local BAD_RECORD = '\23\3\3\0\32' .. string.rep('\171', 32)

describe('conformance', function()
  it('a fatal alert reaches a client that pipelines data after a bad record, never a reset (100 of 100)', function()
    local codes = {}
    H.run(60000, function(done)
      local closed   -- the server's socket has closed: called once per round
      local server = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        s:on('data', function() end)
        s:on('close', function() closed() end)
      end)
      -- the bad record may come with the client's Finished: then the server fails the handshake
      server:on('tlsClientError', function() closed() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local function round(i)
          if i > 100 then return server:close(done) end
          local finished = false
          local function finish(code)
            if finished then return end
            finished = true
            codes[#codes + 1] = code
            setImmediate(function() round(i + 1) end)
          end
          local c, raw
          c, raw = client_over(port, { minVersion = 'TLSv1.3' }, function()
            -- like a client that sends without reading: the bad record and more
            -- than the server reads before it fails, then (once the server has
            -- closed) a request, and only then it reads
            raw:pause()
            closed = function()
              closed = function() end
              raw:write('request', function() raw:resume() end)
            end
            raw:write(BAD_RECORD .. string.rep('x', 256 * 1024))
          end)
          c:on('error', function(e) finish(e.code); raw:destroy() end)
          c:on('close', function() finish('closed without an error') end)
          raw:on('error', function(e) finish(e.code); c:destroy() end)
        end
        round(1)
      end)
    end)
    assert.equal(100, #codes)
    local counts = {}
    for _, code in ipairs(codes) do counts[code] = (counts[code] or 0) + 1 end
    assert.same({ ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC = 100 }, counts)
  end)

  it('openssl s_client gets a NewSessionTicket after a TLS 1.3 resumption, as from s_server', function()
    local counts, reused = {}, {}
    H.run(20000, function(done)
      local server = tls.createServer(H.tls_options(), function(s) s:on('error', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local file = os.tmpname()
        local function run(flag, k)
          -- -ign_eof: s_client stays until the server's close_notify, after the tickets
          local ch = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. server:address().port,
            '-tls1_3', '-msg', '-ign_eof', flag, file }, function(_, out)
            local n = 0
            for _ in out:gmatch('<<< TLS 1.3, Handshake %[[^%]]*%], NewSessionTicket') do n = n + 1 end
            counts[#counts + 1] = n
            reused[#reused + 1] = out:match('\n(Reused), ') or out:match('\n(New), ')
            k()
          end)
          ch.stdin:_end('')
        end
        run('-sess_out', function()
          run('-sess_in', function()
            os.remove(file)
            server:close(done)
          end)
        end)
      end)
    end)
    assert.same({ 'New', 'Reused' }, reused)
    assert.equal(2, counts[1])   -- OpenSSL's default for a full handshake
    assert.equal(1, counts[2])   -- and one for a resumed one
  end)

  it('a luatls client that resumes over TLS 1.3 gets a fresh session, and that one resumes too', function()
    local results = {}
    H.run(20000, function(done)
      local server = tls.createServer(H.tls_options(), function(s) s:on('error', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local function connect(session, k)
          local got
          local c = tls.connect({ port = port, host = 'localhost', ca = H.cert('ca-cert.pem'),
            minVersion = 'TLSv1.3', session = session })
          c:on('session', function(sess) got = got or sess end)
          c:on('data', function() end)
          c:on('error', function() end)
          c:on('close', function()
            results[#results + 1] = { reused = c._reused, session = got }
            k(got)
          end)
          c:on('secureConnect', function() c._reused = c:isSessionReused() end)
        end
        connect(nil, function(s1)
          connect(s1, function(s2)
            connect(s2, function() server:close(done) end)
          end)
        end)
      end)
    end)
    assert.is_false(results[1].reused)
    assert.is_true(results[2].reused)
    assert.is_string(results[2].session)          -- 'session' fired after the resumption
    assert.not_equal(results[1].session, results[2].session)
    assert.is_true(results[3].reused)             -- the fresh session resumes in turn
  end)
  it('both ends renegotiating at once (TLS 1.2, over a memory wire and over loopback) finish, and data flows after', function()
    local results = {}
    local function pair(over_memory, k)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2' }))
      local r = {}
      local function both_secure(s, c)
        s:renegotiate({}, function(e) r.server_cb = e or false end)
        c:renegotiate({}, function(e) r.client_cb = e or false end)
        c:write('ping')
      end
      local s, c
      local function wire(ready)
        if over_memory then
          local a, b = stream.Duplex(), stream.Duplex()
          a._write = function(_, chunk) setImmediate(function() b:push(chunk) end) end
          b._write = function(_, chunk) setImmediate(function() a:push(chunk) end) end
          s = tls.TLSSocket(a, { isServer = true, server = server })
          c = tls.connect({ socket = b, servername = 'localhost', ca = H.cert('ca-cert.pem'), maxVersion = 'TLSv1.2' })
          ready()
        else
          server:on('secureConnection', function(sock) s = sock; ready() end)
          server:listen(0, '127.0.0.1', function()
            c = tls.connect({ port = server:address().port, host = 'localhost', ca = H.cert('ca-cert.pem'),
              maxVersion = 'TLSv1.2' })
          end)
        end
      end
      wire(function()
        local function go() if s._secured and c.authorized ~= nil and c._secured then both_secure(s, c) end end
        if over_memory then s:once('secure', function() go() end) end
        c:once('secureConnect', function() if over_memory then go() else both_secure(s, c) end end)
        s:on('data', function(d) s:_end(d) end)
        s:on('error', function(e) r.server_error = e.code end)
        c:on('data', function(d) r.echo = (r.echo or '') .. d end)
        c:on('error', function(e) r.client_error = e.code end)
        c:on('close', function()
          results[#results + 1] = r
          if over_memory then k() else server:close(k) end
        end)
      end)
    end
    H.run(10000, function(done) pair(true, function() pair(false, done) end) end)
    for _, r in ipairs(results) do
      assert.same({ server_cb = false, client_cb = false, echo = 'ping' }, r)
    end
    assert.equal(2, #results)
  end)
end)
