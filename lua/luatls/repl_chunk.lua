-- What the REPL does to a chunk before it runs it: a small Lua lexer, the
-- rewrite of top-level locals into the REPL's scope (so that `local x = 1`
-- on one line is seen by the next, as Node's REPL keeps `let` and `const`),
-- and the places where a chunk of statements could end with an expression
-- (`a = 1; a` prints 1).
local M = {}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch('%S+') do KEYWORDS[w] = true end
M.KEYWORDS = KEYWORDS

local OPS3 = { ['...'] = true }
local OPS2 = { ['..'] = true, ['=='] = true, ['~='] = true, ['<='] = true, ['>='] = true,
  ['<<'] = true, ['>>'] = true, ['//'] = true, ['::'] = true }

-- tokens of code: { t = 'name'|'kw'|'str'|'num'|'op', v = text, s = first, e = last },
-- each with its block depth (d) and bracket depth (p); and false when a string
-- or a comment is not closed
function M.tokens(code)
  local toks, i, n = {}, 1, #code
  local depth, pdepth = 0, 0
  local function add(t, s, e)
    local v = code:sub(s, e)
    local tk = { t = t, v = v, s = s, e = e }
    if t == 'kw' and (v == 'end' or v == 'until') then depth = depth - 1 end
    if t == 'op' and (v == ')' or v == '}' or v == ']') then pdepth = pdepth - 1 end
    tk.d, tk.p = depth, pdepth
    if t == 'kw' and (v == 'function' or v == 'do' or v == 'repeat' or v == 'if') then depth = depth + 1 end
    if t == 'op' and (v == '(' or v == '{' or v == '[') then pdepth = pdepth + 1 end
    toks[#toks + 1] = tk
  end
  while i <= n do
    local c = code:sub(i, i)
    if c:match('%s') then
      i = i + 1
    elseif c == '-' and code:sub(i + 1, i + 1) == '-' then
      local eq = code:match('^%[(=*)%[', i + 2)
      if eq then
        local _, close = code:find(']' .. eq .. ']', i + 4 + #eq, true)
        if not close then return toks, false end
        i = close + 1
      else
        local nl = code:find('\n', i, true)
        i = nl and nl + 1 or n + 1
      end
    elseif c:match('[%a_]') then
      local s, e = code:find('^[%w_]+', i)
      add(KEYWORDS[code:sub(s, e)] and 'kw' or 'name', s, e)
      i = e + 1
    elseif c:match('%d') or (c == '.' and code:sub(i + 1, i + 1):match('%d')) then
      local hex = code:match('^0[xX]', i) ~= nil
      local j = i
      while j <= n do
        local ch = code:sub(j, j)
        if ch:match('[%w_%.]') then
          j = j + 1
        elseif (ch == '+' or ch == '-') and code:sub(j - 1, j - 1):match(hex and '[pP]' or '[eE]') then
          j = j + 1
        else
          break
        end
      end
      add('num', i, j - 1)
      i = j
    elseif c == '"' or c == "'" then
      local j = i + 1
      while true do
        local ch = code:sub(j, j)
        if ch == '' or ch == '\n' then return toks, false end
        if ch == '\\' then
          j = j + 2
        elseif ch == c then
          break
        else
          j = j + 1
        end
      end
      add('str', i, j)
      i = j + 1
    elseif c == '[' and code:match('^%[=*%[', i) then
      local eq = code:match('^%[(=*)%[', i)
      local _, close = code:find(']' .. eq .. ']', i + 2 + #eq, true)
      if not close then return toks, false end
      add('str', i, close)
      i = close + 1
    else
      local three, two = code:sub(i, i + 2), code:sub(i, i + 1)
      local len = OPS3[three] and 3 or OPS2[two] and 2 or 1
      add('op', i, i + len - 1)
      i = i + len
    end
  end
  return toks, true
end

local function apply(code, edits)
  table.sort(edits, function(a, b) return a[1] > b[1] end)
  for _, ed in ipairs(edits) do
    code = code:sub(1, ed[1] - 1) .. ed[3] .. code:sub(ed[2] + 1)
  end
  return code
end

-- Top-level `local a, b = ...` becomes `<scope>.a, <scope>.b = ...` and
-- `local function f` becomes `function <scope>.f`: the values go to the REPL's
-- scope, after the right-hand side is evaluated, as a local's would. Locals
-- inside blocks and functions, and `<close>` ones, stay what they are.
function M.rewrite_locals(code, scope)
  local toks = M.tokens(code)
  local edits = {}
  local k = 1
  while k <= #toks do
    local tk = toks[k]
    if tk.t == 'kw' and tk.v == 'local' and tk.d == 0 and tk.p == 0 then
      local nx = toks[k + 1]
      if nx and nx.t == 'kw' and nx.v == 'function' then
        local name = toks[k + 2]
        if name and name.t == 'name' then
          edits[#edits + 1] = { tk.s, nx.s - 1, '' }
          edits[#edits + 1] = { name.s, name.e, scope .. '.' .. name.v }
        end
        k = k + 3
      else
        local j, names, attribs, close = k + 1, {}, {}, false
        local last
        while toks[j] and toks[j].t == 'name' do
          names[#names + 1] = toks[j]
          last = toks[j]
          j = j + 1
          if toks[j] and toks[j].v == '<' and toks[j + 1] and toks[j + 2] and toks[j + 2].v == '>' then
            if toks[j + 1].v == 'close' then close = true end
            attribs[#attribs + 1] = { toks[j].s, toks[j + 2].e }
            last = toks[j + 2]
            j = j + 3
          end
          if toks[j] and toks[j].v == ',' then j = j + 1 else break end
        end
        if #names > 0 and not close then
          edits[#edits + 1] = { tk.s, names[1].s - 1, '' }
          for _, nm in ipairs(names) do edits[#edits + 1] = { nm.s, nm.e, scope .. '.' .. nm.v } end
          for _, a in ipairs(attribs) do edits[#edits + 1] = { a[1], a[2], '' } end
          if not (toks[j] and toks[j].v == '=') then
            edits[#edits + 1] = { last.e + 1, last.e, ' = nil' }
          end
        end
        k = j
      end
    else
      k = k + 1
    end
  end
  if #edits == 0 then return code end
  return apply(code, edits)
end

local STARTS = { ['('] = true, ['{'] = true, ['-'] = true, ['#'] = true, ['~'] = true, ['...'] = true }
local KW_STARTS = { ['nil'] = true, ['true'] = true, ['false'] = true, ['function'] = true, ['not'] = true }

-- Where the last statement of a chunk could be an expression: the chunk is
-- prefix .. suffix, suffix an expression. From the end, at most `max`.
function M.splits(code, max)
  local toks = M.tokens(code)
  local list = {}
  for k = #toks, 1, -1 do
    local tk = toks[k]
    local prev = toks[k - 1]
    if tk.d == 0 and tk.p == 0
      and (tk.t == 'name' or tk.t == 'str' or tk.t == 'num' or (tk.t == 'kw' and KW_STARTS[tk.v])
        or (tk.t == 'op' and STARTS[tk.v]))
      and not (prev and (prev.v == '.' or prev.v == ':' or prev.v == 'goto' or prev.v == '::')) then
      list[#list + 1] = { code:sub(1, tk.s - 1), code:sub(tk.s) }
      if #list >= (max or 64) then break end
    end
  end
  return list
end

return M
