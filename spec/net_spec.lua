local net = require('net')

-- an echo server on an ephemeral port; calls ready(server, port)
local function echo_server(ready, options)
  local server = net.createServer(options or {}, function(sock) sock:pipe(sock) end)
  server:listen(0, '127.0.0.1', function() ready(server, server:address().port) end)
  return server
end

describe('net.Server', function()
  it('listens on port 0 (IPv4 and IPv6), reports address(), and closes with a callback', function()
    local seen = {}
    H.run(3000, function(done)
      local s4 = net.createServer()
      s4:on('listening', function()
        local a = s4:address()
        seen.v4 = a
        local s6 = net.createServer()
        s6:listen({ port = 0, host = '::1' }, function()
          seen.v6 = s6:address()
          s6:close()
          s4:close(function(err) seen.closed = err == nil; done() end)
        end)
      end)
      s4:listen(0, '127.0.0.1')
    end)
    assert.equal('127.0.0.1', seen.v4.address)
    assert.equal('IPv4', seen.v4.family)
    assert.is_true(seen.v4.port > 0)
    assert.equal('::1', seen.v6.address)
    assert.equal('IPv6', seen.v6.family)
    assert.is_true(seen.closed)
  end)

  it("emits 'error' EADDRINUSE for a port in use, and close(cb) on a closed server fails", function()
    local err1, err2
    H.run(3000, function(done)
      echo_server(function(server, port)
        local other = net.createServer()
        other:on('error', function(e)
          err1 = e
          server:close()
          other:close(function(e2) err2 = e2; done() end)
        end)
        other:listen(port, '127.0.0.1')
      end)
    end)
    assert.equal('EADDRINUSE', err1.code)
    assert.equal('listen', err1.syscall)
    assert.matches('^listen EADDRINUSE: address already in use 127.0.0.1:%d+$', err1.message)
    assert.equal('ERR_SERVER_NOT_RUNNING', err2.code)
  end)

  it('counts connections, drops those above maxConnections, and closes after the last one', function()
    local counts, dropped, closed = {}, 0, false
    H.run(3000, function(done)
      local server
      server = net.createServer(function(sock)
        server:getConnections(function(_, n) counts[#counts + 1] = n end)
        sock:on('data', function() end)
      end)
      server.maxConnections = 1
      server:on('drop', function() dropped = dropped + 1 end)
      server:on('close', function() closed = true; done() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local a
        a = net.connect(port, '127.0.0.1', function()
          local b = net.connect(port, '127.0.0.1')
          b:on('close', function()
            server:close()
            a:destroy()
          end)
          b:on('data', function() end)
        end)
      end)
    end)
    assert.same({ 1 }, counts)
    assert.equal(1, dropped)
    assert.is_true(closed)
  end)

  it('raises an error object naming a bad port', function()
    local server = net.createServer()
    -- a string that is not a number would be a Unix socket's path, as in Node
    local ok, err = pcall(server.listen, server, '65536')
    assert.is_false(ok)
    assert.equal('ERR_SOCKET_BAD_PORT', err.code)
    assert.equal('RangeError', err.name)
    assert.matches('options.port', err.message)
    err = select(2, pcall(server.listen, server, 70000))
    assert.equal('ERR_SOCKET_BAD_PORT', err.code)
    err = select(2, pcall(net.connect, { port = 'abc' }))
    assert.equal('ERR_SOCKET_BAD_PORT', err.code)
  end)
end)

describe('net.Socket', function()
  it('a method replaced on net.Socket reaches plain and TLS sockets; net.Socket holds its inherited methods', function()
    local tls = require('tls')
    local Readable = require('stream').Readable
    -- net.Socket's own copy of an inherited method, taken when net was loaded
    assert.equal(Readable.pipe, rawget(net.Socket, 'pipe'))
    assert.equal(require('events').listenerCount, rawget(net.Socket, 'listenerCount'))
    local original = net.Socket.setKeepAlive
    local seen = {}
    net.Socket.setKeepAlive = function(self, ...)
      seen[#seen + 1] = getmetatable(self).__name
      return original(self, ...)
    end
    local ok, err = pcall(H.run, 3000, function(done)
      local server = tls.createServer(H.tls_options(), function(s)
        s:setKeepAlive(true)
        s:destroy()
      end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('error', function() end)
        c:on('close', function()
          local p
          p = net.connect(server:address().port, '127.0.0.1', function() p:setKeepAlive(true); p:destroy() end)
          p:on('close', function() server:close(done) end)
        end)
      end)
    end)
    net.Socket.setKeepAlive = original
    assert(ok, err)
    assert.same({ 'TLSSocket', 'Socket' }, seen)
  end)

  it("an accepted socket's addresses are both ends as its client sees them, on one address, on ::1 and on every address", function()
    local seen = {}
    local function check(host, connect_to, k)
      local server
      seen[host] = {}
      server = net.createServer(function(s)
        seen[host].server = { s.localAddress, s.localPort, s.localFamily, s.remoteAddress, s.remotePort,
          s.remoteFamily, s:address().address }
        s:destroy()
      end)
      server:listen(0, host, function()
        local c
        c = net.connect({ port = server:address().port, host = connect_to }, function()
          seen[host].client = { c.remoteAddress, c.remotePort, c.remoteFamily, c.localAddress, c.localPort,
            c.localFamily, c.remoteAddress }
        end)
        c:on('close', function() server:close(k) end)
      end)
    end
    H.run(3000, function(done)
      check('127.0.0.1', '127.0.0.1', function()
        check('::1', '::1', function()
          check('0.0.0.0', '127.0.0.1', done)
        end)
      end)
    end)
    for _, host in ipairs({ '127.0.0.1', '::1', '0.0.0.0' }) do
      assert.same(seen[host].client, seen[host].server, host)
    end
    assert.same({ '::1', 'IPv6' }, { seen['::1'].server[1], seen['::1'].server[3] })
    assert.equal('127.0.0.1', seen['0.0.0.0'].server[1])
  end)

  it('echoes data and reports addresses and byte counts', function()
    local got, facts = '', {}
    H.run(3000, function(done)
      echo_server(function(server, port)
        local c
        c = net.connect({ port = port, host = '127.0.0.1' }, function()
          facts.remote = { c.remoteAddress, c.remotePort, c.remoteFamily }
          facts.localPort = c.localPort
          facts.address = c:address()
          c:write('hello ')
          c:_end('world')
        end)
        c:on('data', function(d) got = got .. d end)
        c:on('end', function() facts.ended = true end)
        c:on('close', function(had_error)
          facts.had_error = had_error
          facts.bytes = { c.bytesRead, c.bytesWritten }
          server:close(done)
        end)
      end)
    end)
    assert.equal('hello world', got)
    assert.is_true(facts.ended)
    assert.is_false(facts.had_error)
    assert.is_true(facts.remote[2] > 0)
    assert.same({ '127.0.0.1', facts.remote[2], 'IPv4' }, facts.remote)
    assert.equal(facts.localPort, facts.address.port)
    assert.same({ 11, 11 }, facts.bytes)
  end)

  it('connects by host name, and to ::1', function()
    local got = {}
    H.run(3000, function(done)
      local server = net.createServer(function(sock) sock:_end('hi ' .. sock.remoteFamily) end)
      server:listen(0, '::1', function()
        local port = server:address().port
        local c = net.connect(port, '::1')
        c:on('data', function(d) got[#got + 1] = d end)
        c:on('close', function()
          local server4 = net.createServer(function(sock) sock:_end('hi ' .. sock.remoteFamily) end)
          server4:listen(0, '127.0.0.1', function()
            local d = net.connect(server4:address().port, 'localhost')
            d:on('data', function(x) got[#got + 1] = x end)
            d:on('close', function() server:close(); server4:close(done) end)
          end)
        end)
      end)
    end)
    assert.same({ 'hi IPv6', 'hi IPv4' }, got)
  end)

  it('fails with ECONNREFUSED and ENOTFOUND', function()
    local errs = {}
    H.run(10000, function(done)
      local port = H.free_port()
      local c = net.connect(port, '127.0.0.1')
      c:on('error', function(e)
        errs[1] = e
        local d = net.connect(port, 'no-such-host.invalid')
        d:on('error', function(e2) errs[2] = e2 end)
        d:on('close', function(had_error) errs.had_error = had_error; done() end)
      end)
    end)
    assert.equal('ECONNREFUSED', errs[1].code)
    assert.equal('connect', errs[1].syscall)
    assert.equal('127.0.0.1', errs[1].address)
    assert.matches('^connect ECONNREFUSED 127%.0%.0%.1:%d+$', errs[1].message)
    assert.equal('ENOTFOUND', errs[2].code)
    assert.equal('no-such-host.invalid', errs[2].hostname)
    assert.is_true(errs.had_error)
  end)

  it("write returns false above the high-water mark, 'drain' follows, write callbacks run", function()
    local result = {}
    H.run(5000, function(done)
      local server = net.createServer(function(sock) sock:on('data', function() end) sock:on('end', function() sock:_end() end) end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = net.connect(server:address().port, '127.0.0.1', function()
          local big = string.rep('x', 4 * 1024 * 1024)
          result.first = c:write(big, function(err) result.cb_err = err; result.cb = true end)
          result.pending = c.writableLength
          c:once('drain', function()
            result.drained = true
            c:_end()
          end)
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_false(result.first)
    assert.is_true(result.pending > 16384)
    assert.is_true(result.drained)
    assert.is_true(result.cb)
    assert.is_nil(result.cb_err)
  end)

  it('pipes with backpressure: a paused reader stops the writer, resume finishes the transfer', function()
    local total, size, paused_seen = 0, 8 * 1024 * 1024, false
    H.run(10000, function(done)
      local reader
      local server = net.createServer(function(sock)
        reader = sock
        sock:pause()
        sock:on('end', function() sock:_end() end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect(server:address().port, '127.0.0.1', function() end)
        local chunk = string.rep('y', 65536)
        local sent = 0
        local function pump()
          while sent < size do
            sent = sent + #chunk
            if not c:write(chunk) then
              -- the writer is held back while the reader is paused; now read
              if reader and reader:isPaused() then
                paused_seen = true
                reader:on('data', function(d) total = total + #d end)
                reader:resume()
              end
              return
            end
          end
          c:_end()
        end
        c:on('drain', pump)
        c:on('connect', pump)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_true(paused_seen)
    assert.equal(size, total)
  end)

  it('keeps the other direction open with allowHalfOpen', function()
    local got = ''
    H.run(3000, function(done)
      local server = net.createServer({ allowHalfOpen = true }, function(sock)
        local buf = ''
        sock:on('data', function(d) buf = buf .. d end)
        sock:on('end', function()
          -- the client has finished sending; we can still answer
          setTimeout(function() sock:_end('got ' .. buf) end, 10)
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect({ port = server:address().port, host = '127.0.0.1', allowHalfOpen = true })
        c:on('connect', function() c:_end('question') end)
        c:on('data', function(d) got = got .. d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('got question', got)
  end)

  it("destroy(err) emits 'error' then 'close' with hadError", function()
    local events = {}
    H.run(3000, function(done)
      echo_server(function(server, port)
        local c
        c = net.connect(port, '127.0.0.1', function()
          c:destroy(require('luatls.errors').new('EMINE', 'mine'))
          c:write('late', function(err) events[#events + 1] = 'write cb ' .. err.code end)
        end)
        c:on('error', function(e) events[#events + 1] = 'error ' .. e.code end)
        c:on('close', function(had) events[#events + 1] = 'close ' .. tostring(had); server:close(done) end)
      end)
    end)
    assert.same({ 'error EMINE', 'close true', 'write cb ERR_STREAM_DESTROYED' }, events)
  end)

  it("emits 'timeout' after setTimeout of inactivity, once", function()
    local timeouts = 0
    H.run(3000, function(done)
      echo_server(function(server, port)
        local c = net.connect(port, '127.0.0.1')
        c:setTimeout(30, function()
          timeouts = timeouts + 1
          setTimeout(function() c:destroy() end, 80)
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal(1, timeouts)
  end)

  it('sets no-delay and keep-alive, and write after end fails', function()
    local err
    H.run(3000, function(done)
      echo_server(function(server, port)
        local c
        c = net.connect(port, '127.0.0.1', function()
          c:setNoDelay(true)
          c:setKeepAlive(true, 1000)
          c:_end()
          c:write('x')
        end)
        c:on('error', function(e) err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ERR_STREAM_WRITE_AFTER_END', err.code)
  end)
end)

describe('net odds and ends', function()
  it("socket['end'] is _end, and a reset peer gives ECONNRESET from read", function()
    local err
    H.run(5000, function(done)
      local server
      server = net.createServer(function(sock)
        sock:on('data', function() end)
        sock:on('error', function(e) err = e end)
        sock:on('close', function() server:close(done) end)
      end)
      server:listen(0, '127.0.0.1', function()
        -- a peer that aborts with RST (SO_LINGER 0)
        H.spawn('python3', { '-c', [[
import socket, struct, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
s.sendall(b'x')
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
]], tostring(server:address().port) })
      end)
    end)
    assert.equal(net.Socket._end, net.Socket['end'])
    assert.equal('ECONNRESET', err.code)
    assert.equal('read', err.syscall)
    assert.equal('read ECONNRESET', err.message)
  end)

  it('resetAndDestroy sends the peer an RST: ECONNRESET, not an end', function()
    local err, ended
    H.run(5000, function(done)
      local server = net.createServer(function(sock)
        sock:on('data', function() sock:resetAndDestroy() end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect(server:address().port, '127.0.0.1')
        c:on('connect', function() c:write('x') end)
        c:on('end', function() ended = true end)
        c:on('error', function(e) err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ECONNRESET', err.code)
    assert.is_nil(ended)
  end)

  it('destroySoon ends the writing side, then destroys', function()
    local got, events = '', {}
    H.run(3000, function(done)
      local server = net.createServer(function(sock)
        sock:write('last words')
        sock:destroySoon()
        sock:on('finish', function() events[#events + 1] = 'finish' end)
        sock:on('close', function() events[#events + 1] = 'close' end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = net.connect(server:address().port, '127.0.0.1')
        c:on('data', function(d) got = got .. d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('last words', got)
    assert.same({ 'finish', 'close' }, events)
  end)

  it('unref servers and sockets do not keep the process alive', function()
    local out, code = H.sh('timeout 10 ' .. H.LUATLS .. [[ -e "
      local net = require('net')
      local s = net.createServer(function() end)
      s:listen(0, '127.0.0.1', function()
        local c = net.connect(s:address().port, '127.0.0.1', function() print('connected') end)
        c:on('connect', function() c:unref(); s:unref() end)
      end)" 2>&1]])
    assert.equal(0, code)
    assert.equal('connected\n', out)
  end)
end)
