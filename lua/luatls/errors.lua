-- Error objects with Node's codes. tostring(err) gives "Name [CODE]: message".
local core = require('luatls.core')

local M = {}
local Error = core.Error

-- a number as Node prints it: NaN, Infinity, 3 (not 3.0)
local function repr(v)
  if type(v) ~= 'number' then return tostring(v) end
  if v ~= v then return 'NaN' end
  if v == math.huge then return 'Infinity' end
  if v == -math.huge then return '-Infinity' end
  return tostring(math.tointeger(v) or v)
end
M.repr = repr

local function describe(v)
  local t = type(v)
  if v == nil then return 'nil' end
  if t == 'string' then
    local s = #v > 25 and v:sub(1, 25) .. '...' or v
    return ("type string ('%s')"):format(s)
  end
  if t == 'number' or t == 'boolean' then return ('type %s (%s)'):format(t, repr(v)) end
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
    ("The %s '%s' %s. Received %s"):format(name:find('.', 1, true) and 'property' or 'argument', name,
      reason or 'is invalid', describe(value)),
    { option = name }, 'TypeError')
end

function M.bad_port(name, value)
  return M.new('ERR_SOCKET_BAD_PORT',
    ('%s should be >= 0 and < 65536. Received %s.'):format(name, describe(value)),
    { option = name }, 'RangeError')
end

-- The value of "x" is out of range. It must be >= 0. Received NaN
-- (what: another subject than 'The value of "x" is out of range', as Node words some)
function M.out_of_range(name, range, value, what)
  what = what or ('The value of "%s" is out of range'):format(name)
  return M.new('ERR_OUT_OF_RANGE', ('%s. It must be %s. Received %s'):format(what, range, repr(value)),
    { option = name }, 'RangeError')
end

-- the words of a range, only once a value is refused
local function range_of(min, max)
  return min and max and ('>= %s && <= %s'):format(repr(min), repr(max))
    or min and ('>= ' .. repr(min)) or max and ('<= ' .. repr(max)) or nil
end

local NO_OPTS = {}

-- Every number a script hands the API goes through here: NaN and the
-- infinities pass no comparison, so a check like `ms < 0` lets them through to
-- libev (which asserts) or to a limit that then never applies. Raises unless v
-- is a finite number within [min, max] (either bound may be nil):
-- ERR_INVALID_ARG_TYPE for what is not a number, ERR_OUT_OF_RANGE (Node's) for
-- NaN, an infinity, a fraction where an integer is asked for, or a value out of
-- range. Returns v, as an integer when one is asked for. opts:
--   integer   only integers (2.0 is taken as 2)
--   optional  nil passes (and is returned)
--   inf       +inf passes, for a limit where it means "none" (setMaxListeners)
--   code      Node's code where it has another one for this argument
--             (ERR_INVALID_ARG_VALUE for highWaterMark)
function M.check_number(name, v, min, max, opts)
  opts = opts or NO_OPTS
  if v == nil and opts.optional then return nil end
  if type(v) ~= 'number' then error(M.invalid_arg_type(name, 'of type number', v), 3) end
  if v == math.huge and opts.inf and (max == nil or max == math.huge) then return v end
  local expected
  if opts.integer then
    local i = math.tointeger(v)
    if not i then expected = 'an integer' else v = i end
  elseif v ~= v or v == math.huge or v == -math.huge then
    local range = range_of(min, max)
    expected = range and ('a finite number ' .. range) or 'a finite number'
  end
  if not expected and ((min and v < min) or (max and v > max)) then expected = range_of(min, max) end
  if not expected then return v end
  if opts.code then
    error(M.new(opts.code, ("The property '%s' must be %s. Received %s"):format(name, expected, repr(v)),
      { option = name }, 'TypeError'), 3)
  end
  error(M.out_of_range(name, expected, v), 3)
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
