-- A TLS server for bench/s8-redis.lua that answers every connection with one line and
-- closes it. Sessions by id (TLS 1.2 with SSL_OP_NO_TICKET, or TLS 1.3 stateful):
-- with arg[1] a Redis port, kept in that Redis (tls.sessionStore.redis); with
-- arg[1] 'local', in the server's own cache. arg[2]: 'tls12' or 'tls13'.
local tls = require('tls')
local fs = require('fs')
local crypto = require('crypto')

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
  secureOptions = crypto.constants.SSL_OP_NO_TICKET,
  maxVersion = arg[2] == 'tls12' and 'TLSv1.2' or nil,
  sessionIdContext = 'bench-s8',
}, function(socket) socket:_end('hi\n') end)
server:on('tlsClientError', function() end)

local function listen() server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end) end
if arg[1] == 'local' then return listen() end
local client = require('redis').createClient({ port = tonumber(arg[1]) })
tls.sessionStore.redis({ client = client, timeout = 50 }):attach(server)
client:once('ready', listen)
