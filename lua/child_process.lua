-- child_process: spawn a program with piped stdin, stdout and stderr.
--   local cp = require('child_process')
--   local child = cp.spawn('openssl', { 'version' })
--   child.stdout:on('data', io.write)
--   child:on('close', function(code) print('exit', code) end)
local core = require('luatls.core')
local EventEmitter = require('events')
local errors = require('luatls.errors')
local net = require('net')

local M = {}

local SIGNALS = { SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10,
  SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19 }
local NAMES = {}
for k, v in pairs(SIGNALS) do NAMES[v] = k end
M.signals = SIGNALS

local ChildProcess = EventEmitter:extend()
M.ChildProcess = ChildProcess

function ChildProcess:init() EventEmitter.init(self) end

-- 'close' follows 'exit' once stdout and stderr have ended, as in Node
local function maybe_close(self)
  if self._exited and self._open == 0 and not self._closed then
    self._closed = true
    self:emit('close', self.exitCode, self.signalCode)
  end
end

function ChildProcess:kill(sig)
  local n
  if type(sig) == 'number' then
    -- a signal number: an integer the kernel knows (0 checks that the child is there)
    n = math.tointeger(sig)
    if n and (n < 0 or n > 64) then n = nil end
  else
    n = SIGNALS[sig or 'SIGTERM']
  end
  if not n then error(errors.new('ERR_UNKNOWN_SIGNAL', 'Unknown signal: ' .. errors.repr(sig), nil, 'TypeError'), 2) end
  if self._exited then return false end
  local ok = core.kill(self.pid, n)
  if ok then self.killed = true end
  return ok
end

function ChildProcess:ref() self._handle:setref(true); return self end
function ChildProcess:unref() self._handle:setref(false); return self end

-- spawn(command[, args][, { env = {...} }])
function M.spawn(command, args, options)
  errors.check('command', command, 'string')
  if type(args) ~= 'table' or (args[1] == nil and next(args) ~= nil) then args, options = {}, args end
  options = options or {}
  local env
  if options.env then
    env = {}
    for k, v in pairs(options.env) do
      local entry = tostring(k) .. '=' .. tostring(v)
      -- C strings end at a NUL: a variable cut short there is refused, as in Node
      if entry:find('\0', 1, true) then
        error(errors.new('ERR_INVALID_ARG_VALUE', ("The property 'options.env['%s']' must be a string without null bytes")
          :format((tostring(k):gsub('%z', '\\x00'))), { option = 'options.env' }, 'TypeError'), 2)
      end
      env[#env + 1] = entry
    end
  end
  local child = ChildProcess()
  child.exitCode, child.signalCode = nil, nil
  local handle, pid, fin, fout, ferr = core.spawn(command, args, env, function(code, sig)
    child._exited = true
    child.exitCode = code
    child.signalCode = sig and (NAMES[sig] or sig) or nil
    child:emit('exit', child.exitCode, child.signalCode)
    maybe_close(child)
  end)
  child._handle, child.pid = handle, pid
  child.stdin = net.Socket({ handle = core.pipe_open(fin) })
  child.stdout = net.Socket({ handle = core.pipe_open(fout) })
  child.stderr = net.Socket({ handle = core.pipe_open(ferr) })
  child._open = 2
  for _, s in ipairs({ child.stdout, child.stderr }) do
    s:on('close', function()
      child._open = child._open - 1
      maybe_close(child)
    end)
    s:on('data', function() end)   -- drain, so a chatty child never blocks
  end
  -- stdin is write-only: once ended, or once the child is gone, it is done
  child.stdin:on('error', function() end)
  child.stdin:on('finish', function() child.stdin:destroy() end)
  child:on('exit', function() child.stdin:destroy() end)
  return child
end

return M
