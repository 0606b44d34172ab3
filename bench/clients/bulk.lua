-- S4 client: sends MiB mebibytes through a TLS echo and reads them back;
-- prints "MBPS <MB/s>". arg: port cipher MiB
local tls = require('tls')
local fs = require('fs')
local port, cipher, mib = tonumber(arg[1]), arg[2], tonumber(arg[3]) or 256
local size = mib * 1024 * 1024
local block = string.rep('b', 65536)
local sent, received, start = 0, 0, nil
local c = tls.connect({ port = port, host = 'localhost', ca = fs.readFileSync('certs/ca-cert.pem'),
  ciphers = cipher, allowHalfOpen = true })
local function pump()
  while sent < size do
    sent = sent + #block
    if not c:write(block) then return end
  end
end
c:on('secureConnect', function() start = process.hrtime.bigint(); pump() end)
c:on('drain', pump)
c:on('data', function(d)
  received = received + #d
  if received >= size then
    local secs = (process.hrtime.bigint() - start) / 1e9
    print(('MBPS %.1f'):format(size / 1e6 / secs))
    c:destroy()
  end
end)
