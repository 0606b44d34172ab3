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

-- process is an EventEmitter whose stdin is made when first read
local Process = EventEmitter:extend()
Process.__name = 'process'
local lazy_process = {}
Process.__index = function(t, k)
  local v = Process[k]
  if v ~= nil then return v end
  local make = lazy_process[k]
  if make then
    v = make()
    rawset(t, k, v)
    return v
  end
end
local process = Process()
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

-- process.stdin: a readable net.Socket over fd 0 (a pipe, a file or a
-- terminal), as Node's. fd 0 is opened for the loop only when a 'data'
-- listener, resume(), pipe() or read() asks for bytes: until then nothing is
-- read and no handle exists. While the REPL runs, its line editor owns the
-- terminal and process.stdin is refused.
M.repl_owns_stdin = false
local Stdin

local function stdin_class()
  local net = require('net')
  local Socket = net.Socket
  local cls = Socket:extend()
  cls.__name = 'ReadStream'
  -- the handle, made when reading is first asked for
  function cls:_open()
    if self._handle or self.destroyed then return end
    local paused = self._paused
    self._paused = true     -- _attach must not start reading: the caller does
    self:_attach(core.stdin_open())
    self._paused = paused
  end
  function cls:_read(n)
    self:_open()
    return Socket._read(self, n)
  end
  function cls:resume()
    self:_open()
    return Socket.resume(self)
  end
  return cls
end

function lazy_process.stdin()
  if M.repl_owns_stdin then
    error(errors.new('ERR_STDIN_OWNED_BY_REPL',
      "process.stdin is not available in the REPL: its line editor reads the terminal",
      nil, 'Error'), 3)
  end
  Stdin = Stdin or stdin_class()
  local s = Stdin()
  s.connecting, s.pending = false, false
  s.readable, s.writable = true, false
  s.fd = 0
  s.isTTY = core.stdin_kind() == 'tty' or nil
  s:_updateState()
  -- a write side it never had: the end of input closes the stream
  s:on('end', function() s:destroy() end)
  return s
end

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

-- Tracebacks ------------------------------------------------------------

-- the directory of the runtime's Lua files, as tracebacks name it
local LUADIR = (debug.getinfo(1, 'S').source:match('^@(.*)luatls/runtime%.lua$'))

-- frames of the runtime's own files are left out of printed tracebacks,
-- unless --trace-internals or LUATLS_TRACE_INTERNALS=1 asks for them
M.trace_internals = os.getenv('LUATLS_TRACE_INTERNALS') == '1'

-- is this source (as a traceback shows it, maybe cut to "...tail") one of ours?
local function internal(src)
  if not LUADIR then return false end
  if src:sub(1, #LUADIR) == LUADIR then return true end
  local tail = src:match('^%.%.%.(.*)$')
  if not tail then return false end
  local name = tail:match('([^/]+%.lua)$')
  if not name then return false end
  for _, path in ipairs({ LUADIR .. name, LUADIR .. 'luatls/' .. name }) do
    if path:sub(-#tail) == tail then return true end
  end
  return false
end

-- the source of a traceback line, or nil for [C] frames, tail calls, skips
local function frame_source(line)
  local body = line:match('^\t(.*)$')
  if not body or body:match('^%[C%]') or body:match('^%(%.%.%.') or body:match('^%.%.%.\t') then return nil end
  return body:match('^(.-):%d+:') or body:match('^(.-):')
end

-- Keeps the user's frames; a [C] frame or a tail call stays when the next
-- Lua frame below it is the user's. Returns the lines and the first frame kept.
function M.filter_traceback(trace)
  local lines = {}
  for l in (trace .. '\n'):gmatch('(.-)\n') do lines[#lines + 1] = l end
  local kept, first = {}, nil
  for i, l in ipairs(lines) do
    local src = frame_source(l)
    local keep
    if l == 'stack traceback:' then
      keep = false
    elseif src then
      keep = not internal(src)
    else
      keep = false
      for j = i + 1, #lines do
        local below = frame_source(lines[j])
        if below then keep = not internal(below) break end
      end
    end
    if keep then
      kept[#kept + 1] = l
      if src and not first then first = l:match('^\t(.-:%d+):') end
    end
  end
  return kept, first
end

-- message and traceback with the runtime's frames left out; a message that
-- names a place in the runtime names the user's first frame first
function M.clean_trace(message, trace)
  if M.trace_internals or not trace then return message, trace end
  local kept, first = M.filter_traceback(trace)
  local where, rest = message:match('^(.-):(%d+:.*)$')
  if where and internal(where) and first then
    local line, text = rest:match('^(%d+):%s?(.*)$')
    message = ('%s: %s (in %s:%s)'):format(first, text, where:match('([^/]+)$'), line)
  end
  if #kept == 0 then
    return message, 'stack traceback:\n\t(only the runtime\'s frames: --trace-internals shows them)'
  end
  return message, 'stack traceback:\n' .. table.concat(kept, '\n')
end

-- "Uncaught <the error>" and its traceback: an error object with its fields
-- (code, errno, syscall, address, port...), any other value as util.inspect
-- shows it; a string is the message and traceback Lua made
function M.format_uncaught(err)
  if type(err) ~= 'table' then
    local text = tostring(err)
    local message, trace = text:match('^(.-)\n(stack traceback:\n.*)$')
    message, trace = M.clean_trace(message or text, trace)
    return 'Uncaught Error: ' .. message .. (trace and ('\n' .. trace) or '')
  end
  local stack = rawget(err, 'stack')
  rawset(err, 'stack', nil)
  local ok, shown = pcall(util.inspect, err)
  rawset(err, 'stack', stack)
  if not ok then shown = tostring(err) end
  local _, trace = M.clean_trace('', type(stack) == 'string' and stack or nil)
  local msg = 'Uncaught ' .. shown
  if trace then msg = msg .. '\n' .. trace end
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
       luatls connect HOST[:PORT] [options] [script.lua]  a scriptable TLS client
       luatls serve (--echo | --http-hello) [options]     a TLS server, nothing to prepare
       (luatls connect --help, luatls serve --help: their options)

  -e, --eval CODE   run CODE
  -p, --print CODE  run CODE and print its value
  -i, --interactive start the REPL (after the script, if one is given)
  -v, --version     print the version
  --trace-internals tracebacks show the runtime's own frames too
  -h, --help        print this help
  --tls-cipher-list=LIST           the default cipher list (tls.DEFAULT_CIPHERS)
  --tls-min-v1.0 ... --tls-min-v1.3  the default minimum TLS version
  --tls-max-v1.2, --tls-max-v1.3   the default maximum TLS version
  --use-openssl-ca                 trust OpenSSL's CA store (the default)
  --tls-keylog=FILE                append TLS key material to FILE (NSS key log format)
  --trace-tls                      trace every TLS connection on stderr (enableTrace)

Environment: LUATLS_EXTRA_CA_CERTS=FILE adds trusted CAs; SSLKEYLOGFILE=FILE logs TLS
keys as --tls-keylog does; LUATLS_PATH adds module paths; LUATLS_TRACE_INTERNALS=1
as --trace-internals.

With no script, luatls starts the REPL on a terminal, or reads the script
from standard input when that is not a terminal.
Documentation: doc/ in the source tree.
]]

-- Node's TLS flags: they set the tls module's defaults before the script runs.
-- As in Node, of several --tls-min-v* the lowest wins and --tls-max-v1.3 wins
-- over --tls-max-v1.2, whatever their order.
local MIN_FLAGS = { ['--tls-min-v1.0'] = 'TLSv1', ['--tls-min-v1.1'] = 'TLSv1.1',
  ['--tls-min-v1.2'] = 'TLSv1.2', ['--tls-min-v1.3'] = 'TLSv1.3' }
local MAX_FLAGS = { ['--tls-max-v1.2'] = 'TLSv1.2', ['--tls-max-v1.3'] = 'TLSv1.3' }

local function tls_flag(a, seen)
  local tls = require('tls')
  local list = a:match('^%-%-tls%-cipher%-list=(.*)$')
  if list then tls.DEFAULT_CIPHERS = list return true end
  local keylog = a:match('^%-%-tls%-keylog=(.+)$')
  if keylog then tls._setKeylogFile(keylog) return true end
  if a == '--trace-tls' then tls._traceTls = true return true end
  seen[a] = true
  local v = MIN_FLAGS[a] or MAX_FLAGS[a]
  if v then
    local key = MIN_FLAGS[a] and 'DEFAULT_MIN_VERSION' or 'DEFAULT_MAX_VERSION'
    local cur = seen[key]
    if cur == nil or (key == 'DEFAULT_MIN_VERSION') == (v < cur) then seen[key] = v end
    tls[key] = seen[key]
    return true
  end
  return a == '--use-openssl-ca'
end

-- the flags Node refuses together (exit code 9)
local function tls_flags_conflict(seen)
  if seen['--tls-min-v1.3'] and seen['--tls-max-v1.2'] then
    return 'either --tls-min-v1.3 or --tls-max-v1.2 can be used, not both'
  end
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

-- the subcommands: `luatls connect ...`, `luatls serve ...`
M.SUBCOMMANDS = { connect = 'luatls.connect', serve = 'luatls.serve' }

function M.main(exe, ...)
  local args = table.pack(...)
  local sub = M.SUBCOMMANDS[args[1]]
  if sub then
    return require(sub).main(exe, { table.unpack(args, 2, args.n) })
  end
  local i, code, interactive, print_result = 1, nil, false, false
  local seen = {}
  while i <= args.n do
    local a = args[i]
    if a == '-v' or a == '--version' then
      print(version_line())
      return 0
    elseif a == '-h' or a == '--help' then
      io.stdout:write(USAGE)
      return 0
    elseif a == '--trace-internals' then
      M.trace_internals = true
      process.execArgv[#process.execArgv + 1] = a
      i = i + 1
    elseif a == '-i' or a == '--interactive' then
      interactive = true
      i = i + 1
    elseif a == '-e' or a == '--eval' or a == '-p' or a == '--print' then
      code = args[i + 1]
      if not code then io.stderr:write('luatls: ', a, ' needs an argument\n'); return 9 end
      print_result = print_result or a == '-p' or a == '--print'
      i = i + 2
    elseif a:sub(1, 6) == '--tls-' or a == '--use-openssl-ca' or a == '--trace-tls' then
      if not tls_flag(a, seen) then
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
  local conflict = tls_flags_conflict(seen)
  if conflict then
    io.stderr:write('luatls: ', conflict, '\n')
    return 9
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
  -- a cluster worker: the IPC channel and process.send, before the script runs
  if os.getenv('LUATLS_CLUSTER_FD') then require('cluster') end
  return M.run(chunk, table.unpack(rest, 1, rest.n))
end

return M
