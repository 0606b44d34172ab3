-- A TLS server that accepts connections and keeps them idle (bench/idle-rss).
local tls = require('tls')
local fs = require('fs')
local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, function(sock) sock:on('data', function() end) end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
