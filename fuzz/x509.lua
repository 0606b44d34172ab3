-- P2: DER (or PEM) -> the certificate object getPeerCertificate returns, and
-- checkServerIdentity on it. Either a table of strings or an error object.
local tls = require('tls')
local core = require('luatls.core')
local C = require('common')

local function check_strings(t, path, depth)
  C.invariant(depth < 8, 'certificate object nested too deep at ' .. path)
  for k, v in pairs(t) do
    local tv = type(v)
    C.invariant(tv == 'string' or tv == 'number' or tv == 'boolean' or tv == 'table',
      'a ' .. tv .. ' in the certificate object at ' .. path .. '.' .. tostring(k))
    if tv == 'table' then check_strings(v, path .. '.' .. tostring(k), depth + 1) end
  end
end

return function(data)
  local ok, cert = pcall(core.parse_certificate, data)
  if not ok then
    C.invariant(C.error_object(cert), 'a plain error for a bad certificate: ' .. tostring(cert))
    return
  end
  check_strings(cert, 'cert', 0)
  for _, host in ipairs({ 'localhost', 'a.example', '127.0.0.1', '::1', 'xn--e1afmkfd.example' }) do
    local fine, res = pcall(tls.checkServerIdentity, host, cert)
    C.invariant(fine, 'checkServerIdentity raised: ' .. tostring(res))
    C.invariant(res == nil or C.error_object(res), 'checkServerIdentity returned a ' .. type(res))
  end
end
