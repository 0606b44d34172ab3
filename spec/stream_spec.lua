-- stream: Readable, Writable, Duplex, Transform, PassThrough, pipeline,
-- finished and Readable.from with Node's semantics. The event orders below
-- are what Node v20 prints for the same code.
local stream = require('stream')
local tls = require('tls')

local Readable, Writable, Transform, PassThrough = stream.Readable, stream.Writable, stream.Transform, stream.PassThrough

-- a TLS client to a server on 127.0.0.1 with the test certificates
local function client(port, cb)
  return tls.connect(port, '127.0.0.1', { ca = H.cert('ca-cert.pem'), servername = 'localhost' }, cb)
end

local function str(v)
  if v == nil then return 'nil' end
  if type(v) == 'table' then return v.code or v.message or 'table' end
  return tostring(v)
end

-- a log of lines, as the Node script that these specs mirror prints them
local function logger()
  local lines = {}
  return lines, function(...)
    local t = table.pack(...)
    local out = {}
    for i = 1, t.n do out[i] = str(t[i]) end
    lines[#lines + 1] = table.concat(out, ' ')
  end
end

describe('stream.Readable', function()
  it('flowing mode: data for each push, then end, then close (autoDestroy)', function()
    local lines, log = logger()
    H.run(2000, function(done)
      local data, i = { 'a', 'b', 'c' }, 0
      local r = Readable({ read = function(self) i = i + 1; self:push(data[i]) end })
      r:on('data', function(d) log('data', d) end)
      r:on('end', function() log('end', r.readableEnded) end)
      r:on('close', function() log('close', r.destroyed); done() end)
    end)
    assert.same({ 'data a', 'data b', 'data c', 'end true', 'close true' }, lines)
  end)

  it("paused mode: 'readable', read(n) is nil until n bytes are there, the rest at the end", function()
    local lines, log = logger()
    H.run(2000, function(done)
      local r = Readable({ read = function() end })
      r:on('readable', function()
        log('readable', r.readableLength)
        local c = r:read(3)
        while c do log('got', c); c = r:read(3) end
      end)
      r:on('end', function() log('end', r.readableEnded); done() end)
      r:push('ab')
      setTimeout(function()
        r:push('cdef')
        setTimeout(function() r:push('g'); r:push(nil) end, 5)
      end, 5)
    end)
    assert.same({ 'readable 2', 'readable 6', 'got abc', 'got def', 'readable 1', 'got g', 'readable 0',
      'end true' }, lines)
  end)

  it('setEncoding never splits a character, and push(text, encoding) converts', function()
    local got = {}
    H.run(2000, function(done)
      local r = Readable({ read = function() end })
      r:setEncoding('utf8')
      r:on('data', function(d) got[#got + 1] = d end)
      r:on('end', done)
      local b = 'h€llo'
      r:push(b:sub(1, 2)); r:push(b:sub(3, 3)); r:push(b:sub(4))
      r:push('c3a9', 'hex')
      r:push(nil)
    end)
    assert.same({ 'h', '€llo', 'é' }, got)
  end)

  it('push after EOF fails the stream with ERR_STREAM_PUSH_AFTER_EOF', function()
    local err
    H.run(2000, function(done)
      local r = Readable({ read = function() end })
      r:on('error', function(e) err = e end)
      r:on('close', done)
      r:push(nil)
      r:push('late')
    end)
    assert.equal('ERR_STREAM_PUSH_AFTER_EOF', err.code)
  end)

  it('Readable.from a table, an iterator function and a string, in object mode', function()
    local got = {}
    H.run(2000, function(done)
      local fin = H.countdown(3, done)
      local n = 0
      local function collect(name, r)
        got[name] = {}
        r:on('data', function(v) table.insert(got[name], v) end)
        r:on('end', fin)
      end
      collect('table', Readable.from({ 1, 2, 3 }))
      collect('fn', Readable.from(function() n = n + 1; if n <= 2 then return 'v' .. n end end))
      collect('string', Readable.from('whole'))
    end)
    assert.same({ 1, 2, 3 }, got.table)
    assert.same({ 'v1', 'v2' }, got.fn)
    assert.same({ 'whole' }, got.string)
  end)
end)

describe('stream.Writable', function()
  it('buffers while a write is in progress, corks into one writev, drains, finals, finishes, closes', function()
    local lines, log = logger()
    H.run(2000, function(done)
      local w = Writable({ highWaterMark = 4,
        write = function(_, chunk, enc, cb) log('write', chunk, enc); setTimeout(cb, 1) end,
        writev = function(_, chunks, cb)
          local t = {}
          for i, c in ipairs(chunks) do t[i] = c.chunk end
          log('writev', table.concat(t, '|'))
          setTimeout(cb, 1)
        end,
        final = function(_, cb) log('final'); cb() end })
      w:on('drain', function() log('drain') end)
      w:on('finish', function() log('finish', w.writableFinished) end)
      w:on('close', function() log('close'); done() end)
      log('ret', w:write('x'))
      log('ret', w:write('yyyy'))
      w:cork(); w:write('1'); w:write('2')
      log('corked', w.writableCorked, w.writableLength)
      process.nextTick(function()
        w:uncork()
        w:_end('z', function() log('end cb') end)
        log('ended', w.writableEnded, w.writable)
      end)
      w:write('6869', 'hex')
    end)
    assert.same({ 'write x buffer', 'ret true', 'ret false', 'corked 1 7', 'ended true false',
      'writev yyyy|1|2|hi|z', 'final', 'end cb', 'finish true', 'close' }, lines)
  end)

  it('write after end: ERR_STREAM_WRITE_AFTER_END to the callback and as an error', function()
    local cb_err, ev_err
    H.run(2000, function(done)
      local w = Writable({ write = function(_, _, _, cb) cb() end })
      w:on('error', function(e) ev_err = e end)
      w:on('close', done)
      w:_end()
      w:write('x', function(e) cb_err = e end)
    end)
    assert.equal('ERR_STREAM_WRITE_AFTER_END', cb_err.code)
    assert.equal('ERR_STREAM_WRITE_AFTER_END', ev_err.code)
  end)
end)

describe('stream.Transform, PassThrough, pipeline, finished', function()
  it('pipeline(source, transform, sink, cb) delivers everything and destroys every stream', function()
    local lines, log = logger()
    H.run(2000, function(done)
      local up = Transform({ transform = function(_, c, _, cb) cb(nil, c:upper()) end })
      local out = {}
      local sink = Writable({ write = function(_, c, _, cb) out[#out + 1] = c; cb() end })
      local src = Readable.from({ 'a', 'b', 'c' })
      local pt = PassThrough()
      stream.pipeline(src, up, pt, sink, function(err)
        log('done', err, table.concat(out), src.destroyed, up.destroyed, pt.destroyed, sink.destroyed)
        done()
      end)
    end)
    assert.same({ 'done nil ABC true true true true' }, lines)
  end)

  it('pipeline calls back once with the first error and destroys every stream', function()
    local calls, first, flags = 0, nil, nil
    H.run(2000, function(done)
      local bad = Transform({ transform = function(_, c, _, cb)
        cb(c == 'b' and { code = 'EBAD', message = 'bad chunk' } or nil, c)
      end })
      local sink = Writable({ write = function(_, _, _, cb) cb() end })
      local src = Readable.from({ 'a', 'b', 'c' })
      stream.pipeline(src, bad, sink, function(err)
        calls = calls + 1
        first = err
        -- a later failure of one of them is not reported again
        sink:destroy({ code = 'ELATER' })
        setTimeout(function()
          flags = { src.destroyed, bad.destroyed, sink.destroyed }
          done()
        end, 20)
      end)
    end)
    assert.equal(1, calls)
    assert.equal('EBAD', first.code)
    assert.same({ true, true, true }, flags)
  end)

  it('finished(stream, cb): nil when done, ERR_STREAM_PREMATURE_CLOSE when destroyed first', function()
    local lines, log = logger()
    H.run(2000, function(done)
      local fin = H.countdown(3, done)
      local r = Readable({ read = function() end })
      stream.finished(r, function(err) log('readable', err); fin() end)
      r:resume(); r:push('x'); r:push(nil)
      local r2 = Readable({ read = function() end })
      stream.finished(r2, function(err) log('destroyed', err); fin() end)
      r2:destroy()
      local w = Writable({ write = function(_, _, _, cb) cb() end })
      stream.finished(w, function(err) log('writable', err); fin() end)
      w:_end('q')
    end)
    table.sort(lines)
    assert.same({ 'destroyed ERR_STREAM_PREMATURE_CLOSE', 'readable nil', 'writable nil' }, lines)
  end)
end)

describe('stream over TLS sockets', function()
  it('pipeline(socket, transform, socket): a TLS upper-casing echo; cb once the client has it all', function()
    local reply, server_err = '', 'not called'
    H.run(5000, function(done)
      local fin = H.countdown(2, done)
      local server
      server = tls.createServer(H.tls_options(), function(s)
        local up = Transform({ transform = function(_, c, _, cb) cb(nil, c:upper()) end })
        stream.pipeline(s, up, s, function(err)
          server_err = err
          server:close(fin)
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = client(server:address().port, function() end)
        c:on('secureConnect', function()
          c:write('hello ')
          c:_end('over tls')
        end)
        c:on('data', function(d) reply = reply .. d end)
        c:on('close', fin)
      end)
    end)
    assert.equal('HELLO OVER TLS', reply)
    assert.is_nil(server_err)
  end)

  it("pipeline from a TLS socket fails with the transform's error; the socket is destroyed too", function()
    local calls, first, socket_destroyed, client_closed = 0, nil, nil, false
    H.run(5000, function(done)
      local fin = H.countdown(2, done)
      local server
      server = tls.createServer(H.tls_options(), function(s)
        local n = 0
        local bad = Transform({ transform = function(_, c, _, cb)
          n = n + 1
          if n == 2 then return cb({ code = 'ETRANSFORM', message = 'second chunk refused' }) end
          cb(nil, c)
        end })
        local sink = Writable({ write = function(_, _, _, cb) cb() end })
        stream.pipeline(s, bad, sink, function(err)
          calls = calls + 1
          first = err
          socket_destroyed = s.destroyed
          server:close(fin)
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c = client(server:address().port)
        c:on('error', function() end)
        c:on('secureConnect', function()
          c:setNoDelay(true)
          c:write('one')
          setTimeout(function() c:write('two') end, 30)
        end)
        c:on('close', function() client_closed = true; fin() end)
      end)
    end)
    assert.equal(1, calls)
    assert.equal('ETRANSFORM', first.code)
    assert.is_true(socket_destroyed)
    assert.is_true(client_closed)
  end)

  it('finished(tlsSocket, cb): nil after a clean end, ECONNRESET when the peer resets', function()
    local results = {}
    H.run(5000, function(done)
      local server
      local fin = H.countdown(2, function() server:close(done) end)
      local n = 0
      server = tls.createServer(H.tls_options(), function(s)
        n = n + 1
        local which = n
        s:resume()
        stream.finished(s, function(err) results[which] = err or 'clean'; fin() end)
      end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local a
        a = client(port, function()
          a:_end()
          a:on('close', function()
            local b
            b = client(port, function()
              setTimeout(function() b:resetAndDestroy() end, 20)
            end)
          end)
        end)
        a:resume()
      end)
    end)
    assert.equal('clean', results[1])
    assert.equal('ECONNRESET', results[2].code)
  end)

  it('a fast producer piped to a slow TLS socket stays within a memory bound; the error ends it all', function()
    local script = H.script([[
      local tls, fs, stream = require('tls'), require('fs'), require('stream')
      local chunk, made, total = string.rep('z', 65536), 0, 1024 * 1024 * 1024
      local src = stream.Readable.from(function()
        if made >= total then return nil end
        made = made + #chunk
        return chunk
      end)
      local pass = stream.PassThrough()
      local c = tls.connect(tonumber(arg[1]), 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') })
      local calls = 0
      stream.pipeline(src, pass, c, function(err)
        calls = calls + 1
        setTimeout(function()
          local status = fs.readFileSync('/proc/self/status')
          print(status:match('VmHWM:%s*(%d+)'), made, err and err.code, calls,
            tostring(src.destroyed), tostring(pass.destroyed), tostring(c.destroyed))
        end, 50)
      end)
    ]])
    local out, read = nil, 0
    H.run(20000, function(done)
      local server = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        -- 1 MiB a second: read a MiB, pause, resume a second later; then reset
        s:on('data', function(d)
          read = read + #d
          if read >= 3 * 1024 * 1024 then
            s:resetAndDestroy()
          elseif read % (1024 * 1024) < #d then
            s:pause()
            setTimeout(function() s:resume() end, 1000)
          end
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        H.spawn(H.LUATLS, { script, tostring(server:address().port) }, function(_, o)
          out = o
          server:close(done)
        end)
      end)
    end)
    os.remove(script)
    local hwm, made, code, calls, d1, d2, d3 = out:match('^(%d+)\t(%d+)\t(%S+)\t(%d+)\t(%a+)\t(%a+)\t(%a+)')
    hwm, made = tonumber(hwm), tonumber(made)
    assert.is_true(hwm ~= nil, 'child printed: ' .. tostring(out))
    -- the producer made no more than the reader took plus what the buffers hold
    assert.is_true(hwm < H.kib(40 * 1024), 'peak RSS ' .. tostring(hwm) .. ' KiB')
    assert.is_true(made < 32 * 1024 * 1024, 'produced ' .. tostring(made) .. ' bytes')
    assert.is_true(read >= 3 * 1024 * 1024)
    assert.is_truthy(code == 'ECONNRESET' or code == 'EPIPE', code)
    assert.equal('1', calls)
    assert.same({ 'true', 'true', 'true' }, { d1, d2, d3 })
  end)
end)
