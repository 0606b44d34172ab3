-- S3 server: a tiny HTTP/1.1 keep-alive responder on tls.createServer.
local tls = require('tls')
local fs = require('fs')
-- the same bytes as nginx's `return 200 "ok"` (bench/anchors.lua)
local RESPONSE = 'HTTP/1.1 200 OK\r\nServer: bench\r\nDate: Wed, 02 Dec 2026 06:00:00 GMT\r\n'
  .. 'Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok'
local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
}, function(socket)
  socket:setNoDelay(true)
  local pending = ''
  -- complete requests end with an empty line: count them with plain finds, keep the rest
  socket:on('data', function(d)
    if pending ~= '' then d = pending .. d end
    local n, at = 0, 1
    while true do
      local e = d:find('\r\n\r\n', at, true)
      if not e then break end
      n, at = n + 1, e + 4
    end
    pending = at > #d and '' or d:sub(at)
    if n > 0 then socket:write(n == 1 and RESPONSE or RESPONSE:rep(n)) end
  end)
  socket:on('error', function() end)
end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
