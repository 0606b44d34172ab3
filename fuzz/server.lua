-- P4: raw client flights into a luatls server with its hooks on (SNI,
-- ALPN, OCSP, sessions, PSK), over a memory transport. The input is cut into
-- chunks whose sizes it chooses. Whatever arrives, the connection ends with
-- nothing left open and no error escaping.
local tls = require('tls')
local stream = require('stream')
local C = require('common')

local ctx = tls.createSecureContext({ key = C.cert('server-key.pem'), cert = C.cert('server-cert.pem') })
local server = tls.createServer({
  key = C.cert('server-key.pem'), cert = C.cert('server-cert.pem'),
  ALPNProtocols = { 'h2', 'http/1.1' },
  SNICallback = function(name, cb) cb(nil, name:find('^a') and ctx or nil) end,
  pskCallback = function(_, identity) if identity == 'fuzz' then return ('\1'):rep(32) end end,
  ciphers = 'PSK-AES128-GCM-SHA256:' .. tls.DEFAULT_CIPHERS,
})
server:on('OCSPRequest', function(_, _, cb) cb(nil, 'not a real response') end)
server:on('newSession', function(_, _, cb) cb() end)
server:on('resumeSession', function(_, cb) cb() end)
server:on('tlsClientError', function() end)

return function(data)
  local r = C.reader(data)
  local d = stream.Duplex()
  d._write = function() end
  local s = tls.TLSSocket(d, { isServer = true, server = server })
  s:on('error', function() end)
  s:on('data', function() end)
  while r.left() > 0 do
    d:push(r.bytes(r.byte() % 64 * 16 + 1))
    C.drain()
  end
  d:push(nil)
  C.drain()
  s:destroy()
  C.settle()
end
