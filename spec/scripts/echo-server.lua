-- A TLS echo server for the fault specs that need a process of their own.
-- Prints "port P fds F" once it listens and "idle fds F" each time its last
-- connection has closed, F being its open fds. With arg[1] = N it holds the
-- first N connections, prints "open N fds F" once all N are up, then ends them.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local fs = require('fs')

local hold = tonumber(arg[1])
local open, held = 0, {}

local fds = require('fds')

local server = tls.createServer({
  key = fs.readFileSync('certs/ecdsa-server-key.pem'),
  cert = fs.readFileSync('certs/ecdsa-server-cert.pem'),
  -- short, to shed silent connections (F15); Node's default while holding many (F16), which queue
  handshakeTimeout = hold and 120000 or 300,
}, function(s)
  open = open + 1
  s:on('error', function() end)
  s:on('close', function()
    open = open - 1
    if open == 0 then print('idle fds ' .. fds()) end
  end)
  if not hold then return s:pipe(s) end
  s:on('data', function() end)
  held[#held + 1] = s
  if #held == hold then
    print(('open %d fds %d'):format(hold, fds()))
    for _, h in ipairs(held) do h:_end() end
    hold, held = nil, nil
  end
end)
server:on('tlsClientError', function() end)
server:listen(0, '127.0.0.1', function() print(('port %d fds %d'):format(server:address().port, fds())) end)
