-- P1: options -> a secure context and a server. The input chooses keys and
-- values (bytes, a test certificate cut anywhere, numbers, booleans, lists).
-- Either a context comes back or an error object with a code: never a plain
-- Lua error, never an abort.
local tls = require('tls')
local C = require('common')

local KEYS = { 'key', 'cert', 'ca', 'crl', 'pfx', 'passphrase', 'ciphers', 'ecdhCurve', 'dhparam', 'sigalgs',
  'minVersion', 'maxVersion', 'secureProtocol', 'secureOptions', 'sessionIdContext', 'honorCipherOrder',
  'ticketKeys', 'sessionTimeout', 'ALPNProtocols', 'requestCert', 'handshakeTimeout', 'pskIdentityHint' }
local WORDS = { 'TLSv1.2', 'TLSv1.3', 'TLSv1', 'DEFAULT', 'DEFAULT@SECLEVEL=0', 'P-256:X25519', 'auto',
  'ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256', 'TLSv1_2_method', 'RSA+SHA256', 'secret', '' }

local function value(r)
  local kind = r.int(7)
  if kind == 0 then return r.bytes(r.byte()) end
  if kind == 1 then   -- a certificate file, perhaps cut short, perhaps with a byte changed
    local f = C.FILES[r.int(#C.FILES) + 1]
    local cut = #f - (r.byte() * 256 + r.byte()) % (#f + 1)
    f = f:sub(1, cut)
    local at = r.byte() * 8 + r.byte()
    if at > 0 and at <= #f then f = f:sub(1, at - 1) .. string.char(r.byte()) .. f:sub(at + 1) end
    return f
  end
  if kind == 2 then return (r.byte() << 24 | r.byte() << 16 | r.byte() << 8 | r.byte()) - (1 << 31) end
  if kind == 3 then return r.byte() % 2 == 1 end
  if kind == 4 then return WORDS[r.int(#WORDS) + 1] end
  if kind == 5 then
    local list = {}
    for i = 1, r.int(4) do list[i] = value(r) end
    return list
  end
  return nil
end

return function(data)
  local r = C.reader(data)
  local options = {}
  for _ = 1, r.int(6) + 1 do options[KEYS[r.int(#KEYS) + 1]] = value(r) end
  for _, make in ipairs({ tls.createSecureContext, tls.createServer }) do
    local ok, res = pcall(make, options)
    C.invariant(ok or C.error_object(res), 'a plain error for bad options: ' .. tostring(res))
  end
end
