-- F32, run by build/luatls-faults: an echo server whose process must survive
-- running out of memory at two places that are not inside a protected call.
--   arg[1] = 'ssl_new': OpenSSL's next allocation after "port" is printed
--     fails, which is SSL_new's for the next accepted connection.
--   arg[1] = 'keylog': for a connection that asks for the name keylog-oom.test
--     the SNICallback answers, then makes Lua's next allocation (and Lua's
--     retry after an emergency collection) fail: that is the push of the first
--     keylog line, inside OpenSSL's handshake.
-- Prints "port P", "tlsClientError CODE" for failed handshakes, and for each
-- connection that completes "secure S L" (the OpenSSL and Lua allocations
-- failed so far).
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local faults = require('luatls.faults')
local C = require('cb_common')

local mode = arg[1]
local server = tls.createServer({
  key = C.cert('ecdsa-server-key.pem'), cert = C.cert('ecdsa-server-cert.pem'),
  SNICallback = function(name, cb)
    cb(nil, nil)
    if mode == 'keylog' and name == 'keylog-oom.test' then faults.lua(0, 2) end
  end,
}, function(s)
  C.say('secure', faults.failed())
  s:on('error', function() end)
  s:pipe(s)
end)
if mode == 'keylog' then server:on('keylog', function() end) end
server:on('tlsClientError', function(e) C.say('tlsClientError', C.code(e)) end)
server:listen(0, '127.0.0.1', function()
  C.say('port', server:address().port)
  if mode == 'ssl_new' then faults.openssl(0) end
end)
