-- A small SMTP-like server that starts in plain text and upgrades to TLS on
-- STARTTLS, as SMTP, IMAP and XMPP do. After the upgrade it answers EHLO,
-- echoes other lines as "250 <line>", and ends on QUIT.
--   PORT=2525 build/luatls examples/starttls-server.lua
--   openssl s_client -starttls smtp -connect 127.0.0.1:2525 -CAfile certs/ca-cert.pem
local net = require('net')
local tls = require('tls')
local fs = require('fs')

local ctx = tls.createSecureContext({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
})

-- calls on_line(line) for every CRLF- or LF-terminated line of a stream
local function lines(stream, on_line)
  local buf = ''
  local function on_data(d)
    buf = buf .. d
    while true do
      local line, rest = buf:match('^(.-)\r?\n(.*)$')
      if not line then return end
      buf = rest
      if on_line(line) == 'stop' then
        stream:removeListener('data', on_data)
        stream:unshift(buf)   -- whatever came after belongs to the next reader
        return
      end
    end
  end
  stream:on('data', on_data)
end

local function secure_session(socket)
  local secure = tls.TLSSocket(socket, { isServer = true, secureContext = ctx })
  secure:on('secure', function() console.log('upgraded to', secure:getProtocol()) end)
  secure:on('error', function(err) console.error('TLS error:', err.code) end)
  lines(secure, function(line)
    local cmd = line:upper()
    if cmd:match('^EHLO') or cmd:match('^HELO') then secure:write('250 luatls at your service\r\n')
    elseif cmd == 'QUIT' then secure:_end('221 2.0.0 Bye\r\n')
    else secure:write('250 ' .. line .. '\r\n') end
  end)
end

local server = net.createServer(function(socket)
  -- a client that resets the connection must not end the server (after the
  -- upgrade, the TLS socket has its own listener)
  socket:on('error', function(err) console.error('socket error:', err) end)
  socket:write('220 luatls ESMTP ready\r\n')
  lines(socket, function(line)
    local cmd = line:upper()
    if cmd:match('^EHLO') or cmd:match('^HELO') then
      socket:write('250-luatls\r\n250 STARTTLS\r\n')
    elseif cmd == 'STARTTLS' then
      socket:write('220 2.0.0 Ready to start TLS\r\n')
      secure_session(socket)
      return 'stop'
    elseif cmd == 'QUIT' then
      socket:_end('221 2.0.0 Bye\r\n')
    else
      socket:write('530 5.7.0 Must issue a STARTTLS command first\r\n')
    end
  end)
end)

server:listen(tonumber(process.env.PORT) or 2525, '127.0.0.1', function()
  console.log('listening on', server:address().port)
end)

return server
