-- crypto: what TLS scripts need of Node's crypto module.
--   require('crypto').constants.SSL_OP_NO_TICKET
local core = require('luatls.core')
local errors = require('luatls.errors')
local secure_context = require('luatls.secure_context')

local crypto = {}

local constants = {}
for k, v in pairs(core.ssl_op) do constants[k] = v end
constants.defaultCoreCipherList = secure_context.CORE_CIPHERS
-- defaultCipherList follows tls.DEFAULT_CIPHERS (and --tls-cipher-list)
crypto.constants = setmetatable(constants, { __index = function(_, k)
  if k == 'defaultCipherList' then return require('tls').DEFAULT_CIPHERS end
end })

-- randomBytes(size) -> a string of size random bytes
function crypto.randomBytes(size)
  -- the C side makes at most 1 GiB at once (Node: 2 GiB)
  size = errors.check_number('size', size, 0, 1 << 30, { integer = true })
  return core.random_bytes(size)
end

return crypto
