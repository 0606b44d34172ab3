-- The soak server: a TLS echo server with a 1 s handshake deadline; bad
-- clients are counted, not printed.
local tls = require('tls')
local fs = require('fs')
local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
  handshakeTimeout = 1000,
}, function(socket)
  socket:pipe(socket)
  socket:on('error', function() end)
end)
server:on('tlsClientError', function() end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
