---@meta child_process

---`require('child_process')`: programs with piped standard streams.
---@class child_processlib
local child_process = {}

---Options of `spawn`.
---@class child_process.SpawnOptions
---@field env table<string, string|number>? The child's whole environment (default: this process's).

---The signal numbers `kill` knows by name.
---@class child_process.Signals
---@field SIGHUP integer
---@field SIGINT integer
---@field SIGQUIT integer
---@field SIGKILL integer
---@field SIGUSR1 integer
---@field SIGUSR2 integer
---@field SIGPIPE integer
---@field SIGALRM integer
---@field SIGTERM integer
---@field SIGCONT integer
---@field SIGSTOP integer

---@alias child_process.Signal "SIGHUP"|"SIGINT"|"SIGQUIT"|"SIGKILL"|"SIGUSR1"|"SIGUSR2"|"SIGPIPE"|"SIGALRM"|"SIGTERM"|"SIGCONT"|"SIGSTOP"

---@alias child_process.ChildProcessEvent
---| "exit"  # (code: integer?, signal: string?): the child has exited
---| "close" # (code: integer?, signal: string?): after 'exit', once stdout and stderr have ended
---| "error" # (err: luatls.Error)

---@type child_process.Signals
child_process.signals = nil

---A running program.
---@class child_process.ChildProcess: events.EventEmitter
---@overload fun(): child_process.ChildProcess
---@field pid integer
---@field stdin net.Socket Writable.
---@field stdout net.Socket Readable.
---@field stderr net.Socket Readable.
---@field exitCode integer? Once it has exited.
---@field signalCode string? The signal that ended it, as `'SIGTERM'`.
---@field killed boolean? Whether `kill` sent a signal.
child_process.ChildProcess = {}

---Sends a signal (`'SIGTERM'` by default); false when it has exited already.
---@param signal? child_process.Signal|integer
---@return boolean
function child_process.ChildProcess:kill(signal) end

---@return self
function child_process.ChildProcess:ref() end

---@return self
function child_process.ChildProcess:unref() end

---@param event child_process.ChildProcessEvent|string
---@param listener function
---@return self
---@overload fun(self: child_process.ChildProcess, event: "exit", listener: fun(code: integer?, signal: string?)): child_process.ChildProcess
---@overload fun(self: child_process.ChildProcess, event: "close", listener: fun(code: integer?, signal: string?)): child_process.ChildProcess
function child_process.ChildProcess:on(event, listener) end

---Starts `command` (looked up on the PATH) with `args`.
---@param command string
---@param args? string[]|child_process.SpawnOptions
---@param options? child_process.SpawnOptions
---@return child_process.ChildProcess
function child_process.spawn(command, args, options) end

return child_process
