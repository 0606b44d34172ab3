-- S3 server: a tiny HTTP/1.1 keep-alive responder on tls.createServer.
local tls = require('tls')
local fs = require('fs')
local RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok'
local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
}, function(socket)
  socket:setNoDelay(true)
  local pending = ''
  socket:on('data', function(d)
    pending = pending .. d
    local n = 0
    for _ in pending:gmatch('\r\n\r\n') do n = n + 1 end
    if n == 0 then return end
    pending = pending:match('.*\r\n\r\n(.*)$')
    socket:write(n == 1 and RESPONSE or RESPONSE:rep(n))
  end)
  socket:on('error', function() end)
end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
