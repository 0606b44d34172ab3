-- The runtime: Node-style globals (console, process, timers) and the
-- executable's main(): run a script, then the loop until nothing is left.
local core = require('luatls.core')
local EventEmitter = require('events')
local errors = require('luatls.errors')
local tick = require('luatls.tick')
local timers = require('timers')
local util = require('util')

local M = {}

-- console ---------------------------------------------------------------

local console = {}
local function writer(stream)
  return function(...) stream:write(util.format(...), '\n'); stream:flush() end
end
console.log = writer(io.stdout)
console.info = console.log
console.debug = console.log
console.error = writer(io.stderr)
console.warn = console.error
function console.dir(v, opts) io.stdout:write(util.inspect(v, opts), '\n') end

-- process ---------------------------------------------------------------

local process = EventEmitter()
process.argv = {}
process.execArgv = {}
process.pid = core.getpid and core.getpid() or 0
process.platform = 'linux'
process.version = 'v' .. core.version
process.versions = { luatls = core.version, lua = _VERSION:match('%d.*'),
  openssl = core.openssl_version:match('OpenSSL (%S+)') }
process.exitCode = nil
process.nextTick = tick.nextTick
-- process.hrtime() -> { seconds, nanoseconds }; process.hrtime.bigint() -> nanoseconds
process.hrtime = setmetatable({ bigint = core.hrtime }, { __call = function()
  local ns = core.hrtime()
  return { ns // 1000000000, ns % 1000000000 }
end })
process.env = setmetatable({}, {
  __index = function(_, k) return os.getenv(k) end,
  __newindex = function(t, k, v) rawset(t, k, v ~= nil and tostring(v) or nil) end,
})
process.stdout = { write = function(_, s) io.stdout:write(s); io.stdout:flush(); return true end }
process.stderr = { write = function(_, s) io.stderr:write(s); return true end }

function process.cwd() return os.getenv('PWD') or '.' end
function process.uptime() return core.now() / 1000 end

-- resident set size and Lua heap, in bytes
function process.memoryUsage()
  local rss = 0
  local f = io.open('/proc/self/statm', 'r')
  if f then
    local pages = f:read('a'):match('^%d+%s+(%d+)')
    f:close()
    rss = (tonumber(pages) or 0) * 4096
  end
  local heap = math.floor(collectgarbage('count') * 1024)
  return { rss = rss, heapUsed = heap, heapTotal = heap, external = 0 }
end

local exiting = false
local function emit_exit(code)
  if exiting then return end
  exiting = true
  process.exitCode = code
  process:emit('exit', code)
end

function process.exit(code)
  -- as Node: an integer, or a string of one
  if type(code) == 'string' and code:match('^%s*%-?%d+%s*$') then code = tonumber(code) end
  code = errors.check_number('code', code, nil, nil, { integer = true, optional = true })
  code = code or process.exitCode or 0
  emit_exit(code)
  io.stdout:flush()
  io.stderr:flush()
  os.exit(process.exitCode or code)
end

function process.abort() os.exit(134) end

-- uncaught errors go to 'uncaughtException' listeners, else end the run
core.set_uncaught(function(err)
  if process:listenerCount('uncaughtException') > 0 then
    process:emit('uncaughtException', err, 'uncaughtException')
  else
    error(err, 0)
  end
end)

-- globals ---------------------------------------------------------------

function M.install()
  _G.console = console
  _G.process = process
  for _, k in ipairs({ 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
                       'setImmediate', 'clearImmediate' }) do
    _G[k] = timers[k]
  end
end

M.install()
M.console, M.process = console, process

-- Node's core modules as globals, for the REPL, -e, -p and piped input (not
-- for script files, as in Node): each is required when first used.
M.MODULE_GLOBALS = { 'tls', 'net', 'fs', 'util', 'events', 'crypto', 'child_process', 'dns' }

function M.install_module_globals()
  local lazy = {}
  for _, name in ipairs(M.MODULE_GLOBALS) do
    if rawget(_G, name) == nil then lazy[name] = true end
  end
  local mt = getmetatable(_G) or {}
  if mt.__luatlsModules then return end
  local prev = mt.__index
  mt.__luatlsModules = lazy
  mt.__index = function(t, k)
    if lazy[k] then
      lazy[k] = nil
      local m = require(k)
      rawset(t, k, m)
      return m
    end
    if type(prev) == 'function' then return prev(t, k) end
    if prev ~= nil then return prev[k] end
  end
  setmetatable(_G, mt)
end

-- main ------------------------------------------------------------------

-- "Uncaught <the error>" and its traceback: an error object with its fields
-- (code, errno, syscall, address, port...), any other value as util.inspect
-- shows it; a string is the message and traceback Lua made
function M.format_uncaught(err)
  if type(err) ~= 'table' then return 'Uncaught Error: ' .. tostring(err) end
  local stack = rawget(err, 'stack')
  rawset(err, 'stack', nil)
  local ok, shown = pcall(util.inspect, err)
  rawset(err, 'stack', stack)
  if not ok then shown = tostring(err) end
  local msg = 'Uncaught ' .. shown
  if stack then msg = msg .. '\n' .. tostring(stack) end
  return msg
end

local function report(err)
  io.stderr:write(M.format_uncaught(err), '\n')
end

-- runs f(...) and then the loop; returns the exit code
function M.run(f, ...)
  local ok, err = xpcall(f, errors.traceback, ...)
  if ok then ok, err = xpcall(tick.run, errors.traceback) end
  if ok then ok, err = xpcall(core.run, errors.traceback) end
  if not ok then
    report(err)
    emit_exit(1)
    return 1
  end
  emit_exit(process.exitCode or 0)
  return process.exitCode or 0
end

local USAGE = [[
Usage: luatls [options] [script.lua | -] [arguments]

  -e, --eval CODE   run CODE
  -p, --print CODE  run CODE and print its value
  -i, --interactive start the REPL (after the script, if one is given)
  -v, --version     print the version
  -h, --help        print this help
  --tls-cipher-list=LIST           the default cipher list (tls.DEFAULT_CIPHERS)
  --tls-min-v1.0 ... --tls-min-v1.3  the default minimum TLS version
  --tls-max-v1.2, --tls-max-v1.3   the default maximum TLS version
  --use-openssl-ca                 trust OpenSSL's CA store (the default)
  --tls-keylog=FILE                append TLS key material to FILE (NSS key log format)

Environment: LUATLS_EXTRA_CA_CERTS=FILE adds trusted CAs; SSLKEYLOGFILE=FILE logs TLS
keys as --tls-keylog does; LUATLS_PATH adds module paths.

With no script, luatls starts the REPL on a terminal, or reads the script
from standard input when that is not a terminal.
Documentation: doc/ in the source tree.
]]

-- Node's TLS flags: they set the tls module's defaults before the script runs
local TLS_FLAGS = {
  ['--tls-min-v1.0'] = { 'DEFAULT_MIN_VERSION', 'TLSv1' },
  ['--tls-min-v1.1'] = { 'DEFAULT_MIN_VERSION', 'TLSv1.1' },
  ['--tls-min-v1.2'] = { 'DEFAULT_MIN_VERSION', 'TLSv1.2' },
  ['--tls-min-v1.3'] = { 'DEFAULT_MIN_VERSION', 'TLSv1.3' },
  ['--tls-max-v1.2'] = { 'DEFAULT_MAX_VERSION', 'TLSv1.2' },
  ['--tls-max-v1.3'] = { 'DEFAULT_MAX_VERSION', 'TLSv1.3' },
}

local function tls_flag(a)
  local tls = require('tls')
  local list = a:match('^%-%-tls%-cipher%-list=(.*)$')
  if list then tls.DEFAULT_CIPHERS = list return true end
  local keylog = a:match('^%-%-tls%-keylog=(.+)$')
  if keylog then tls._setKeylogFile(keylog) return true end
  local f = TLS_FLAGS[a]
  if f then tls[f[1]] = f[2] return true end
  return a == '--use-openssl-ca'
end

-- -p: the code's values, printed as console.log prints them (nil for none)
local function load_printing(code, name)
  local f, err = load('return ' .. code, name)
  if not f then f, err = load(code, name) end
  if not f then
    -- statements, then an expression (a = 1; a)
    for _, split in ipairs(require('luatls.repl_chunk').splits(code)) do
      f = load(split[1] .. ' return ' .. split[2], name)
      if f then break end
    end
  end
  if not f then return nil, err end
  return function(...)
    local r = table.pack(f(...))
    if r.n == 0 then r = { n = 1 } end
    console.log(table.unpack(r, 1, r.n))
  end
end

local function version_line()
  return ('luatls %s (%s, %s)'):format(core.version, _VERSION, core.openssl_version)
end

function M.main(exe, ...)
  local args = table.pack(...)
  local i, code, interactive, print_result = 1, nil, false, false
  while i <= args.n do
    local a = args[i]
    if a == '-v' or a == '--version' then
      print(version_line())
      return 0
    elseif a == '-h' or a == '--help' then
      io.stdout:write(USAGE)
      return 0
    elseif a == '-i' or a == '--interactive' then
      interactive = true
      i = i + 1
    elseif a == '-e' or a == '--eval' or a == '-p' or a == '--print' then
      code = args[i + 1]
      if not code then io.stderr:write('luatls: ', a, ' needs an argument\n'); return 9 end
      print_result = print_result or a == '-p' or a == '--print'
      i = i + 2
    elseif a:sub(1, 6) == '--tls-' or a == '--use-openssl-ca' then
      if not tls_flag(a) then
        io.stderr:write('luatls: bad option: ', a, '\n')
        return 9
      end
      process.execArgv[#process.execArgv + 1] = a
      i = i + 1
    elseif a:sub(1, 1) == '-' and a ~= '-' then
      io.stderr:write('luatls: bad option: ', a, '\n', USAGE)
      return 9
    else
      break
    end
  end
  if code == nil and args[i] == nil and core.isatty(0) then interactive = true end
  local script = code == nil and (args[i] or (not interactive and '-' or nil)) or nil
  local rest = table.pack(table.unpack(args, script and i + 1 or i, args.n))
  process.argv = { exe, script }
  _G.arg = { [-1] = exe, [0] = script or (code and '-e') or exe }
  for j = 1, rest.n do
    process.argv[#process.argv + 1] = rest[j]
    _G.arg[j] = rest[j]
  end
  local chunk, err
  if not code and not script then
    chunk = function() end
  elseif code and print_result then
    chunk, err = load_printing(code, '=(command line)')
  elseif code then
    chunk, err = load(code, '=(command line)')
  elseif script == '-' then
    chunk, err = load(io.stdin:read('a'), '=stdin')
  else
    chunk, err = loadfile(script)
  end
  if code or script == '-' then M.install_module_globals() end
  if not chunk then
    io.stderr:write('luatls: ', tostring(err), '\n')
    return 1
  end
  if interactive then
    local inner = chunk
    chunk = function(...)
      inner(...)
      require('luatls.repl').start()
    end
  end
  return M.run(chunk, table.unpack(rest, 1, rest.n))
end

return M
