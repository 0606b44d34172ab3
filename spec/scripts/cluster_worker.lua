-- A cluster worker for spec/cluster_spec.lua: a TLS server on $PORT whose every
-- connection is answered with this worker's pid, whether the session was resumed and
-- its ticket keys; messages are echoed back with the pid.
local cluster = require('cluster')
local tls = require('tls')
local fs = require('fs')
assert(cluster.isWorker and not cluster.isPrimary, 'not a worker')

local function hex(s) return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end)) end

local server
server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, function(socket)
  socket:_end(('pid=%d reused=%s keys=%s\n'):format(process.pid, tostring(socket:isSessionReused()),
    hex(server:getTicketKeys())))
end)
server:listen(tonumber(os.getenv('PORT')), '127.0.0.1')

process:on('message', function(m)
  if m == 'exit' then process.exit(tonumber(os.getenv('EXIT_CODE')) or 0) end
  if m == 'bye' then   -- a message, then exit once it is written
    process.send({ bye = process.pid }, function() process.exit(5) end)
    return
  end
  if m == 'reload' then   -- a new context: the shared ticket keys stay
    server:setSecureContext({
      key = fs.readFileSync('certs/server-key.pem'),
      cert = fs.readFileSync('certs/server-cert.pem'),
    })
    m = 'keys'
  end
  if m == 'migrates' then   -- whether closing hands this server's queue to the others
    process.send({ migrates = server._handle:migrates() })
    return
  end
  if m == 'keys' then
    process.send({ pid = process.pid, keys = hex(server:getTicketKeys()) })
    return
  end
  process.send({ pid = process.pid, id = cluster.worker.id, echo = m })
end)
