-- The REPL: read a line, run it, print the values, while the event loop runs.
-- Lines are read by libedit through the loop (src/repl.c); output made by
-- callbacks appears above the prompt.
local core = require('luatls.core')
local util = require('util')
local fs = require('fs')
local chunk = require('luatls.repl_chunk')
local runtime = require('luatls.runtime')

local M = {}

-- modules that are globals in the REPL, as in Node's
M.GLOBALS = runtime.MODULE_GLOBALS

local PROMPT, PROMPT2 = '> ', '.. '
local HELP = [[
.break    abandon the input of several lines
.exit     leave the REPL (also Ctrl-D, or Ctrl-C twice on an empty line)
.help     this text
.load F   run the file F here
.save F   save the lines entered in this session to the file F
Expressions print their values; `_` holds the last value, `_error` the last
error. Top-level locals stay for the next lines. Tab completes names, fields
after `.` and methods after `:`. tls, net, fs, util, events, crypto,
child_process and dns are globals.
]]

local buffer = nil        -- lines of an incomplete chunk
local session = {}        -- every chunk run, for .save
local history_file
local last_sigint = false

local function out(...) core.repl_write(1, ...) end
local function err_out(...) core.repl_write(2, ...) end

-- the frames below the line being run are the REPL's own: leave them out
local function trim(trace)
  return (tostring(trace):gsub('\n%s*%[C%]: in function \'luatls%.core%.repl_call\'.*$', ''))
end

local function report(e)
  if type(e) == 'table' and type(rawget(e, 'stack')) == 'string' then rawset(e, 'stack', trim(e.stack)) end
  if type(e) ~= 'table' then e = trim(e) end
  err_out(runtime.format_uncaught(e), '\n')
end

-- values as Node's REPL shows them: util.inspect, in colour on a terminal
local inspect_options = { colors = false }
local function inspect(v) return util.inspect(v, inspect_options) end

-- lua.c's test for a chunk that is not finished yet
local function incomplete(msg)
  return type(msg) == 'string' and msg:sub(-5) == '<eof>'
end

-- The REPL's scope: what top-level locals of its chunks declared (Node's
-- REPL keeps `let` and `const` the same way), then the globals. Chunks run
-- with it as _ENV; assignments to undeclared names go to the globals.
local LOCALS = '__repl_locals'
local declared, values = {}, {}
local locals = setmetatable({}, {
  __index = function(_, k) return values[k] end,
  __newindex = function(_, k, v) declared[k] = true; values[k] = v end,
})
local env = setmetatable({}, {
  __index = function(_, k)
    if declared[k] then return values[k] end
    if k == LOCALS then return locals end
    return _G[k]
  end,
  __newindex = function(_, k, v)
    if declared[k] then values[k] = v else _G[k] = v end
  end,
  __pairs = function()
    local merged = {}
    for k, v in pairs(_G) do merged[k] = v end
    for k in pairs(declared) do merged[k] = values[k] end
    return next, merged, nil
  end,
})
M.env = env

-- sets a name of the REPL's scope (`_`, `_error`)
local function declare(name, v)
  declared[name] = true
  values[name] = v
end

local function load_chunk(text, name)
  return load(chunk.rewrite_locals(text, LOCALS), name, 't', env)
end

-- How a chunk runs: { f = function, expr = the expression whose values print,
-- prefix = statements before it }; or nil and the compiler's message.
local function compile(code)
  local f = load('return ' .. chunk.rewrite_locals(code, LOCALS), '=stdin', 't', env)
  if f then return { f = f, expr = code } end
  local g, msg = load_chunk(code, '=stdin')
  if g then return { f = g, stmt = code } end
  -- `a = 1; a`: statements, then an expression whose value prints
  for _, split in ipairs(chunk.splits(code)) do
    local prefix, suffix = split[1], split[2]
    local h = load(chunk.rewrite_locals(prefix, LOCALS) .. ' return ' .. suffix, '=stdin', 't', env)
    if h then return { f = h, expr = suffix, prefix = prefix } end
  end
  return nil, msg
end

-- walks a.b.c from the REPL's scope without calling anything but __index tables
local function resolve(path)
  local v = env
  for name in path:gmatch('[^.:]+') do
    if type(v) ~= 'table' and type(v) ~= 'userdata' then return nil end
    local ok, x = pcall(function() return v[name] end)
    if not ok then return nil end
    v = x
  end
  return v
end

-- a method call that returns its receiver (chaining, as s:on(...) does) prints nothing
local function returns_receiver(code, results)
  -- io.write(...) and f:write(...) return the file: nothing to see
  if results.n == 1 and io.type(results[1]) == 'file' and code:match('write%s*%b()%s*;?%s*$') then
    return true
  end
  if results.n ~= 1 or type(results[1]) ~= 'table' then return false end
  local path = code:match('^%s*([%a_][%w_%.]*):[%a_][%w_]*%s*%b()%s*;?%s*$')
  return path ~= nil and rawequal(resolve(path), results[1])
end

local function show(results)
  if results.n == 0 then return end
  local parts = {}
  for i = 1, results.n do parts[i] = inspect(results[i]) end
  out(table.concat(parts, '\t'), '\n')
  declare('_', results[1])
end

local function run(code)
  local c, msg = compile(code)
  if not c then return false, msg end
  local results = table.pack(core.repl_call(c.f))
  if results[1] then
    local values_ = table.pack(table.unpack(results, 2, results.n))
    -- an expression, or statements that end with `return ...`, print their values
    local printed = values_.n > 0 and not returns_receiver(c.expr or code, values_)
    if printed then show(values_) end
    session[#session + 1] = { code = code, printed = printed, expr = c.expr, prefix = c.prefix }
  else
    declare('_error', results[2])
    report(results[2])
  end
  return true
end

-- .load: the file runs here as one chunk; its top-level locals stay in scope
local function load_file(path)
  local ok, text = pcall(fs.readFileSync, path)
  if not ok then report(text) return end
  text = text:gsub('^#![^\n]*', '')
  local f, msg = load_chunk(text, '@' .. path)
  if not f then err_out(msg, '\n') return end
  local r = table.pack(core.repl_call(f))
  if r[1] then
    session[#session + 1] = { code = text }
  else
    declare('_error', r[2])
    report(r[2])
  end
end

-- the dot commands; `luatls connect` adds .send
local commands = {}
M.commands = commands
-- more help lines (from whoever added commands), and a handler for lines that
-- are not commands: returns true when it took the line (`luatls connect --lines`)
M.help_extra = ''
M.plain_line = nil
-- Ctrl-D on an empty line: on_eof() returns true to stay at the prompt
M.on_eof = nil
function commands.help() out(HELP, M.help_extra) end
function commands.exit() M.exit(0) end
commands['break'] = function() buffer = nil end
function commands.load(arg)
  if arg == '' then err_out('usage: .load FILE\n') return end
  load_file(arg)
end
-- .save: a script that does what the session did. Lines that failed are
-- left out; expressions whose values were printed print them the same way.
local SAVE_HEADER = [[
-- A luatls REPL session, saved with .save; run it with: luatls %s
%s
local _, _error
-- prints values as the REPL showed them, and keeps the first in _
local function __show(...)
  local n = select('#', ...)
  if n == 0 then return end
  local t = table.pack(...)
  _ = t[1]
  for i = 1, n do t[i] = util.inspect(t[i]) end
  print(table.concat(t, '\t', 1, n))
end
]]

function M.saved_session(path)
  local names, mods = {}, {}
  for i, name in ipairs(M.GLOBALS) do
    names[i] = name
    mods[i] = ("require('%s')"):format(name)
  end
  local parts = { SAVE_HEADER:format(path, ('local %s = %s'):format(table.concat(names, ', '), table.concat(mods, ', '))) }
  for _, entry in ipairs(session) do
    local code = entry.code
    if entry.printed and entry.expr then
      if entry.prefix then parts[#parts + 1] = entry.prefix end
      -- a comment at its end would swallow the parenthesis
      local plain = not entry.expr:find('[\n-]')
      parts[#parts + 1] = '__show(' .. entry.expr .. (plain and ')' or '\n)')
    elseif entry.printed then
      -- statements that ended with return ...: in a file, return would end it
      parts[#parts + 1] = '__show((function(...)\n' .. code .. '\nend)(...))'
    elseif entry.expr and not load(code, '=check') then
      parts[#parts + 1] = '_ = ' .. code   -- an expression that printed nothing (...)
    else
      parts[#parts + 1] = code
    end
  end
  return table.concat(parts, '\n') .. '\n'
end

function commands.save(arg)
  if arg == '' then err_out('usage: .save FILE\n') return end
  local ok, e = pcall(fs.writeFileSync, arg, M.saved_session(arg))
  if ok then out('Session saved to: ', arg, '\n') else report(e) end
end

local function remember(line)
  if line:match('%S') then
    core.repl_add_history(line)
    if history_file then core.repl_write_history(history_file) end
  end
end

local function on_line(line)
  last_sigint = false
  if line == nil then   -- Ctrl-D
    if M.on_eof and M.on_eof() then
      core.repl_prompt(buffer and PROMPT2 or PROMPT)
      return
    end
    return M.exit(0)
  end
  remember(line)
  local cmd, arg = line:match('^%s*%.(%a+)%s*(.-)%s*$')
  if cmd and commands[cmd] and buffer == nil or (cmd == 'break') then
    commands[cmd](arg)
  elseif buffer == nil and M.plain_line and M.plain_line(line) then
    -- taken by the handler
  elseif buffer == nil and not line:match('%S') then
    -- nothing
  else
    local code = buffer and (table.concat(buffer, '\n') .. '\n' .. line) or line
    local ok, msg = run(code)
    if ok then
      buffer = nil
    elseif incomplete(msg) then
      buffer = buffer or {}
      buffer[#buffer + 1] = line
    else
      buffer = nil
      err_out(msg, '\n')
    end
  end
  core.repl_prompt(buffer and PROMPT2 or PROMPT)
end

-- Ctrl-C at the prompt: what was typed stays on screen above a new prompt
local function on_sigint(typed)
  if typed == '' and buffer == nil then
    if last_sigint then return M.exit(0) end
    last_sigint = true
    out('(To exit, press Ctrl-C again or Ctrl-D or type .exit)\n')
  else
    last_sigint = false
  end
  buffer = nil
  core.repl_prompt(PROMPT)
end

-- Completion -------------------------------------------------------------

-- what luatls.class gives every class and instance: not for typing
local Object = require('luatls.class')
local CLASS_INTERNALS = { new = true, extend = true, init = true, instanceof = true, super = true }

-- fields that a module makes when first read (an __index function), which
-- walking its tables cannot see; a module may list its own in __keys
local LAZY = {
  tls = { 'rootCertificates' },
  crypto = { constants = { 'defaultCipherList' } },
}

local function lazy_fields(v, mt)
  local list = {}
  if type(mt) == 'table' and type(rawget(mt, '__keys')) == 'table' then
    for _, k in ipairs(rawget(mt, '__keys')) do list[#list + 1] = k end
  end
  for modname, fields in pairs(LAZY) do
    local mod = package.loaded[modname]
    if mod ~= nil then
      if rawequal(v, mod) then
        for _, k in ipairs(fields) do list[#list + 1] = k end
      end
      for field, sub in pairs(fields) do
        if type(field) == 'string' and type(mod) == 'table' and rawequal(v, rawget(mod, field)) then
          for _, k in ipairs(sub) do list[#list + 1] = k end
        end
      end
    end
  end
  return list
end

-- the names a value offers that can be typed after `.` or `:` (methods):
-- its own keys, those of its __index chain and its lazy fields; not Lua
-- keywords (t.end is a syntax error), not class machinery, and no
-- _-prefixed internals (but _end, Node's end); globals keep _G and _VERSION
local function names_of(v, methods_only, globals)
  local seen, list = {}, {}
  local function offer(k, x)
    if type(k) ~= 'string' or seen[k] or not k:match('^[%a_][%w_]*$') or chunk.KEYWORDS[k] then return end
    if k:sub(1, 1) == '_' and not globals and k ~= '_end' then return end
    if CLASS_INTERNALS[k] and (k == 'super' or k == 'init' or rawequal(x, Object[k])) then return end
    if methods_only and type(x) ~= 'function' then return end
    seen[k] = true
    list[#list + 1] = k
  end
  local depth = 0
  while v ~= nil and depth < 10 do
    local mt = getmetatable(v)
    if type(v) == 'table' then
      for k, x in pairs(v) do offer(k, x) end
      for _, k in ipairs(lazy_fields(v, mt)) do
        if not methods_only then offer(k, nil) end
      end
    end
    v = type(mt) == 'table' and type(rawget(mt, '__index')) == 'table' and rawget(mt, '__index') or nil
    depth = depth + 1
  end
  table.sort(list)
  return list
end

-- the value before a `.` or `:` that the word starts with, from the line:
-- require('tls'), or a.b.c
local function base_value(before)
  local name = before:match('require%s*%(?%s*[\'"]([%w_.%-]+)[\'"]%s*%)?%s*$')
  if name then
    if package.loaded[name] ~= nil then return package.loaded[name] end
    for _, g in ipairs(runtime.MODULE_GLOBALS) do
      if g == name then return require(name) end
    end
    return nil
  end
  local path = before:match('([%a_][%w_]*[%w_.:]*)%s*$')
  if path then return resolve(path) end
end

-- complete(word, line): the candidates for the word before the cursor (the
-- line is the text up to it)
function M.complete(word, line)
  line = line or word
  local base, sep, prefix = word:match('^(.-)([.:])([%w_]*)$')
  local candidates, from = {}
  if base then
    local v
    if base == '' then
      v = base_value(line:sub(1, #line - #word))
    else
      v = resolve(base)
    end
    from = names_of(v, sep == ':', false)
  else
    prefix, base, sep = word, '', ''
    local seen = {}
    from = {}
    local function add(k) if not seen[k] then seen[k] = true; from[#from + 1] = k end end
    for _, k in ipairs(names_of(_G, false, true)) do add(k) end
    for k in pairs(declared) do if type(k) == 'string' then add(k) end end
    for _, k in ipairs(runtime.MODULE_GLOBALS) do add(k) end
    for k in pairs(chunk.KEYWORDS) do add(k) end
    table.sort(from)
  end
  for _, name in ipairs(from) do
    if name:sub(1, #prefix) == prefix then candidates[#candidates + 1] = base .. sep .. name end
  end
  return candidates
end

-- Start and stop ---------------------------------------------------------

function M.exit(code)
  core.repl_stop()
  process.exit(code)
end

-- M.start([banner]): banner replaces the version line
function M.start(banner)
  runtime.install_module_globals()
  -- the line editor owns the terminal from here: a process.stdin made
  -- before (a script run with -i) stops, and fd 0 blocks again
  local stdin = rawget(process, 'stdin')
  if stdin then stdin:destroy(); rawset(process, 'stdin', nil) end
  core.stdin_restore()
  runtime.repl_owns_stdin = true
  inspect_options.colors = core.isatty(1) and os.getenv('NO_COLOR') == nil
    and os.getenv('NODE_DISABLE_COLORS') == nil and os.getenv('TERM') ~= 'dumb'
  local home = os.getenv('HOME')
  history_file = os.getenv('LUATLS_HISTORY') or (home and home .. '/.luatls_history')
  if history_file then core.repl_read_history(history_file) end
  -- all output goes through the terminal layer, which clears the prompt
  -- first and draws it again before the loop waits
  local file_mt = getmetatable(io.stdout).__index
  local write = file_mt.write
  local function strings(name, ...)
    local n = select('#', ...)
    local t = table.pack(...)
    for i = 1, n do
      local v = t[i]
      if math.type(v) == 'float' then t[i] = ('%.14g'):format(v)
      elseif math.type(v) == 'integer' then t[i] = ('%d'):format(v)
      elseif type(v) ~= 'string' then
        error(("bad argument #%d to '%s' (string expected, got %s)"):format(i, name, type(v)), 3)
      end
    end
    return table.unpack(t, 1, n)
  end
  file_mt.write = function(f, ...)
    if rawequal(f, io.stdout) then core.repl_write(1, strings('write', ...)); return f end
    if rawequal(f, io.stderr) then core.repl_write(2, strings('write', ...)); return f end
    return write(f, ...)
  end
  local io_write = io.write
  io.write = function(...)   -- luacheck: ignore 122 (io.write writes through the terminal layer too)
    local f = io.output()
    if rawequal(f, io.stdout) or rawequal(f, io.stderr) then return f:write(...) end
    return io_write(...)
  end
  _G.print = function(...)
    local n = select('#', ...)
    local t = table.pack(...)
    for i = 1, n do t[i] = tostring(t[i]) end
    core.repl_write(1, table.concat(t, '\t', 1, n), '\n')
  end
  -- errors in callbacks are reported, and the REPL goes on
  core.set_uncaught(function(e)
    if process:listenerCount('uncaughtException') > 0 then
      process:emit('uncaughtException', e, 'uncaughtException')
    else
      declare('_error', e)
      report(e)
    end
  end)
  out(banner or ('luatls %s (%s, %s) — .help for help\n'):format(core.version, _VERSION,
    core.openssl_version:match('^(OpenSSL %S+)') or core.openssl_version))
  core.repl_start(PROMPT, on_line, on_sigint, M.complete)
end

return M
