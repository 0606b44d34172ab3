-- One server of a fleet for spec/fleet_spec.lua: a TLS server that keeps its
-- sessions (and, with 'tickets', takes its ticket keys) in the Redis on port
-- arg[1]. arg[2]: 'ids' (TLS 1.2 session ids), 'tls13' (TLS 1.3 stateful
-- sessions), 'tickets', or 'cluster' (tickets, in one worker of a cluster whose primary
-- takes the keys from Redis); arg[3]: the ticket key rotation in seconds.
-- Prints "port P" once it listens and "keys NAME" each time its ticket keys change.
local tls = require('tls')
local fs = require('fs')
local redis = require('redis')
local crypto = require('crypto')

local redis_port, mode, rotation = tonumber(arg[1]), arg[2], tonumber(arg[3])
local cluster = require('cluster')
if mode == 'cluster' and cluster.isPrimary then
  cluster.setupPrimary({ ticketKeyRotation = 0 })
  local client = redis.createClient({ port = redis_port, reconnect = { initial = 20, max = 100 } })
  local keys = tls.sessionStore.redisTicketKeys({ client = client, rotation = rotation or 3600 })
  keys:attach(cluster.setTicketKeys)
  keys:on('keys', function(cur) console.log('keys ' .. (cur:sub(1, 16):gsub('.', function(c) return ('%02x'):format(c:byte()) end))) end)
  cluster.fork()
  -- killed by the spec; its worker exits when the channel ends
  return
end
local client = redis.createClient({ port = redis_port, reconnect = { initial = 20, max = 100 } })
local options = {
  key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem'),
  -- every server of the fleet must agree on it, or OpenSSL refuses the others' sessions
  sessionIdContext = 'fleet-spec',
}
if mode == 'ids' then options.maxVersion = 'TLSv1.2' end
if mode == 'ids' or mode == 'tls13' then options.secureOptions = crypto.constants.SSL_OP_NO_TICKET end

if mode == 'cluster' then
  local server = tls.createServer(options, function(s) s:on('error', function() end); s:_end('hi') end)
  return server:listen(0, '127.0.0.1', function() console.log('port ' .. server:address().port) end)
end

local server = tls.createServer(options, function(s)
  s:on('error', function() end)
  s:_end('hi')
end)
server:on('tlsClientError', function() end)
if mode == 'tickets' then
  local keys = tls.sessionStore.redisTicketKeys({ client = client, rotation = rotation or 3600 })
  keys:on('keys', function(cur) console.log('keys ' .. (cur:sub(1, 16):gsub('.', function(c) return ('%02x'):format(c:byte()) end))) end)
  keys:attach(server)
else
  tls.sessionStore.redis({ client = client, timeout = 50 }):attach(server)
end
server:listen(0, '127.0.0.1', function() console.log('port ' .. server:address().port) end)
