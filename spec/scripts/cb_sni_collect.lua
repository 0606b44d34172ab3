-- F28: an SNICallback that answers at once (cb called inside the callback)
-- makes the core drive the handshake again through the stream's write
-- watcher; then the same callback destroys the socket, and the socket is
-- collected before the loop gets to that watcher. The watcher must not be
-- run on freed memory (AddressSanitizer reports it; in the normal build the
-- freed memory is handed out again, as zeros, so the stale watcher crashes).
-- The socket runs TLS over a memory duplex, so a timer callback can feed it
-- the ClientHello and collect it before returning to the loop. Then a real
-- client is echoed by the same server. Prints "collected", "echo ping".
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local stream = require('stream')
local C = require('cb_common')

C.guard(5000)

-- the first bytes of a luatls client, caught on a memory duplex
local function client_hello(k)
  local d = stream.Duplex()
  local c
  d._write = function(_, chunk)
    if not c then return end
    local x = c
    c = nil
    x:destroy()
    k(chunk)
  end
  c = tls.connect({ socket = d, servername = 'localhost', ca = C.CA })
  c:on('error', function() end)
end

local doomed
local server = tls.createServer(C.server_options({
  SNICallback = function(_, cb)
    cb(nil, nil)   -- answered at once
    if doomed then
      local s = doomed
      doomed = nil
      s:destroy()
    end
  end,
}), function(s) s:pipe(s) end)
server:on('tlsClientError', function(e) C.say('tlsClientError', C.code(e)) end)

local function spray()
  -- whatever is allocated now may get the memory just freed: fill it with zeros
  local junk = {}
  for n = 8, 1024, 8 do
    for _ = 1, 8 do junk[#junk + 1] = string.rep('\0', n) end
  end
  return junk
end

local function feed_doomed(hello)
  local d = stream.Duplex()
  local s = tls.TLSSocket(d, { isServer = true, server = server })
  s:on('close', function()
    process.nextTick(function()
      collectgarbage()
      collectgarbage()
      _G.junk = spray()
      C.say('collected')
    end)
  end)
  doomed = s
  d:push(hello)   -- the handshake runs inside this call
end

server:listen(0, '127.0.0.1', function()
  local port = server:address().port
  client_hello(function(hello)
    setImmediate(function()
      feed_doomed(hello)
      hello = nil
      -- after this callback returns: the socket's 'close', the collection, and then
      -- the loop runs whatever watchers are still pending
      setTimeout(function()
        local c
        c = tls.connect({ port = port, host = 'localhost', ca = C.CA }, function() c:write('ping') end)
        c:on('data', function(x) C.say('echo', x); c:_end() end)
        c:on('error', function(e) C.say('client-error', C.code(e)) end)
        c:on('close', function() server:close() end)
      end, 10)
    end)
  end)
end)
