-- The write queue under bulk writes: large writes (which the queue takes
-- without copying), small ones between them, a peer that reads nothing for a
-- while so the kernel pushes back, and an echo through pipe(): every byte
-- arrives once, in order, and 'drain' follows each false write.
local tls = require('tls')
local net = require('net')
local setTimeout = require('timers').setTimeout

-- n bytes that tell their position apart (a 251-byte cycle, prime against every block size)
local function pattern(n, seed)
  local unit = {}
  for i = 0, 250 do unit[#unit + 1] = string.char((i * 7 + seed) % 256) end
  unit = table.concat(unit)
  return unit:rep(n // #unit + 1):sub(1, n)
end

-- big and small writes interleaved; the peer starts reading after `delay` ms
local function writes()
  local list = {}
  for i = 1, 24 do
    list[#list + 1] = pattern(i % 3 == 0 and 100 or 65536 + i * 1000, i)
    if i % 5 == 0 then list[#list + 1] = pattern(16384, i + 1) end
    if i % 7 == 0 then list[#list + 1] = '' end
  end
  return list
end

local function run_writer(c, list, done)
  local i, drains, falses, ended = 0, 0, 0, false
  local function pump()
    while i < #list do
      i = i + 1
      if not c:write(list[i]) then
        falses = falses + 1
        return
      end
    end
    if not ended then
      ended = true
      c:_end()
    end
  end
  c:on('drain', function()
    drains = drains + 1
    pump()
  end)
  pump()
  return function() done(falses, drains) end
end

local function check(list, got, falses, drains)
  local want = table.concat(list)
  assert.equal(#want, #got)
  assert.is_true(want == got, 'the bytes arrive in order')
  assert.is_true(falses > 0, 'some writes returned false')
  assert.equal(falses, drains)
end

describe('write queue', function()
  for _, kind in ipairs({ 'tls', 'net' }) do
    it(kind .. ': large and small writes behind a peer that does not read yet arrive once, in order', function()
      local list, got, falses, drains = writes(), {}, nil, nil
      H.run(10000, function(done)
        local server
        local function on_socket(s)
          s:pause()
          setTimeout(function() s:resume() end, 200)
          s:on('data', function(d) got[#got + 1] = d end)
          s:on('end', function() server:close(done) end)
        end
        local function ready()
          local port = server:address().port
          local c
          local function go()
            local finish = run_writer(c, list, function(f, d) falses, drains = f, d end)
            c:on('finish', finish)
          end
          if kind == 'tls' then
            c = tls.connect(port, '127.0.0.1', { ca = H.cert('ca-cert.pem'), servername = 'localhost' }, go)
          else
            c = net.connect(port, '127.0.0.1', go)
          end
        end
        if kind == 'tls' then
          server = tls.createServer(H.tls_options(), on_socket)
        else
          server = net.createServer(on_socket)
        end
        server:listen(0, '127.0.0.1', ready)
      end)
      check(list, table.concat(got), falses, drains)
    end)
  end

  it('writes made after a large one in the same tick, ignoring false, follow it in order', function()
    local list = { pattern(70000, 1), pattern(10, 2), pattern(40000, 3), pattern(20000, 4), pattern(5, 5) }
    local got = {}
    H.run(10000, function(done)
      local server
      server = net.createServer(function(s)
        s:pause()
        setTimeout(function() s:resume() end, 100)
        s:on('data', function(d) got[#got + 1] = d end)
        s:on('end', function() server:close(done) end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = net.connect(server:address().port, '127.0.0.1', function()
          for round = 1, 40 do
            for _, w in ipairs(list) do c:write(w) end
            if round == 40 then c:_end() end
          end
        end)
      end)
    end)
    assert.is_true(table.concat(list):rep(40) == table.concat(got), 'the bytes arrive in order')
  end)

  it('a write behind a large one the kernel took only part of follows the rest, in order', function()
    local big, small, rounds = pattern(70000, 6), pattern(7, 7), 200
    local got, n = {}, 0
    H.run(20000, function(done)
      local server
      server = net.createServer(function(s)
        s:pause()
        setTimeout(function() s:resume() end, 300)
        s:on('data', function(d) got[#got + 1] = d end)
        s:on('end', function() server:close(done) end)
      end)
      server:listen(0, '127.0.0.1', function()
        local c
        local function step()
          n = n + 1
          -- a large write alone in its tick: into an empty queue until the kernel's
          -- buffers fill, and a small one in the next tick behind what is left of it
          c:write(n % 2 == 1 and big or small)
          if n < rounds then setTimeout(step, 0) else c:_end() end
        end
        c = net.connect(server:address().port, '127.0.0.1', step)
      end)
    end)
    assert.is_true((big .. small):rep(rounds // 2) == table.concat(got), 'the bytes arrive in order')
  end)

  it('an echo through socket:pipe(socket) returns every byte in order', function()
    local list, got = writes(), {}
    local want = table.concat(list)
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options(), function(s) s:pipe(s) end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect(server:address().port, '127.0.0.1',
          { ca = H.cert('ca-cert.pem'), servername = 'localhost', allowHalfOpen = true }, function()
            run_writer(c, list, function() end)
          end)
        local n = 0
        c:on('data', function(d)
          got[#got + 1] = d
          n = n + #d
          if n >= #want then
            c:destroy()
            server:close(done)
          end
        end)
      end)
    end)
    assert.is_true(want == table.concat(got), 'the echo returns the bytes in order')
  end)

  it('a large write queued before STARTTLS goes out in the clear, before the handshake', function()
    local big = pattern(70000, 3)
    local got = {}
    H.run(10000, function(done)
      local server = net.createServer(function(s)
        local n = 0
        s:on('data', function(d)
          got[#got + 1] = d
          n = n + #d
          if n >= #big then
            s:destroy()
          end
        end)
      end)
      server:listen(0, '127.0.0.1', function()
        local raw
        raw = net.connect(server:address().port, '127.0.0.1', function()
          raw:write(big)
          local t = tls.connect({ socket = raw, ca = H.cert('ca-cert.pem'), servername = 'localhost' })
          t:on('error', function() end)
          t:on('close', function() server:close(done) end)
        end)
      end)
    end)
    local s = table.concat(got)
    assert.is_true(#s >= #big)
    assert.is_true(s:sub(1, #big) == big, 'the plain bytes come first, whole')
    assert.equal(22, s:byte(#big + 1), 'then a TLS handshake record')
  end)
end)
