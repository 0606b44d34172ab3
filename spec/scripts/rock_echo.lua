-- Run by stock lua5.4 with the luatls rock on its paths (spec/rock_spec.lua):
-- one TLS echo over loopback, server and client in this process, then the
-- loop ends by itself. Prints what it saw; exits 0 when the echo came back.
--   lua5.4 rock_echo.lua CERTS_DIR
local runtime = require('luatls.runtime')   -- console, process, setTimeout, ... as globals
local tls = require('tls')
local fs = require('fs')

local dir = assert(..., 'usage: lua5.4 rock_echo.lua CERTS_DIR')
local function cert(name) return fs.readFileSync(dir .. '/' .. name) end

local echoed = ''
local server = tls.createServer({ key = cert('server-key.pem'), cert = cert('server-cert.pem') },
  function(socket) socket:pipe(socket) end)

server:listen(0, '127.0.0.1', function()
  local port = server:address().port
  local client
  client = tls.connect(port, '127.0.0.1', { ca = cert('ca-cert.pem'), servername = 'localhost' },
    function()
      console.log('connected', client:getProtocol(), client.authorized and 'authorized' or 'unauthorized')
      client:_end('hello over TLS\n')
    end)
  client:on('data', function(d) echoed = echoed .. d end)
  client:on('close', function()
    console.log('echoed', (echoed:gsub('\n$', '')))
    server:close()
  end)
end)

-- the one call that runs the loop: ticks, then libev until nothing is left
local code = runtime.run(function() end)
console.log('loop ended', code, package.searchpath('tls', package.path))
if echoed ~= 'hello over TLS\n' then code = 1 end
os.exit(code)
