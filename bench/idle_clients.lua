-- Idle TLS connections for the memory figures (S5 of bench/run.lua, make rss),
-- made the same way against every server.
--
-- A connection counts once the server has finished its handshake: the client
-- waits for the server's first TLS 1.3 session ticket, which a server sends
-- only after it has read and checked the client's Finished. Nothing else is
-- sent: an HTTP server (nginx) would answer a stray byte with 400 and close
-- the connection, and be measured with connections it no longer holds.
-- Before its RSS is read, the server's side of every connection is checked in
-- /proc/net/tcp: established, nothing left unread, nothing unsent.
local tls = require('tls')
local fs = require('fs')

local M = {}

local AT_ONCE = 50
local TIMEOUT_MS = 300000

-- opens n connections to port, AT_ONCE at a time; done(clients) once the
-- server has finished the handshake of every one
function M.open(port, n, done)
  local ca = fs.readFileSync('certs/ca-cert.pem')
  local clients, ready, opened = {}, 0, 0
  if n == 0 then return done(clients) end
  local timer = setTimeout(function()
    error(('idle clients: %d of %d handshakes finished by the server'):format(ready, n))
  end, TIMEOUT_MS)
  local open
  local function finished()
    ready = ready + 1
    if ready == n then
      clearTimeout(timer)
      done(clients)
    elseif opened < n then
      open()
    end
  end
  open = function()
    opened = opened + 1
    local c = tls.connect(port, 'localhost', { ca = ca })
    clients[#clients + 1] = c
    local counted = false
    c:on('session', function()
      if not counted then counted = true; finished() end
    end)
    c:on('error', function(e) error('idle client: ' .. tostring(e)) end)
  end
  for _ = 1, math.min(AT_ONCE, n) do open() end
end

-- the server's side of the clients' connections to 127.0.0.1:port (every
-- server here listens there; other connections to the port, from another
-- program on the machine, are not counted): how many are established, and how
-- many of those have bytes waiting in either direction. /proc/net/tcp is read
-- while other sockets on the machine come and go, which can show a line twice:
-- each connection counts once.
function M.server_sockets(port, clients)
  local ours = {}
  for _, c in ipairs(clients) do ours[('0100007F:%04X'):format(c.localPort)] = true end
  local here = ('0100007F:%04X'):format(port)
  local seen, established, busy = {}, 0, 0
  for line in fs.readFileSync('/proc/net/tcp'):gmatch('[^\n]+') do
    -- sl local_address rem_address st tx_queue:rx_queue
    local loc, rem, st, tx, rx = line:match('^%s*%d+: (%x+:%x+) (%x+:%x+) (%x%x) (%x+):(%x+)')
    if loc == here and ours[rem] and not seen[rem] and st == '01' then
      seen[rem] = true
      established = established + 1
      if tonumber(tx, 16) > 0 or tonumber(rx, 16) > 0 then busy = busy + 1 end
    end
  end
  return established, busy
end

-- errors unless the server holds every client's connection, established and
-- quiet (three reads: a line can also be missed while the table changes)
function M.check(port, clients)
  local established, busy
  for _ = 1, 3 do
    established, busy = M.server_sockets(port, clients)
    if established == #clients and busy == 0 then return end
  end
  error(('idle clients: the server holds %d established connections (%d expected), %d with bytes waiting')
    :format(established, #clients, busy))
end

function M.close(clients)
  for _, c in ipairs(clients) do c:destroy() end
end

return M
