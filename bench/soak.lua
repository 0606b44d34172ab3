-- make soak: N connections to a TLS echo server in another process, 64 in
-- flight. Four in five are good clients (a handshake, 4 KiB echoed, a close);
-- the fifth is abusive in turn: garbage bytes, a client that aborts after its
-- handshake, a reset in the middle of the ClientHello, or a silent one that
-- the server's handshake deadline must cut off. Fails on any good client that
-- does not get its 4 KiB back, on RSS drift of 5 % or more between 10 % and
-- 100 % of N, or on fds not back to the baseline.
--   build/luatls bench/soak.lua [N]
package.path = 'bench/?.lua;' .. package.path
local cp = require('child_process')
local net = require('net')
local tls = require('tls')
local fs = require('fs')
local steps = require('steps')

local N = tonumber(arg[1]) or 50000
local IN_FLIGHT = 64
local CA = fs.readFileSync('certs/ca-cert.pem')
local PAYLOAD = string.rep('0123456789abcdef', 256)   -- 4 KiB
local HELLO_START = '\22\3\1\2\0\1\0\1\252\3\3' .. string.rep('\0', 40)

local function rss_kib(pid) return tonumber(fs.readFileSync('/proc/' .. pid .. '/status'):match('VmRSS:%s*(%d+)')) end

local function fd_count(pid)
  local p = io.popen('readlink /proc/$$/fd/1; ls -l /proc/' .. pid .. '/fd')
  local own, n = p:read('l'), 0
  for target in p:read('a'):gmatch('%-> ([^\n]*)') do if target ~= own then n = n + 1 end end
  p:close()
  return n
end

local stats = { good = 0, failed = 0, lost = 0, abusive = 0 }

local function good(port, k)
  local got, n, ok = {}, 0, false
  local c
  c = tls.connect({ port = port, host = 'localhost', ca = CA }, function() c:write(PAYLOAD) end)
  c:on('data', function(d)
    got[#got + 1] = d
    n = n + #d
    if n >= #PAYLOAD then ok = table.concat(got) == PAYLOAD; c:_end() end
  end)
  c:on('error', function() end)
  c:on('close', function()
    stats.good = stats.good + 1
    if not ok then
      stats.failed = stats.failed + 1
      stats.lost = stats.lost + #PAYLOAD - (ok and #PAYLOAD or math.min(n, #PAYLOAD))
    end
    k()
  end)
end

local abusers = {
  function(port, k)   -- garbage instead of a ClientHello
    local c = net.connect(port, '127.0.0.1')
    c:on('connect', function() c:_end('GET / HTTP/1.1\r\n\r\n' .. string.rep('\255', 64)) end)
    c:on('data', function() end)
    c:on('error', function() end)
    c:on('close', k)
  end,
  function(port, k)   -- a handshake, then gone
    local c
    c = tls.connect({ port = port, host = 'localhost', ca = CA }, function() c:destroy() end)
    c:on('error', function() end)
    c:on('close', k)
  end,
  function(port, k)   -- half a ClientHello, then a reset
    local c = net.connect(port, '127.0.0.1')
    c:on('connect', function() c:write(HELLO_START, function() c:resetAndDestroy() end) end)
    c:on('error', function() end)
    c:on('close', k)
  end,
  function(port, k)   -- silent: the server's deadline ends it
    local c = net.connect(port, '127.0.0.1')
    c:on('data', function() end)
    c:on('error', function() end)
    c:on('close', k)
  end,
}

steps.main(function()
  local server = cp.spawn(arg[-1], { 'bench/servers/soak.lua' })
  local port = steps.await(function(k)
    server.stdout:on('data', function(d) local p = d:match('PORT (%d+)'); if p then k(tonumber(p)) end end)
  end)
  local base_fds = fd_count(server.pid)
  local started, finished, rss10 = 0, 0, nil
  local t0 = require('luatls.core').now()
  steps.await(function(all_done)
    local function next_one()
      if started >= N then return end
      started = started + 1
      local i = started
      local run = i % 5 == 0 and abusers[(i // 5) % #abusers + 1] or good
      if run ~= good then stats.abusive = stats.abusive + 1 end
      run(port, function()
        finished = finished + 1
        if finished == N // 10 then rss10 = rss_kib(server.pid) end
        if finished % (N // 10) == 0 then
          io.stdout:write(('%d%% '):format(finished * 100 // N))
          io.stdout:flush()
        end
        if finished == N then return all_done() end
        next_one()
      end)
    end
    for _ = 1, math.min(IN_FLIGHT, N) do next_one() end
  end)
  local secs = (require('luatls.core').now() - t0) / 1000
  local rss100 = rss_kib(server.pid)
  -- the server closes its side when it sees each close: give it a moment to catch up
  local fds
  for _ = 1, 50 do
    fds = fd_count(server.pid)
    if fds == base_fds then break end
    steps.sleep(100)
  end
  server:kill()
  local drift = (rss100 - rss10) * 100 / rss10
  print('')
  print(('soak: %d connections in %.1f s (%.0f/s), %d good, %d abusive'):format(N, secs, N / secs, stats.good, stats.abusive))
  print(('failed good clients: %d; bytes lost: %d'):format(stats.failed, stats.lost))
  print(('server RSS at 10 %%: %d KiB, at 100 %%: %d KiB, drift %+.2f %%'):format(rss10, rss100, drift))
  print(('server fds: baseline %d, after %d'):format(base_fds, fds))
  local ok = stats.failed == 0 and stats.lost == 0 and math.abs(drift) < 5 and fds == base_fds
  print(ok and 'PASS' or 'FAIL')
  process.exit(ok and 0 or 1)
end)
