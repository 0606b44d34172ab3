-- A TLS server that answers every connection with one line and closes it
-- (bench/resumption.lua). With an argument 'ids', sessions are kept by id.
local tls = require('tls')
local fs = require('fs')
local crypto = require('crypto')
local ids = arg[1] == 'ids'
local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
  secureOptions = ids and crypto.constants.SSL_OP_NO_TICKET or nil,
}, function(socket) socket:_end('hi\n') end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
