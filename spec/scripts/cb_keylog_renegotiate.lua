-- F26: a server's 'keylog' listener calls renegotiate() on a TLS 1.2
-- connection, i.e. from inside OpenSSL's own SSL_do_handshake on that SSL.
-- Once OpenSSL has returned the renegotiation must run: the client completes a
-- second handshake ('secure'), the server's callback gets no error, and "hello"
-- is echoed. Prints one line per fact; the client ends once all three happened.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local C = require('cb_common')

C.guard(5000)
local server, client
local pending = 3   -- the echo, the client's second handshake, the server's callback
local function one_done()
  pending = pending - 1
  if pending == 0 then client:_end() end
end

server = tls.createServer(C.server_options({ maxVersion = 'TLSv1.2' }), function(s)
  s:on('error', function(e) C.say('server-error', C.code(e)) end)
  s:pipe(s)
end)
local asked = false
server:on('keylog', function(_, s)
  if asked then return end
  asked = true
  local ok = s:renegotiate({}, function(err)
    C.say('server-renegotiated', err and C.code(err) or 'ok')
    one_done()
  end)
  C.say('renegotiate-returned', ok)
end)

server:listen(0, '127.0.0.1', function()
  client = tls.connect({ port = server:address().port, host = 'localhost', ca = C.CA }, function()
    client:write('hello')
  end)
  local handshakes = 0
  client:on('secure', function()   -- a client emits 'secure' for each handshake, the first one too
    handshakes = handshakes + 1
    if handshakes < 2 then return end
    C.say('client-renegotiated')
    one_done()
  end)
  client:on('data', function(d)
    C.say('echo', d)
    one_done()
  end)
  client:on('error', function(e) C.say('client-error', C.code(e)) end)
  client:on('close', function() server:close() end)
end)
