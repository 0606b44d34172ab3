-- Sockets as Node's streams, over TLS on 127.0.0.1: encodings, state fields,
-- cork/uncork, paused-mode reading and iteration in a coroutine. Expected
-- values are what Node v20 gives for the same code.
local tls = require('tls')
local net = require('net')

local function client(port, cb)
  return tls.connect(port, '127.0.0.1', { ca = H.cert('ca-cert.pem'), servername = 'localhost' }, cb)
end

-- a TLS server on 127.0.0.1 calling on_socket(s, server) for each connection; ready(server, port)
local function serve(on_socket, ready, options)
  local server
  server = tls.createServer(H.tls_options(options), function(s) on_socket(s, server) end)
  server:listen(0, '127.0.0.1', function() ready(server, server:address().port) end)
  return server
end

local function hex(s) return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end)) end

describe('socket encodings', function()
  it("write(data, encoding) and end(data, encoding) send what the text stands for, as Node's Buffer.from", function()
    local got = ''
    H.run(5000, function(done)
      serve(function(s, server)
        s:on('data', function(d) got = got .. d end)
        s:on('end', function() server:close(done) end)
      end, function(_, port)
        local c
        c = client(port, function()
          c:write('68656c6c6f', 'hex')          -- hello
          c:write('IHdvcmxk', 'base64')         -- ' world'
          c:write('IT_-_w', 'base64url')        -- '!?' 0xfe 0xff
          c:write('café', 'latin1')             -- 63 61 66 e9
          c:write('ÿ', 'binary')                -- ff
          c:write('é', 'ascii')                 -- e9, as Node
          c:write('€', 'utf8')                  -- e2 82 ac
          c:write('hi', 'utf16le')              -- 68 00 69 00
          c:write('raw\0bytes')                 -- no encoding: the bytes as they are
          c:_end('2e0a', 'hex')                 -- '.\n'
        end)
      end)
    end)
    assert.equal('68656c6c6f' .. '20776f726c64' .. '213ffeff' .. '636166e9' .. 'ff' .. 'e9' .. 'e282ac' ..
      '68006900' .. '72617700627974657' .. '3' .. '2e0a', hex(got))
  end)

  it("setEncoding('utf8') never splits a character across 'data' events, whatever the records", function()
    local chunks = {}
    local text = 'h€llo, wörld 😀 ✓'
    H.run(5000, function(done)
      serve(function(s, server)
        s:setEncoding('utf8')
        assert.equal('utf8', s.readableEncoding)
        s:on('data', function(d) chunks[#chunks + 1] = d end)
        s:on('end', function() server:close(done) end)
      end, function(_, port)
        local c
        c = client(port, function()
          c:setNoDelay(true)
          -- one byte a record: every multi-byte character arrives split
          local i = 0
          local function next_byte()
            i = i + 1
            if i > #text then return c:_end() end
            c:write(text:sub(i, i))
            setTimeout(next_byte, 2)
          end
          next_byte()
        end)
      end)
    end)
    for _, d in ipairs(chunks) do assert.is_truthy(utf8.len(d), ('chunk %q is not whole UTF-8'):format(d)) end
    assert.equal(text, table.concat(chunks))
    assert.is_true(#chunks > 5)
  end)

  it("setEncoding('hex'), ('base64') and ('latin1') decode each chunk as Node's StringDecoder does", function()
    local got = { hex = {}, base64 = {}, latin1 = {} }
    local order = { 'hex', 'base64', 'latin1' }
    local payload = '\0\1\2\3\4\5\6\233\255'
    H.run(5000, function(done)
      local n = 0
      serve(function(s, server)
        n = n + 1
        local enc = order[n]
        s:setEncoding(enc)
        s:on('data', function(d) table.insert(got[enc], d) end)
        s:on('end', function()
          if n == 3 then server:close(done) end
        end)
      end, function(_, port)
        local function one(k)
          if k > 3 then return end
          local c
          c = client(port, function()
            c:setNoDelay(true)
            c:write(payload:sub(1, 4))
            setTimeout(function()
              c:_end(payload:sub(5))
              c:on('close', function() one(k + 1) end)
            end, 20)
          end)
          c:resume()
        end
        one(1)
      end)
    end)
    assert.equal('00010203040506e9ff', table.concat(got.hex))
    -- base64 chunks hold whole groups, so they join into the encoding of the whole
    assert.equal('AAECAwQFBun/', table.concat(got.base64))
    assert.equal('AAEC', got.base64[1])
    assert.equal('\0\1\2\3\4\5\6éÿ', table.concat(got.latin1))
  end)

  it('an unknown encoding raises ERR_UNKNOWN_ENCODING at once', function()
    local errs = {}
    H.run(5000, function(done)
      serve(function(s) s:resume() end, function(server, port)
        local c
        c = client(port, function()
          errs[1] = select(2, pcall(c.write, c, 'x', 'utf7'))
          errs[2] = select(2, pcall(c.setEncoding, c, 'nope'))
          errs[3] = select(2, pcall(c.setDefaultEncoding, c, 'klingon'))
          c:destroy()
          server:close(done)
        end)
      end)
    end)
    for i = 1, 3 do
      assert.equal('ERR_UNKNOWN_ENCODING', errs[i].code)
      assert.equal('TypeError', errs[i].name)
    end
    assert.equal('Unknown encoding: utf7', errs[1].message)
  end)
end)

describe('socket stream state', function()
  it('readyState, pending, connecting, writableEnded, writableFinished, readableEnded and timeout follow Node', function()
    local log = {}
    local function st(who, s)
      log[#log + 1] = ('%s %s pending=%s connecting=%s wEnded=%s wFin=%s rEnded=%s'):format(who, s.readyState,
        s.pending, s.connecting, s.writableEnded, s.writableFinished, s.readableEnded)
    end
    local timeout_before, timeout_after
    H.run(5000, function(done)
      local fin = H.countdown(2, done)
      serve(function(s, server)
        st('server secure', s)
        s:on('end', function()
          st('server end', s)
          setTimeout(function()
            s:_end('bye')
            st('server after end()', s)
          end, 50)
        end)
        s:on('finish', function() st('server finish', s) end)
        s:on('close', function() st('server close', s); server:close(fin) end)
        s:resume()
      end, function(_, port)
        local c = client(port)
        st('client new', c)
        timeout_before = c.timeout
        c:setTimeout(1234)
        timeout_after = c.timeout
        c:on('connect', function() st('client connect', c) end)
        c:on('secureConnect', function()
          st('client secure', c)
          c:_end('hi')
          st('client after end()', c)
        end)
        c:on('finish', function() st('client finish', c) end)
        c:on('end', function() st('client end', c) end)
        c:on('close', function() st('client close', c); fin() end)
        c:resume()
      end, { allowHalfOpen = true })
    end)
    local want = {
      'client new opening pending=true connecting=true wEnded=false wFin=false rEnded=false',
      'client connect open pending=false connecting=false wEnded=false wFin=false rEnded=false',
      'client secure open pending=false connecting=false wEnded=false wFin=false rEnded=false',
      'client after end() readOnly pending=false connecting=false wEnded=true wFin=false rEnded=false',
      'client finish readOnly pending=false connecting=false wEnded=true wFin=true rEnded=false',
      'server secure open pending=false connecting=false wEnded=false wFin=false rEnded=false',
      'server end writeOnly pending=false connecting=false wEnded=false wFin=false rEnded=true',
      'server after end() closed pending=false connecting=false wEnded=true wFin=false rEnded=true',
      'server finish closed pending=false connecting=false wEnded=true wFin=true rEnded=true',
      'client end closed pending=false connecting=false wEnded=true wFin=true rEnded=true',
      'client close closed pending=true connecting=false wEnded=true wFin=true rEnded=true',
      'server close closed pending=true connecting=false wEnded=true wFin=true rEnded=true',
    }
    -- the two sides' events interleave by timing; each side's order is Node's
    local function side(list, who)
      local out = {}
      for _, l in ipairs(list) do if l:sub(1, #who) == who then out[#out + 1] = l end end
      return out
    end
    assert.same(side(want, 'client'), side(log, 'client'))
    assert.same(side(want, 'server'), side(log, 'server'))
    assert.is_nil(timeout_before)
    assert.equal(1234, timeout_after)
  end)

  it("after the peer's end, our side ends on the next tick: writes until then go out, later ones fail with EPIPE", function()
    local cbs, got = {}, ''
    H.run(5000, function(done)
      local fin = H.countdown(2, done)
      serve(function(s, server)
        s:on('end', function()
          s:write(' in end listener', function(e) cbs[1] = e or 'ok' end)
          process.nextTick(function() s:write(' next tick', function(e) cbs[2] = e or 'ok' end) end)
          setTimeout(function()
            s:write('later', function(e)
              cbs[3] = e
              server:close(fin)
            end)
          end, 30)
        end)
        s:resume()
      end, function(_, port)
        local c = tls.connect(port, '127.0.0.1', { ca = H.cert('ca-cert.pem'), servername = 'localhost',
          allowHalfOpen = true }, function() end)
        c:on('secureConnect', function() c:_end() end)
        c:on('data', function(d) got = got .. d end)
        c:on('close', fin)
      end)
    end)
    assert.equal('ok', cbs[1])
    assert.equal('ok', cbs[2])
    assert.equal('EPIPE', cbs[3].code)
    assert.equal('This socket has been ended by the other party', cbs[3].message)
    assert.equal(' in end listener next tick', got)
  end)

  it('an unconnected socket is closed and pending; a destroyed one too', function()
    local s = net.Socket()
    assert.equal('closed', s.readyState)
    assert.is_true(s.pending)
    assert.is_false(s.connecting)
    H.run(2000, function(done)
      s:on('close', done)
      s:destroy()
    end)
    assert.equal('closed', s.readyState)
    assert.is_true(s.destroyed)
  end)

  it('cork(): writes made meanwhile, over several loop turns, reach the peer together at uncork()', function()
    local chunks, corked, lengths = {}, {}, {}
    H.run(5000, function(done)
      serve(function(s, server)
        s:on('data', function(d) chunks[#chunks + 1] = d end)
        s:on('end', function() server:close(done) end)
      end, function(_, port)
        local c
        c = client(port, function()
          c:setNoDelay(true)
          c:cork()
          c:write('a')
          setImmediate(function()
            c:write('b')
            c:cork()
            corked[1] = c.writableCorked
            setTimeout(function()
              c:write('c', function(err) corked.cb = err == nil end)
              lengths[1] = c.writableLength
              c:uncork()
              corked[2] = c.writableCorked
              setTimeout(function()
                c:uncork()
                corked[3] = c.writableCorked
                c:_end()
              end, 30)
            end, 30)
          end)
        end)
      end)
    end)
    assert.same({ 'abc' }, chunks)
    assert.same({ 2, 1, 0, cb = true }, corked)
    assert.equal(3, lengths[1])
  end)

  it("paused mode: 'readable' and read(n), nil until n bytes are buffered, the rest at the end, then 'end'", function()
    local log = {}
    H.run(5000, function(done)
      serve(function(s, server)
        s:on('readable', function()
          log[#log + 1] = 'readable ' .. s.readableLength
          local c = s:read(4)
          while c do
            log[#log + 1] = 'got ' .. c
            c = s:read(4)
          end
          log[#log + 1] = 'nil at ' .. s.readableLength
        end)
        s:on('end', function()
          log[#log + 1] = 'end ' .. tostring(s.readableEnded)
          server:close(done)
        end)
      end, function(_, port)
        local c
        c = client(port, function()
          c:setNoDelay(true)
          c:write('12345')
          setTimeout(function()
            c:write('6789')
            setTimeout(function() c:_end() end, 50)
          end, 50)
        end)
      end)
    end)
    assert.same({ 'readable 5', 'got 1234', 'nil at 1', 'readable 5', 'got 5678', 'nil at 1',
      'readable 1', 'got 9', 'nil at 0', 'end true' }, log)
  end)

  it("a paused socket read with a 'readable' listener reads on from the network", function()
    local total = 0
    H.run(5000, function(done)
      serve(function(s, server)
        s:pause()
        setTimeout(function()
          s:on('readable', function()
            local c = s:read()
            while c do total = total + #c; c = s:read() end
          end)
          s:on('end', function() server:close(done) end)
        end, 20)
      end, function(_, port)
        local c
        c = client(port, function() c:_end(string.rep('x', 300000)) end)
      end)
    end)
    assert.equal(300000, total)
  end)

  it('for chunk in socket:chunks() inside a coroutine: the loop waits without blocking and ends at the end', function()
    local got, reply, ticks = {}, nil, 0
    H.run(5000, function(done)
      serve(function(s, server)
        coroutine.wrap(function()
          -- as Node's readable.iterator({ destroyOnReturn: false }): the socket outlives the loop
          for chunk in s:chunks({ destroyOnReturn = false }) do got[#got + 1] = chunk end
          -- the loop is over once the peer has ended: the writing side is still ours
          s:_end('got ' .. table.concat(got))
          server:close()
        end)()
      end, function(_, port)
        local t = setInterval(function() ticks = ticks + 1 end, 5)
        local c
        c = client(port, function()
          c:setNoDelay(true)
          c:write('a')
          setTimeout(function()
            c:write('b')
            setTimeout(function() c:_end('c') end, 30)
          end, 30)
        end)
        c:on('data', function(d) reply = (reply or '') .. d end)
        c:on('close', function() clearInterval(t); done() end)
      end, { allowHalfOpen = true })
    end)
    assert.equal('abc', table.concat(got))
    assert.equal(3, #got)
    assert.equal('got abc', reply)
    assert.is_true(ticks >= 5, 'the loop ran meanwhile')
  end)

  it('socket:chunks() raises the error the socket fails with; break, and by default the end, destroy the socket', function()
    local raised, after_break, after_end = nil, nil, nil
    H.run(5000, function(done)
      local fin = H.countdown(3, done)
      local n = 0
      serve(function(s)
        n = n + 1
        if n == 3 then
          coroutine.wrap(function()
            local all = ''
            for chunk in s:chunks() do all = all .. chunk end
            -- as Node's for await: the socket is destroyed once the loop is over
            after_end = { all, s.destroyed }
            fin()
          end)()
        elseif n == 1 then
          coroutine.wrap(function()
            local ok, err = pcall(function()
              for _ in s:chunks() do end
            end)
            raised = not ok and err
            fin()
          end)()
        else
          coroutine.wrap(function()
            for _ in s:chunks() do break end   -- luacheck: ignore 512 (the case is a loop left by break)
            after_break = { s.destroyed, s.readyState }
            fin()
          end)()
        end
      end, function(server, port)
        local a
        a = client(port, function()
          a:write('x')
          setTimeout(function() a:resetAndDestroy() end, 30)
        end)
        local b
        b = client(port, function() b:write('y') end)
        b:on('error', function() end)
        b:on('close', function()
          local c3
          c3 = client(port, function() c3:_end('z') end)
          c3:on('error', function() end)
          c3:on('close', function() server:close() end)
        end)
      end, { allowHalfOpen = true })
    end)
    assert.equal('ECONNRESET', raised.code)
    assert.same({ true, 'closed' }, after_break)
    assert.same({ 'z', true }, after_end)
  end)

  it('socket:chunks() inside a luatls.async task waits through the task: it reads, and cancel() ends the loop', function()
    local async = require('luatls.async')
    local got, cancelled = nil, nil
    H.run(5000, function(done)
      local fin = H.countdown(2, done)
      local n = 0
      serve(function(s, server)
        n = n + 1
        if n == 1 then
          async.run(function()
            local all = {}
            for chunk in s:chunks({ destroyOnReturn = false }) do all[#all + 1] = chunk end
            got = table.concat(all, '+')
            s:_end()
            fin()
          end)
        else
          local task = async.run(function()
            for _ in s:chunks() do end
          end)
          task:next(nil, function(err)
            cancelled = { err.code, s.destroyed }
            server:close()
            fin()
          end)
          setTimeout(function() task:cancel() end, 30)
        end
      end, function(_, port)
        local a
        a = client(port, function()
          a:setNoDelay(true)
          a:write('a')
          setTimeout(function() a:_end('b') end, 30)
        end)
        a:resume()
        a:on('close', function()
          local b = client(port)
          b:on('error', function() end)
        end)
      end, { allowHalfOpen = true })
    end)
    assert.equal('a+b', got)
    assert.same({ 'ABORT_ERR', true }, cancelled)
  end)

  it('chunks() outside a coroutine raises ERR_INVALID_STATE', function()
    local ok, err = pcall(function() return net.Socket():chunks() end)
    assert.is_false(ok)
    assert.equal('ERR_INVALID_STATE', err.code)
  end)
end)
