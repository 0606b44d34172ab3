-- util: inspect (Node's util.inspect for Lua values) and format.
local M = {}

local IDENT = '^[%a_][%w_]*$'
local KEYWORDS = {}
for w in ('and break do else elseif end false for function goto if in local nil not or repeat return then true until while'):gmatch('%S+') do
  KEYWORDS[w] = true
end

-- bytes of a binary string shown by inspect, as Node's buffer.INSPECT_MAX_BYTES
M.INSPECT_MAX_BYTES = 50

-- Node's default colours (util.inspect.styles) as SGR codes
local COLORS = { number = { 33, 39 }, boolean = { 33, 39 }, string = { 32, 39 }, ['nil'] = { 1, 22 },
  special = { 36, 39 }, name = nil, module = { 4, 24 }, date = { 35, 39 }, regexp = { 31, 39 } }

local function stylize(opts, s, style)
  local c = opts.colors and COLORS[style]
  if not c then return s end
  return ('\27[%dm%s\27[%dm'):format(c[1], s, c[2])
end

local NAMED = { ['\\'] = '\\\\', ["'"] = "\\'", ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function quote(s)
  return "'" .. s:gsub('[\\\'\n\r\t%z\1-\31\127]', function(c)
    return NAMED[c] or ('\\x%02x'):format(c:byte())
  end) .. "'"
end

-- Lua strings are Node's Buffers too: one that is not text (control bytes
-- other than whitespace, or not UTF-8) is shown as a Buffer
local function binary(s)
  if s:find('[%z\1-\8\14-\26\28-\31\127]') then return true end
  return s:find('[\128-\255]') ~= nil and utf8.len(s) == nil
end

local function buffer(s, opts)
  local n = math.min(#s, opts.maxBufferLength)
  local hex = {}
  for i = 1, n do hex[i] = ('%02x'):format(s:byte(i)) end
  local more = #s - n
  return '<Buffer' .. (n > 0 and ' ' or '') .. table.concat(hex, ' ')
    .. (more > 0 and (' ... %d more byte%s'):format(more, more == 1 and '' or 's') or '') .. '>'
end

local function inspect_string(s, opts)
  if binary(s) then return buffer(s, opts) end
  local max = opts.maxStringLength
  if max and #s > max then
    local more = #s - max
    return stylize(opts, quote(s:sub(1, max)), 'string') ..
      ('... %d more character%s'):format(more, more == 1 and '' or 's')
  end
  return stylize(opts, quote(s), 'string')
end

local function sort_keys(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == 'number' or ta == 'string' then return a < b end
  return tostring(a) < tostring(b)
end

local function key_repr(k, opts)
  if type(k) == 'string' and k:match(IDENT) and not KEYWORDS[k] then return k end
  if type(k) == 'string' then return '[' .. inspect_string(k, opts) .. ']' end
  if type(k) == 'number' or type(k) == 'boolean' then return '[' .. stylize(opts, tostring(k), type(k)) .. ']' end
  return '[' .. tostring(k) .. ']'
end

-- the name a function is known by: the key it was found under, else a global
-- or a field of a loaded module
local function function_name(f)
  for k, v in pairs(_G) do
    if rawequal(v, f) and type(k) == 'string' then return k end
  end
  for _, mod in pairs(package.loaded) do
    if type(mod) == 'table' then
      for k, v in pairs(mod) do
        if rawequal(v, f) and type(k) == 'string' then
          return k
        end
      end
    end
  end
end

local function inspect_function(f, opts, key)
  local name = key or function_name(f)
  return stylize(opts, name and ('[Function: ' .. name .. ']') or '[Function (anonymous)]', 'special')
end

local error_mt
local function is_error(t, mt)
  if error_mt == nil then
    local ok, core = pcall(require, 'luatls.core')
    error_mt = ok and type(core) == 'table' and core.Error or false
  end
  return mt ~= nil and (rawequal(mt, error_mt) or (mt.__name == 'Error' and mt.__tostring ~= nil))
    and type(rawget(t, 'message')) == 'string'
end

-- a class of luatls.class: Class.__index == Class
local function class_name(t, key)
  if rawget(t, '__index') ~= t then return nil end
  local name = rawget(t, '__name') or key or '(anonymous)'
  local super = rawget(t, 'super')
  local sname = type(super) == 'table' and (rawget(super, '__name') or nil)
  return '[class ' .. tostring(name) .. (sname and (' extends ' .. sname) or '') .. ']'
end

local inspect

-- Node's fields of system errors first, then the others
local ERROR_FIELDS = { 'errno', 'code', 'syscall', 'path', 'address', 'port' }
local ERROR_SKIP = { message = true, name = true, stack = true }

-- the length of s as shown, without colours
local function visible(s) return #s:gsub('\27%[%d+m', '') end

local function join(parts, prefix, open, close, opts, indent)
  if #parts == 0 then return prefix .. open .. close end
  local one = prefix .. open .. ' ' .. table.concat(parts, ', ') .. ' ' .. close
  -- the length as shown, without colours
  if visible(one) + #indent <= opts.breakLength and not one:find('\n') then return one end
  return prefix .. open .. '\n' .. indent .. '  ' .. table.concat(parts, ',\n' .. indent .. '  ') .. '\n' .. indent .. close
end

-- Node's groupArrayElements: many short entries of a sequence in columns
local function group(parts, count, numbers, opts, indent)
  local total, maxlen, lens = 0, 0, {}
  for i = 1, count do
    local l = visible(parts[i])
    lens[i] = l
    total = total + l + 2
    if l > maxlen then maxlen = l end
  end
  local actual = maxlen + 2
  if not (actual * 3 + #indent < opts.breakLength and (total / actual > 5 or maxlen <= 6)) then return parts end
  local bias = math.sqrt(actual - total / count)
  local biased = math.max(actual - 3 - bias, 1)
  local columns = math.min(math.floor(math.sqrt(2.5 * biased * count) / biased + 0.5),
    (opts.breakLength - #indent) // actual, 12, 15)
  if columns <= 1 then return parts end
  local widths = {}
  for c = 1, columns do
    local w = 0
    for j = c, count, columns do if lens[j] > w then w = lens[j] end end
    widths[c] = w + 2
  end
  local rows = {}
  for i = 1, count, columns do
    local last = math.min(i + columns - 1, count)
    local line = {}
    for j = i, last do
      local cell = parts[j] .. (j < last and ', ' or '')
      local pad = (j < last and widths[j - i + 1] or widths[j - i + 1] - 2) - (lens[j] + (j < last and 2 or 0))
      if numbers then line[#line + 1] = (' '):rep(pad) .. cell
      elseif j < last then line[#line + 1] = cell .. (' '):rep(pad)
      else line[#line + 1] = cell end
    end
    rows[#rows + 1] = table.concat(line)
  end
  for j = count + 1, #parts do rows[#rows + 1] = parts[j] end
  return rows
end

local function inspect_error(t, opts, depth, seen, indent)
  local head = tostring(t)
  local parts, done = {}, {}
  for _, k in ipairs(ERROR_FIELDS) do
    local v = rawget(t, k)
    if v ~= nil then
      done[k] = true
      parts[#parts + 1] = k .. ' = ' .. inspect(v, opts, depth + 1, seen, indent .. '  ', k)
    end
  end
  local rest = {}
  for k in pairs(t) do
    if not done[k] and not ERROR_SKIP[k] then rest[#rest + 1] = k end
  end
  table.sort(rest, sort_keys)
  for _, k in ipairs(rest) do
    parts[#parts + 1] = key_repr(k, opts) .. ' = ' .. inspect(t[k], opts, depth + 1, seen, indent .. '  ', k)
  end
  if #parts == 0 then return head end
  return join(parts, head .. ' ', '{', '}', opts, indent)
end

local function inspect_table(t, opts, depth, seen, indent, key)
  if seen[t] then
    seen.circular = seen.circular or {}
    if not seen.circular[t] then seen.n = seen.n + 1; seen.circular[t] = seen.n end
    return stylize(opts, '[Circular *' .. seen.circular[t] .. ']', 'special')
  end
  local mt = getmetatable(t)
  if type(mt) ~= 'table' then mt = nil end
  if is_error(t, mt) then
    seen[t] = true
    local s = inspect_error(t, opts, depth, seen, indent)
    seen[t] = nil
    return s
  end
  if mt and mt.__tostring then return tostring(t) end
  local class = class_name(t, key)
  if class then return stylize(opts, class, 'special') end
  local n = #t
  if depth > opts.depth then
    if next(t) == nil then return '{}' end
    return stylize(opts, '[Object]', 'special')
  end
  seen[t] = true
  local parts = {}
  local max = opts.maxArrayLength
  local shown = max and math.min(n, max) or n
  local sub = indent .. '  '
  for i = 1, shown do parts[#parts + 1] = inspect(t[i], opts, depth + 1, seen, sub) end
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == 'integer' and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, sort_keys)
  local kshown = max and math.min(#keys, max) or #keys
  for i = 1, kshown do
    local k = keys[i]
    parts[#parts + 1] = key_repr(k, opts) .. ' = ' .. inspect(t[k], opts, depth + 1, seen, sub, type(k) == 'string' and k or nil)
  end
  local more = (n - shown) + (#keys - kshown)
  if more > 0 then parts[#parts + 1] = ('... %d more item%s'):format(more, more == 1 and '' or 's') end
  if #keys == 0 and shown > 6 then
    local numbers = true
    for i = 1, shown do if type(t[i]) ~= 'number' then numbers = false break end end
    local grouped = group(parts, shown, numbers, opts, indent)
    if grouped ~= parts then
      seen[t] = nil
      local name = mt and type(mt.__name) == 'string' and (mt.__name .. ' ') or ''
      local ref = seen.circular and seen.circular[t]
      local prefix = ref and stylize(opts, '<ref *' .. ref .. '> ', 'special') or ''
      return prefix .. name .. '{\n' .. indent .. '  ' .. table.concat(grouped, ',\n' .. indent .. '  ') .. '\n' .. indent .. '}'
    end
  end
  seen[t] = nil
  local ref = seen.circular and seen.circular[t]
  local prefix = ref and stylize(opts, '<ref *' .. ref .. '> ', 'special') or ''
  local name = mt and type(mt.__name) == 'string' and (mt.__name .. ' ') or ''
  return join(parts, prefix .. name, '{', '}', opts, indent)
end

inspect = function(v, opts, depth, seen, indent, key)
  local t = type(v)
  if t == 'string' then
    if depth == 0 and opts.bare then return v end
    return inspect_string(v, opts)
  end
  if t == 'table' then return inspect_table(v, opts, depth, seen, indent, key) end
  if t == 'function' then return inspect_function(v, opts, key) end
  if t == 'number' or t == 'boolean' or t == 'nil' then return stylize(opts, tostring(v), t) end
  return tostring(v)
end

-- util.inspect(value[, options]): options as Node's: depth (2; math.huge for
-- all), maxArrayLength (100), maxStringLength (10000), breakLength (80),
-- colors (false); and maxBufferLength (INSPECT_MAX_BYTES)
function M.inspect(v, opts)
  opts = opts or {}
  local o = {
    depth = opts.depth == nil and 2 or opts.depth,
    maxArrayLength = opts.maxArrayLength == nil and 100 or opts.maxArrayLength,
    maxStringLength = opts.maxStringLength == nil and 10000 or opts.maxStringLength,
    maxBufferLength = opts.maxBufferLength or M.INSPECT_MAX_BYTES,
    breakLength = opts.breakLength or 80,
    colors = opts.colors == true,
    bare = opts.bare,
  }
  if o.depth == false then o.depth = math.huge end   -- Node's null: no limit
  return inspect(v, o, 0, { n = 0 }, '')
end

-- util.format('%s is %d', 'x', 1): %s %d %i %f %j %o %O %%, extra arguments inspected
function M.format(...)
  local n = select('#', ...)
  local args = { ... }
  local first, i = args[1], 2
  local out
  if type(first) == 'string' and first:find('%%') then
    out = first:gsub('%%([sdifjoO%%])', function(c)
      if c == '%' then return '%' end
      if i > n then return '%' .. c end
      local a = args[i]
      i = i + 1
      if c == 's' then return type(a) == 'string' and a or M.inspect(a, { depth = 1 }) end
      if c == 'd' or c == 'i' then
        local x = tonumber(a)
        if not x then return 'NaN' end
        return tostring(c == 'i' and math.tointeger(x // 1) or x)
      end
      if c == 'f' then return tostring(tonumber(a) or 'NaN') end
      return M.inspect(a, { depth = c == 'O' and 4 or 2 })
    end)
  else
    out = n >= 1 and M.inspect(first, { bare = true }) or ''
  end
  local parts = { out }
  for j = i, n do parts[#parts + 1] = M.inspect(args[j], { bare = true }) end
  return table.concat(parts, ' ')
end

-- util.AbortController(), util.AbortSignal: the signal option of net and tls
local abort = require('luatls.abort')
M.AbortController, M.AbortSignal = abort.AbortController, abort.AbortSignal

return M
