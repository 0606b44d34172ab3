-- examples/starttls-client.lua written as one sequential task with
-- luatls.async: greeting, EHLO, STARTTLS, then the same conversation over TLS.
-- Each step reads the server's reply before the next is sent; there is no
-- state machine, and a reply that is not the expected one is an error.
--   PORT=2525 build/luatls examples/starttls-server.lua &
--   PORT=2525 build/luatls examples/smtp-starttls-async.lua
local async = require('luatls.async')
local fs = require('fs')

-- one SMTP reply: lines "250-..." continue it, "250 ..." ends it; each line is
-- printed, and the reply's code must be the expected one
local function reply(s, expected)
  while true do
    local line = s:readLine()
    if not line then error('the server closed the connection', 0) end
    print('S: ' .. line)
    local code, sep = line:match('^(%d%d%d)([ -]?)')
    if code and sep ~= '-' then
      if code ~= expected then error(('expected %s, got: %s'):format(expected, line), 0) end
      return line
    end
  end
end

async.run(function()
  -- timeout: no step of this conversation may take longer than 5 s
  local s = async.net.connect({ port = tonumber(process.env.PORT) or 2525, host = '127.0.0.1', timeout = 5000 })
  reply(s, '220')
  s:writeAsync('EHLO client.example\r\n')
  reply(s, '250')
  s:writeAsync('STARTTLS\r\n')
  reply(s, '220')
  s = s:starttls({ servername = 'localhost', ca = fs.readFileSync('certs/ca-cert.pem') })
  print('secure: ' .. s:getProtocol() .. ' ' .. (s.authorized and 'authorized' or 'unauthorized'))
  s:writeAsync('EHLO client.example\r\n')
  reply(s, '250')
  s:writeAsync('hello over TLS\r\n')
  reply(s, '250')
  s:writeAsync('QUIT\r\n')
  reply(s, '221')
  s:endAsync()
end):catch(function(err)
  -- ECONNREFUSED, ETIMEDOUT, a certificate the CA did not sign, a reply out of turn
  console.error('smtp: ' .. tostring(err))
  process.exitCode = 1
end)
