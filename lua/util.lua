-- util: inspect (readable, nested, depth-limited, cycles marked) and format.
local M = {}

local IDENT = '^[%a_][%w_]*$'
local KEYWORDS = {}
for w in ('and break do else elseif end false for function goto if in local nil not or repeat return then true until while'):gmatch('%S+') do
  KEYWORDS[w] = true
end

local function quote(s)
  return "'" .. s:gsub('[\\\'\n\r\t%z\1-\31\127-\255]', function(c)
    local named = { ['\\'] = '\\\\', ["'"] = "\\'", ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
    return named[c] or ('\\x%02x'):format(c:byte())
  end) .. "'"
end

local function sorted_keys(t)
  local n = #t
  local keys = {}
  for k in pairs(t) do
    if not (math.type(k) == 'integer' and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == 'number' or ta == 'string' then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys, n
end

local function key_repr(k)
  if type(k) == 'string' and k:match(IDENT) and not KEYWORDS[k] then return k end
  if type(k) == 'string' then return '[' .. quote(k) .. ']' end
  return '[' .. tostring(k) .. ']'
end

local inspect

local function inspect_table(t, opts, depth, seen, indent)
  if seen[t] then
    seen.circular = seen.circular or {}
    if not seen.circular[t] then seen.n = seen.n + 1; seen.circular[t] = seen.n end
    return '[Circular *' .. seen.circular[t] .. ']'
  end
  local mt = getmetatable(t)
  if mt and mt.__tostring then return tostring(t) end
  if depth > opts.depth then return next(t) == nil and '{}' or '[Object]' end
  seen[t] = true
  local parts = {}
  local keys, n = sorted_keys(t)
  for i = 1, n do parts[#parts + 1] = inspect(t[i], opts, depth + 1, seen, indent .. '  ') end
  for _, k in ipairs(keys) do
    parts[#parts + 1] = key_repr(k) .. ' = ' .. inspect(t[k], opts, depth + 1, seen, indent .. '  ')
  end
  seen[t] = nil
  local ref = seen.circular and seen.circular[t]
  local prefix = ref and ('<ref *' .. ref .. '> ') or ''
  local name = mt and type(mt.__name) == 'string' and (mt.__name .. ' ') or ''
  if #parts == 0 then return prefix .. name .. '{}' end
  local one = prefix .. name .. '{ ' .. table.concat(parts, ', ') .. ' }'
  if #one + #indent <= 76 and not one:find('\n') then return one end
  return prefix .. name .. '{\n' .. indent .. '  ' .. table.concat(parts, ',\n' .. indent .. '  ') .. '\n' .. indent .. '}'
end

inspect = function(v, opts, depth, seen, indent)
  local t = type(v)
  if t == 'string' then return depth == 0 and opts.bare and v or quote(v) end
  if t == 'table' then return inspect_table(v, opts, depth, seen, indent) end
  if t == 'function' then return '[Function]' end
  return tostring(v)
end

-- util.inspect(value[, { depth = 2 }])
function M.inspect(v, opts)
  opts = opts or {}
  local o = { depth = opts.depth or 2, bare = opts.bare }
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
