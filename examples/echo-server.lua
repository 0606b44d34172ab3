-- The classic Node.js TLS echo server, in Lua: client certificates are
-- requested, and every line is echoed back.
--   build/luatls examples/echo-server.lua        (PORT=8000 by default)
local tls = require('tls')
local fs = require('fs')

local dir = process.env.CERTS or 'certs'
local options = {
  key = fs.readFileSync(dir .. '/server-key.pem'),
  cert = fs.readFileSync(dir .. '/server-cert.pem'),
  -- only for client-certificate authentication
  requestCert = true,
  ca = { fs.readFileSync(dir .. '/ca-cert.pem') },
}

local server = tls.createServer(options, function(socket)
  console.log('server connected', socket.authorized and 'authorized' or 'unauthorized')
  -- a client that resets the connection must not end the server: an 'error'
  -- that nobody listens to is raised, as in Node
  socket:on('error', function(err) console.error('socket error:', err) end)
  socket:write('welcome!\n')
  socket:pipe(socket)
end)

server:listen(tonumber(process.env.PORT) or 8000, function()
  console.log('server bound')
end)

return server
