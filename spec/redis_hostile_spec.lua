-- The redis module against a fake Redis (a net.Server speaking RESP) that
-- answers what a broken or malicious server would: protocol garbage, arrays
-- too long to allocate, replies to nothing, messages racing an UNSUBSCRIBE.
local redis = require('redis')
local net = require('net')

-- a server whose answer(buffered, sock) writes the replies; done when both are closed
local function fake(answer, cb)
  local server = net.createServer(function(sock)
    local buf = ''
    sock:on('data', function(d) buf = buf .. d; buf = answer(buf, sock) or buf end)
    sock:on('error', function() end)
  end)
  server:listen(0, '127.0.0.1', function() cb(server, server:address().port) end)
end

local function bulk(s) return ('$%d\r\n%s\r\n'):format(#s, s) end

-- the first whole command in buf: its arguments and the bytes after it
local function command(buf)
  local n, pos = buf:match('^%*(%d+)\r\n()')
  if not n then return nil end
  local args = {}
  for i = 1, tonumber(n) do
    local len, at = buf:match('^%$(%d+)\r\n()', pos)
    if not len or #buf < at + len + 1 then return nil end
    args[i] = buf:sub(at, at + len - 1)
    pos = at + len + 2
  end
  return args, buf:sub(pos)
end

describe('redis client against a hostile server', function()
  it('arguments with CRLF and NUL go out length-prefixed, whole', function()
    local got
    H.run(5000, function(done)
      fake(function(buf, sock)
        if buf:find('x\r\n$', 1) then sock:write(bulk(buf)) return '' end
      end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:command({ 'SET', 'a\r\nb', '\0\r\n*1\r\nx' }, function(_, r) got = r; c:disconnect() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('*3\r\n$3\r\nSET\r\n$4\r\na\r\nb\r\n$8\r\n\0\r\n*1\r\nx\r\n', got)
  end)

  it('protocol garbage: the command fails with the connection, the cause is ERR_REDIS_PROTOCOL', function()
    local got
    H.run(5000, function(done)
      fake(function(_, sock) sock:write('hello\r\n') return '' end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:on('error', function() end)
        c:get('k', function(err) got = err end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ERR_REDIS_CONNECTION_CLOSED', got.code)
    assert.equal('ERR_REDIS_PROTOCOL', got.cause.code)
  end)

  it('an array header of two billion elements is refused at once, not allocated', function()
    local got, t0
    H.run(5000, function(done)
      fake(function(_, sock) sock:write('*2000000000\r\n:1\r\n') return '' end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:on('error', function() end)
        t0 = os.clock()
        c:get('k', function(err) got = err end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ERR_REDIS_PROTOCOL', got.cause.code)
    assert.matches('array of 2000000000 elements', got.cause.message)
    assert.is_true(os.clock() - t0 < 1)
  end)

  it('a reply to no command is a protocol error, not the reply of the next one', function()
    local got = {}
    H.run(5000, function(done)
      local n = 0
      fake(function(buf, sock)
        local _, count = buf:gsub('GET', '')
        while n < count do
          n = n + 1
          if n == 1 then sock:write(bulk('a') .. bulk('extra')) else sock:write(bulk('b')) end
        end
      end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:on('error', function() end)
        c:get('k1', function(err, r)
          got[1] = { err, r }
          setTimeout(function() c:get('k2', function(err2, r2) got[2] = { err2 and err2.code, r2 } end) end, 50)
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ nil, 'a' }, got[1])
    assert.same({ 'ERR_REDIS_CLIENT_CLOSED' }, got[2])
  end)

  it('a message that comes after UNSUBSCRIBE was sent is a message, not the reply to it', function()
    local got = { messages = {} }
    H.run(5000, function(done)
      local state = 0
      fake(function(buf, sock)
        if state == 0 and buf:find('SUBSCRIBE') then
          state = 1
          sock:write('*3\r\n' .. bulk('subscribe') .. bulk('ch') .. ':1\r\n')
          return ''
        elseif state == 1 and buf:find('GET') then
          state = 2
          -- published before Redis read the UNSUBSCRIBE: it comes first
          sock:write('*3\r\n' .. bulk('message') .. bulk('ch') .. bulk('late')
            .. '*3\r\n' .. bulk('unsubscribe') .. bulk('ch') .. ':0\r\n' .. bulk('v'))
          return ''
        end
      end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:on('message', function(ch, m) got.messages[#got.messages + 1] = ch .. ':' .. m end)
        c:subscribe('ch', nil, function()
          c:unsubscribe('ch', function(err, r) got.unsub = { err, r } end)
          c:get('k', function(err, r) got.get = { err, r }; c:disconnect() end)
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ 'ch:late' }, got.messages)
    assert.same({ nil, { 'unsubscribe', 'ch', 0 } }, got.unsub)
    assert.same({ nil, 'v' }, got.get)
  end)

  it('a close in the middle of a reply fails the command; disconnect() inside a callback with replies left', function()
    local got = {}
    H.run(5000, function(done)
      fake(function(buf, sock)
        if buf:find('k3') then
          sock:write(bulk('1') .. bulk('2') .. '$10\r\nabc')
          sock:destroy()
          return ''
        end
      end, function(server, port)
        local c = redis.createClient({ port = port, reconnect = false })
        c:get('k1', function(err, r) got[1] = { err, r } end)
        c:get('k2', function(err, r) got[2] = { err, r } end)
        c:get('k3', function(err) got[3] = err.code end)
        c:on('close', function()
          local d = redis.createClient({ port = port, reconnect = false })
          d:get('k1', function() d:disconnect() end)
          d:get('k2', function(err, r) got[4] = { err and err.code, r } end)
          d:get('k3', function(err) got[5] = err.code end)
          d:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ nil, '1' }, got[1])
    assert.same({ nil, '2' }, got[2])
    assert.equal('ERR_REDIS_CONNECTION_CLOSED', got[3])
    assert.same({ nil, '2' }, got[4]) -- already read when disconnect() ran
    assert.equal('ERR_REDIS_CONNECTION_CLOSED', got[5])
  end)

  it('a session store whose Redis answers garbage for a session: a full handshake, not a failed one', function()
    local tls = require('tls')
    local crypto = require('crypto')
    local got = {}
    H.run(10000, function(done)
      fake(function(buf, sock)
        -- SET: +OK; GET: bytes that are not a session
        local args, rest = command(buf)
        while args do
          sock:write(args[1] == 'GET' and bulk('\48\130\1\0garbage') or '+OK\r\n')
          buf = rest
          args, rest = command(buf)
        end
        return buf
      end, function(fakeserver, port)
        local client = redis.createClient({ port = port, reconnect = false })
        local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2',
          secureOptions = crypto.constants.SSL_OP_NO_TICKET }), function(s) s:_end('hi') end)
        tls.sessionStore.redis({ client = client }):attach(server)
        local function connect(session, cb)
          local c = tls.connect({ port = server:address().port, host = 'localhost', ca = H.cert('ca-cert.pem'),
            session = session })
          local seen = {}
          c:on('session', function(d) seen.session = d end)
          c:on('secureConnect', function() seen.reused = c:isSessionReused() end)
          c:on('data', function(d) seen.data = d end)
          c:on('error', function(e) seen.error = e.code end)
          c:on('close', function() cb(seen) end)
        end
        client:on('ready', function()
          server:listen(0, '127.0.0.1', function()
            connect(nil, function(first)
              got[1] = first
              connect(first.session, function(second)
                got[2] = second
                server:close(function() client:disconnect() end)
              end)
            end)
          end)
        end)
        client:on('close', function() fakeserver:close(done) end)
      end)
    end)
    assert.equal('hi', got[1].data)
    assert.is_string(got[1].session)
    assert.same({ reused = false, data = 'hi' }, { reused = got[2].reused, data = got[2].data, error = got[2].error })
  end)
end)
