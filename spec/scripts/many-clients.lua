-- Opens arg[2] TLS connections to 127.0.0.1:arg[1], 64 handshakes in flight,
-- keeps each until the server ends it, then exits; "error CODE" on a failure.
local tls = require('tls')
local fs = require('fs')

local port, total = tonumber(arg[1]), tonumber(arg[2])
local ca = fs.readFileSync('certs/ca-cert.pem')
local started = 0

local function one()
  started = started + 1
  local c
  c = tls.connect({ port = port, host = 'localhost', ca = ca }, function()
    if started < total then one() end
  end)
  c:on('data', function() end)
  c:on('error', function(e)
    print('error ' .. tostring(e.code))
    process.exit(1)
  end)
end

for _ = 1, math.min(64, total) do one() end
