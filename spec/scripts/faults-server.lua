-- A TLS echo server run by build/luatls-faults for F25. From its first
-- connection on, the connection numbered k makes OpenSSL's allocation number
-- 1 + STEP * (k - 1) after the accept fail, up to arg[1] connections. An
-- SNICallback asked for "oom.test" runs out of Lua memory.
-- Prints "port P fds F", a "tlsClientError CODE" line for each failed
-- handshake, and "idle N fds F" when its last connection closes, N being the
-- handshakes completed so far.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local fs = require('fs')
local faults = require('luatls.faults')

local sweep, STEP = tonumber(arg[1]), 3
local accepted, open, secured = 0, 0, 0

local fds = require('fds')

local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
  SNICallback = function(name, cb)
    if name == 'oom.test' then
      faults.lua(0, 2)   -- Lua collects and tries again once: fail both
      local _ = { name }
    end
    cb(nil, nil)
  end,
}, function(s)
  open, secured = open + 1, secured + 1
  s:on('error', function() end)
  s:on('close', function()
    open = open - 1
    if open == 0 then print(('idle %d fds %d'):format(secured, fds())) end
  end)
  s:pipe(s)
end)
server:on('connection', function()
  accepted = accepted + 1
  if accepted <= sweep then faults.openssl(1 + STEP * (accepted - 1)) end
end)
server:on('tlsClientError', function(e) print('tlsClientError ' .. tostring(e.code or e.message)) end)
server:listen(0, '127.0.0.1', function() print(('port %d fds %d'):format(server:address().port, fds())) end)
