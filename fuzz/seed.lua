-- Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>:
--   build/luatls fuzz/seed.lua
-- x509: every test certificate as DER; server: ClientHellos of luatls
-- clients with different options; options and session: choices that build
-- the common cases.
local tls = require('tls')
local stream = require('stream')
local fs = require('fs')

local function write(target, name, bytes)
  local f = assert(io.open(('fuzz/corpus/%s/%s'):format(target, name), 'wb'))
  f:write(bytes)
  f:close()
end

for _, name in ipairs({ 'ca-cert', 'server-cert', 'client-cert', 'ecdsa-server-cert', 'intermediate-cert',
  'chain-server-cert', 'expired-cert', 'altcomma-cert', 'selfsigned-cert', 'revoked-cert' }) do
  local p = io.popen('openssl x509 -in certs/' .. name .. '.pem -outform der')
  write('x509', name .. '.der', p:read('a'))
  p:close()
end

local CA = fs.readFileSync('certs/ca-cert.pem')
local hellos = {
  tls13 = { servername = 'localhost' },
  tls12_alpn_ocsp = { servername = 'a.example', maxVersion = 'TLSv1.2', ALPNProtocols = { 'h2', 'x' }, requestOCSP = true },
  psk = { maxVersion = 'TLSv1.2', ciphers = 'PSK-AES128-GCM-SHA256',
    pskCallback = function() return { psk = ('\1'):rep(32), identity = 'fuzz' } end },
}
for name, options in pairs(hellos) do
  local d = stream.Duplex()
  d._write = function(_, chunk) write('server', name, chunk); d._write = function() end end
  local o = { socket = d, ca = CA }
  for k, v in pairs(options) do o[k] = v end
  local c = tls.connect(o)
  c:on('error', function() end)
  setImmediate(function() c:destroy() end)
end

-- options: two keys, each a whole certificate file (see fuzz/options.lua)
write('options', 'key-cert', '\1\0\1\0\0\0\0\0\1\1\1\0\0\0\0')
write('options', 'pfx', '\1\4\1\7\0\0\0\0\5\4\11')
write('options', 'versions-ciphers', '\2\10\4\0\11\4\1\6\4\7')
write('options', 'ca-crl', '\1\2\1\2\0\0\0\0\3\1\3\0\0\0\0')
-- session: each hook mode, then rounds of "both ways, client writes"
for mode = 0, 4 do
  write('session', 'mode' .. mode, string.char(mode, 40) .. string.rep('\0\255\3\255\6\50' .. ('x'):rep(50) .. '\9\0', 8))
end
