-- The classic Node.js TLS echo client, in Lua: authenticates with a client
-- certificate, sends a message, prints what comes back.
--   build/luatls examples/echo-client.lua [message]   (PORT=8000 by default)
local tls = require('tls')
local fs = require('fs')

local dir = process.env.CERTS or 'certs'
local message = (...) or 'hello from luatls'
local options = {
  -- only for servers that require client-certificate authentication
  key = fs.readFileSync(dir .. '/client-key.pem'),
  cert = fs.readFileSync(dir .. '/client-cert.pem'),
  -- only because the server uses a certificate of our own test CA
  ca = { fs.readFileSync(dir .. '/ca-cert.pem') },
}

local received = ''
-- the callback gets the socket (Lua has no `this`), as every connect callback does
local socket = tls.connect(tonumber(process.env.PORT) or 8000, options, function(socket)
  console.log('client connected', socket.authorized and 'authorized' or 'unauthorized')
  socket:write(message .. '\n')
end)

socket:on('data', function(data)
  io.stdout:write(data)
  received = received .. data
  -- the welcome line, then our message echoed: we are done
  if received:find(message .. '\n', 1, true) then socket:_end() end
end)

socket:on('end', function()
  console.log('server ends connection')
end)

return socket
