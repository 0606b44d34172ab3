-- S4 server: echoes everything; arg[1] is the one cipher it allows.
local tls = require('tls')
local fs = require('fs')
local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
  ciphers = arg[1],
}, function(socket)
  socket:pipe(socket)
  socket:on('error', function() end)
end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
