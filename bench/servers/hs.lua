-- S1/S2 server: TLS handshakes only. Counts full and resumed handshakes and
-- prints "STATS full resumed" four times a second. arg[1]: rsa | ecdsa
local tls = require('tls')
local fs = require('fs')
local kind = arg[1] == 'ecdsa' and 'ecdsa-server' or 'server'
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
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
setInterval(function() print(('STATS %d %d'):format(full, resumed)) end, 250):unref()
