-- F30: a TLS 1.2 client whose 'session' listener destroys the socket. The
-- handshake that OpenSSL then finishes must not be reported on the closed
-- socket (reading its ALPN result there raises ERR_SOCKET_CLOSED, uncaught).
-- Node exits 0. Prints the events the client saw.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local C = require('cb_common')

C.guard(5000)
local server = tls.createServer(C.server_options({ maxVersion = 'TLSv1.2' }), function(s)
  s:on('error', function() end)
  s:pipe(s)
end)
server:on('tlsClientError', function() end)
server:listen(0, '127.0.0.1', function()
  local c = tls.connect({ port = server:address().port, host = 'localhost', ca = C.CA })
  c:on('session', function(der)
    C.say('session', type(der) == 'string' and #der > 0)
    c:destroy()
  end)
  c:on('error', function(e) C.say('client-error', C.code(e)) end)
  c:on('close', function()
    C.say('close')
    server:close()
  end)
end)
