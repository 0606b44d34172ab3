-- ALPN: the server offers h2 and http/1.1 in its order of preference; each
-- client gets the first of the server's protocols that it also speaks.
--   build/luatls examples/alpn.lua
local tls = require('tls')
local fs = require('fs')

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
  ALPNProtocols = { 'h2', 'http/1.1' },
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end('speaking ' .. tostring(socket.alpnProtocol) .. '\n')
end)

server:listen(0, '127.0.0.1', function()
  local offers, left = { { 'http/1.1' }, { 'http/1.1', 'h2' }, { 'spdy/3' } }, 3
  for _, offer in ipairs(offers) do
    local c = tls.connect({ port = server:address().port, host = 'localhost',
      ca = fs.readFileSync('certs/ca-cert.pem'), ALPNProtocols = offer })
    c:on('data', function(d) io.write(table.concat(offer, ','), ': ', d) end)
    c:on('error', function(err) print(table.concat(offer, ',') .. ': ' .. err.code) end)
    c:on('close', function()
      left = left - 1
      if left == 0 then server:close() end
    end)
  end
end)
