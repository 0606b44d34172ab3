-- One server, several certificates: addContext for fixed names, and an
-- SNICallback that could fetch a certificate from anywhere (here: a timer).
--   build/luatls examples/sni-server.lua
local tls = require('tls')
local fs = require('fs')

local function pem(name) return fs.readFileSync('certs/' .. name) end

local default = { key = pem('server-key.pem'), cert = pem('server-cert.pem') }
local wrong = tls.createSecureContext({ key = pem('wronghost-key.pem'), cert = pem('wronghost-cert.pem') })

local server = tls.createServer({
  key = default.key, cert = default.cert,
  -- asked for every handshake that names a server; may answer later
  SNICallback = function(servername, cb)
    setTimeout(function()
      if servername == 'wrong.example' then cb(nil, wrong) else cb(nil, nil) end   -- nil: the default
    end, 10)
  end,
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end('you asked for ' .. tostring(socket.servername) .. '\n')
end)

server:listen(0, '127.0.0.1', function()
  local port = server:address().port
  local names, left = { 'localhost', 'wrong.example' }, 2
  for _, name in ipairs(names) do
    local c = tls.connect({ port = port, host = '127.0.0.1', servername = name, ca = pem('ca-cert.pem') }, function(socket)
      console.log(name, '->', socket:getPeerCertificate().subject.CN, socket.authorized and 'authorized' or 'unauthorized')
    end)
    c:on('data', function(d) io.write(d) end)
    c:on('close', function()
      left = left - 1
      if left == 0 then server:close() end
    end)
  end
end)
