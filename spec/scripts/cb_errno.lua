-- F37: core.errno_error(n) for values an int cannot hold, or whose negation
-- it cannot hold (INT_MIN). Prints, per value, "raised CODE" or
-- "returned CODE ERRNO" with errno as a decimal integer.
package.path = 'spec/scripts/?.lua;' .. package.path
local core = require('luatls.core')
local C = require('cb_common')

local VALUES = { int_min = -2147483648, int_max = 2147483647, min = math.mininteger, max = math.maxinteger,
  two31 = 2147483648, econnreset = 104 }
for _, k in ipairs({ 'int_min', 'int_max', 'min', 'max', 'two31', 'econnreset' }) do
  local ok, e = pcall(core.errno_error, VALUES[k])
  if ok then
    C.say(k, 'returned', type(e) == 'table' and type(e.code) == 'string' and type(e.message) == 'string'
      and math.type(e.errno) == 'integer', ('%d'):format(type(e) == 'table' and math.tointeger(e.errno) or 0))
  else
    C.say(k, C.outcome(ok, e))
  end
end
