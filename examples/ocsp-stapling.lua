-- OCSP stapling: the server staples a response for its certificate (here one
-- made by `openssl ocsp` in certs/), a client that asks receives it.
--   build/luatls examples/ocsp-stapling.lua
--   (or: openssl s_client -connect 127.0.0.1:PORT -status)
local tls = require('tls')
local fs = require('fs')

local response = fs.readFileSync('certs/server-ocsp.der')

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
  ca = fs.readFileSync('certs/ca-cert.pem'),
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end()
end)

-- certificate and issuer are DER; a real server would ask the responder named
-- in the certificate's infoAccess and cache the answer
server:on('OCSPRequest', function(certificate, issuer, cb)
  console.log('OCSPRequest for a certificate of', #certificate, 'bytes; issuer', issuer and #issuer or 'unknown')
  setTimeout(function() cb(nil, response) end, 5)
end)

server:listen(0, '127.0.0.1', function()
  local c = tls.connect({ port = server:address().port, host = 'localhost', requestOCSP = true,
    ca = fs.readFileSync('certs/ca-cert.pem') })
  c:on('OCSPResponse', function(der)
    console.log('stapled OCSP response:', der and #der .. ' bytes' or 'none', der == response and '(as sent)' or '')
  end)
  c:on('data', function() end)
  c:on('close', function() server:close() end)
end)
