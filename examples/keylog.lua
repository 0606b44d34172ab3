-- Key logging in the NSS format that Wireshark reads: the server's 'keylog'
-- event gives every line with the socket it belongs to.
--   build/luatls examples/keylog.lua /tmp/keys.log
--   (or for any script: build/luatls --tls-keylog=/tmp/keys.log script.lua,
--    or SSLKEYLOGFILE=/tmp/keys.log build/luatls script.lua)
local tls = require('tls')
local fs = require('fs')

local file = ... or os.tmpname()

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end('secret data\n')
end)

server:on('keylog', function(line, socket)
  fs.appendFileSync(file, line)
  console.log('keylog from', socket.remoteAddress .. ':' .. socket.remotePort, line:match('^%S+'))
end)

server:listen(0, '127.0.0.1', function()
  local c = tls.connect(server:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') })
  c:on('data', function() end)
  c:on('close', function()
    server:close()
    console.log('key log written to', file)
  end)
end)
