-- P3: an event schedule driving two connected TLS sockets, a luatls client
-- and a luatls server with an SNI hook, over a wire the input controls: how
-- many bytes cross each way and when, writes, ends, destroys, and how the hook
-- answers (now, later, twice, by raising, or only when the schedule says).
-- The server never receives a byte the client did not send; when nothing
-- failed, it receives all of them; and nothing is left open at the end.
local tls = require('tls')
local stream = require('stream')
local C = require('common')

local CA = C.cert('ca-cert.pem')
local mode, pending = 0, {}

local server = tls.createServer({
  key = C.cert('ecdsa-server-key.pem'), cert = C.cert('ecdsa-server-cert.pem'),   -- cheaper handshakes
  ALPNProtocols = { 'a', 'b' },
  SNICallback = function(_, cb)
    if mode == 0 then cb(nil, nil)
    elseif mode == 1 then setImmediate(function() cb(nil, nil) end)
    elseif mode == 2 then cb(nil, nil); cb(nil, nil)
    elseif mode == 3 then error('the hook raised')
    else pending[#pending + 1] = cb end
  end,
})
server:on('tlsClientError', function() end)

-- up to n bytes off the front of a queue of chunks
local function take(q, n)
  local all = table.concat(q)
  for i = #q, 1, -1 do q[i] = nil end
  if #all > n then q[1] = all:sub(n + 1) end
  return all:sub(1, n)
end

-- one end of the wire: its duplex, what it wrote, whether it ended
local function side()
  local e = { out = {}, ended = false, eof_sent = false, failed = false }
  e.duplex = stream.Duplex()
  e.duplex._write = function(_, chunk) e.out[#e.out + 1] = chunk end
  e.duplex._final = function() e.ended = true end
  return e
end

-- moves up to n bytes from one end's output to the other end's input, and
-- the end of the stream once all bytes before it have crossed
local function cross(from, to, n)
  local chunk = take(from.out, n)
  if #chunk > 0 and not to.eof_sent then to.duplex:push(chunk) end
  if from.ended and #from.out == 0 and not to.eof_sent then
    to.eof_sent = true
    to.duplex:push(nil)
  end
end

return function(data)
  local r = C.reader(data)
  mode, pending = r.int(5), {}
  local a, b = side(), side()   -- the client's end and the server's end
  local got, sent, secured = {}, {}, false
  local srv = tls.TLSSocket(b.duplex, { isServer = true, server = server })
  srv:on('secure', function() secured = true end)
  srv:on('data', function(d) got[#got + 1] = d end)
  srv:on('error', function() b.failed = true end)
  local cli = tls.connect({ socket = a.duplex, servername = 'localhost', ca = CA, ALPNProtocols = { 'b' } })
  cli:on('error', function() a.failed = true end)
  cli:on('data', function() end)
  local destroyed = false
  for _ = 1, r.int(48) + 1 do
    local op = r.int(10)
    if op <= 2 then cross(a, b, r.byte() * 4 + 1)
    elseif op <= 5 then cross(b, a, r.byte() * 4 + 1)
    elseif op == 6 then
      local msg = r.bytes(r.int(256))
      if not cli.destroyed and cli.writable then cli:write(msg); sent[#sent + 1] = msg end
    elseif op == 7 then
      if not srv.destroyed and srv.writable then srv:write(r.bytes(r.int(256))) end
    elseif op == 8 then
      if r.int(2) == 0 then cli:_end() else srv:_end() end
    else
      local which = r.int(4)
      if which <= 1 then
        for _, cb in ipairs(pending) do cb(nil, nil) end
        pending = {}
      elseif which == 2 then cli:destroy(); destroyed = true
      else srv:destroy(); destroyed = true end
    end
    C.drain()
  end
  -- answer what still waits, and let every byte cross
  for _, cb in ipairs(pending) do cb(nil, nil) end
  pending = {}
  for _ = 1, 200 do
    if #a.out == 0 and #b.out == 0 and (a.eof_sent or not b.ended) and (b.eof_sent or not a.ended) then break end
    cross(a, b, 1 << 20)
    cross(b, a, 1 << 20)
    C.drain()
  end
  local want, have = table.concat(sent), table.concat(got)
  C.invariant(want:sub(1, #have) == have, 'the server received bytes the client never sent')
  if secured and not destroyed and not a.failed and not b.failed then
    C.invariant(#have == #want, ('the server received %d of %d bytes'):format(#have, #want))
  end
  cli:destroy()
  srv:destroy()
  C.settle()
end
