-- A server that keeps TLS sessions in a Lua table through the two session
-- hooks, and a client that saves its session and reconnects with it.
--   build/luatls examples/session-cache.lua
local tls = require('tls')
local fs = require('fs')
local crypto = require('crypto')

local store = {}   -- session id -> session data; any store works (a file, Redis, ...)

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
  -- session ids instead of tickets, so the server keeps the state
  secureOptions = crypto.constants.SSL_OP_NO_TICKET,
  maxVersion = 'TLSv1.2',
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end('hello\n')
end)

server:on('newSession', function(id, data, cb)
  store[id] = data
  console.log('stored a session of', #data, 'bytes')
  cb()   -- the connection goes on once the session is stored
end)

server:on('resumeSession', function(id, cb)
  cb(nil, store[id])   -- nil: unknown, a full handshake follows
end)

local function connect(session, next)
  local socket = tls.connect({ port = server:address().port, host = 'localhost', session = session,
    ca = fs.readFileSync('certs/ca-cert.pem') }, function(socket)
    console.log('reused: ' .. tostring(socket:isSessionReused()))
  end)
  local saved
  socket:on('session', function(s) saved = s end)   -- save it, to a file if you like
  socket:on('data', function() end)
  socket:on('close', function() next(saved) end)
end

server:listen(0, '127.0.0.1', function()
  connect(nil, function(session)
    connect(session, function() server:close() end)
  end)
end)
