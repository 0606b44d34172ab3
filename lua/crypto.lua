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
  if math.type(size) ~= 'integer' or size < 0 then
    error(errors.invalid_arg_type('size', 'a non-negative integer', size), 2)
  end
  return core.random_bytes(size)
end

return crypto
