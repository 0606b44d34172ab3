-- TLS with a pre-shared key instead of certificates (TLS 1.2 PSK ciphers and
-- TLS 1.3 external PSK). Try it with OpenSSL too:
--   openssl s_client -connect 127.0.0.1:PORT -psk 0b0b...0b -psk_identity alice -tls1_2 -cipher PSK-AES128-GCM-SHA256
local tls = require('tls')

local keys = { alice = string.rep('\x0b', 32) }

local server = tls.createServer({
  ciphers = 'PSK-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
  pskIdentityHint = 'example-hint',
  pskCallback = function(_, identity) return keys[identity] end,   -- nil refuses
}, function(socket)
  socket:on('error', function(err) console.error('socket error:', err) end)   -- a peer's reset is not fatal
  socket:_end('hello over ' .. socket:getProtocol() .. ' ' .. socket:getCipher().name .. '\n')
end)

server:listen(0, '127.0.0.1', function()
  local versions, left = { 'TLSv1.2', 'TLSv1.3' }, 2
  for _, v in ipairs(versions) do
    local c = tls.connect({
      port = server:address().port, host = '127.0.0.1', minVersion = v, maxVersion = v,
      ciphers = 'PSK-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256',
      pskCallback = function() return { identity = 'alice', psk = keys.alice } end,
    })
    c:on('data', function(d) io.write(d) end)
    c:on('close', function()
      left = left - 1
      if left == 0 then server:close() end
    end)
  end
end)
