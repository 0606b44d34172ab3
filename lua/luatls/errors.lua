-- Error objects with Node's codes. tostring(err) gives "Name [CODE]: message".
local core = require('luatls.core')

local M = {}
local Error = core.Error

local function describe(v)
  local t = type(v)
  if v == nil then return 'nil' end
  if t == 'string' then
    local s = #v > 25 and v:sub(1, 25) .. '...' or v
    return ("type string ('%s')"):format(s)
  end
  if t == 'number' or t == 'boolean' then return ('type %s (%s)'):format(t, tostring(v)) end
  return 'an instance of ' .. t
end

function M.new(code, message, fields, name)
  local e = setmetatable({ code = code, message = message, name = name }, Error)
  if fields then for k, v in pairs(fields) do e[k] = v end end
  return e
end

function M.is(e) return getmetatable(e) == Error end

-- The "x" argument must be of type string. Received type number (1)
function M.invalid_arg_type(name, expected, value)
  return M.new('ERR_INVALID_ARG_TYPE',
    ('The "%s" argument must be %s. Received %s'):format(name, expected, describe(value)),
    { option = name }, 'TypeError')
end

function M.invalid_arg_value(name, value, reason)
  return M.new('ERR_INVALID_ARG_VALUE',
    ("The argument '%s' %s. Received %s"):format(name, reason or 'is invalid', describe(value)),
    { option = name }, 'TypeError')
end

function M.bad_port(name, value)
  return M.new('ERR_SOCKET_BAD_PORT',
    ('%s should be >= 0 and < 65536. Received %s.'):format(name, describe(value)),
    { option = name }, 'RangeError')
end

-- an error of OpenSSL raised while applying one option: keep its code, name the option
function M.for_option(err, name)
  if M.is(err) then
    err.option = name
    err.message = ("Invalid '%s' option: %s"):format(name, err.message)
    return err
  end
  return M.new('ERR_INVALID_ARG_VALUE', ("Invalid '%s' option: %s"):format(name, tostring(err)),
    { option = name })
end

-- Raises err if v is not of type t (or one of the types of a list).
function M.check(name, v, t, optional)
  if v == nil and optional then return v end
  if type(t) == 'table' then
    for _, one in ipairs(t) do if type(v) == one then return v end end
    error(M.invalid_arg_type(name, 'one of type ' .. table.concat(t, ' or '), v), 3)
  end
  if type(v) ~= t then error(M.invalid_arg_type(name, 'of type ' .. t, v), 3) end
  return v
end

-- any raised value as an error object: a string becomes its message, the
-- traceback after it the stack
function M.from(e)
  if type(e) == 'table' then return e end
  local text = tostring(e)
  local message, stack = text:match('^(.-)\n(stack traceback:.*)$')
  return M.new(nil, message or text, { stack = stack })
end

-- message handler for xpcall: error objects gain a stack, strings a traceback
function M.traceback(e)
  if type(e) == 'table' then
    if e.stack == nil then e.stack = debug.traceback(nil, 2) end
    return e
  end
  e = tostring(e)
  -- an error re-raised from an inner handler keeps the one traceback it has
  if e:find('\nstack traceback:\n', 1, true) then return e end
  return debug.traceback(e, 2)
end

return M
