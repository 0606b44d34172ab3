-- The client side of examples/starttls-server.lua: greeting, EHLO, STARTTLS,
-- then the same conversation over TLS.
--   PORT=2525 build/luatls examples/starttls-client.lua
local net = require('net')
local tls = require('tls')
local fs = require('fs')

local socket = net.connect(tonumber(process.env.PORT) or 2525, '127.0.0.1')
local buf, state = '', 'greeting'

local function upgrade()
  local secure = tls.connect({ socket = socket, servername = 'localhost',
    ca = fs.readFileSync('certs/ca-cert.pem') }, function(s)
    console.log('secure:', s:getProtocol(), s.authorized and 'authorized' or 'unauthorized')
    s:write('EHLO client.example\r\nhello over TLS\r\nQUIT\r\n')
  end)
  secure:on('data', function(d) io.write('S: ', d) end)
end

socket:on('data', function(d)
  buf = buf .. d
  for line in buf:gmatch('([^\n]*)\n') do
    io.write('S: ', line, '\n')
    if state == 'greeting' then
      state = 'ehlo'
      socket:write('EHLO client.example\r\n')
    elseif state == 'ehlo' and line:match('^250 ') then
      state = 'starttls'
      socket:write('STARTTLS\r\n')
    elseif state == 'starttls' and line:match('^220 ') then
      state = 'tls'
      socket:removeAllListeners('data')
      upgrade()
      return
    end
  end
  buf = buf:match('[^\n]*$')
end)
