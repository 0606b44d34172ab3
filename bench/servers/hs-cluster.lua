-- S7 server: bench/servers/hs.lua's handshake server on WORKERS cluster workers sharing
-- one port. The primary prints "WORKER pid" for each and "PORT n" once all listen; each
-- worker prints "STATS pid full resumed" four times a second. arg[1]: rsa | ecdsa
local cluster = require('cluster')
local tls = require('tls')
local fs = require('fs')

if cluster.isPrimary then
  local n = tonumber(process.env.WORKERS) or 1
  -- one port for all: a free one, picked here (port 0 would differ in each worker)
  local probe = require('net').createServer()
  probe:listen(0, '127.0.0.1', function()
    local port = probe:address().port
    probe:close()
    local listening = 0
    for _ = 1, n do
      local w = cluster.fork({ PORT = tostring(port) })
      print('WORKER ' .. w.process.pid)
      w:once('listening', function()
        listening = listening + 1
        if listening == n then print('PORT ' .. port) end
      end)
    end
  end)
  return
end

local kind = arg[1] == 'rsa' and 'server' or 'ecdsa-server'
local full, resumed = 0, 0
local server = tls.createServer({
  key = fs.readFileSync('certs/' .. kind .. '-key.pem'),
  cert = fs.readFileSync('certs/' .. kind .. '-cert.pem'),
}, function(socket)
  if socket:isSessionReused() then resumed = resumed + 1 else full = full + 1 end
  socket:on('error', function() end)
  socket:on('data', function() end)
end)
server:on('tlsClientError', function() end)
server:listen(tonumber(process.env.PORT), '127.0.0.1')
setInterval(function()
  io.stdout:write(('STATS %d %d %d\n'):format(process.pid, full, resumed))
  io.stdout:flush()
end, 250):unref()
