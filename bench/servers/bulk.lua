-- S4b server: answers a request with arg[1] MiB written from memory in 64 KiB
-- blocks, waiting for 'drain' whenever write returns false.
local tls = require('tls')
local fs = require('fs')
local MIB = tonumber(arg[1]) or 512
local block = string.rep('b', 65536)
local HEAD = ('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n')
  :format(MIB * 1048576)
local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
}, function(socket)
  local pending, left = '', 0
  local function pump()
    while left > 0 do
      left = left - 1
      if not socket:write(block) then return end
    end
  end
  socket:on('drain', pump)
  socket:on('data', function(d)
    pending = pending .. d
    if not pending:find('\r\n\r\n', 1, true) then return end
    pending, left = '', MIB * 16
    socket:write(HEAD)
    pump()
  end)
  socket:on('error', function() end)
end)
server:listen(0, '127.0.0.1', function() print('PORT ' .. server:address().port) end)
