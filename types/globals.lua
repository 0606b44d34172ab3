---@meta

-- The globals the luatls runtime installs before a script runs (and that
-- require('luatls.runtime') installs in a stock Lua).

---`console`: formatted output, as `util.format` formats.
---@class luatls.Console
console = {}

---Writes a line to stdout.
---@param ... any
function console.log(...) end

---The same as `console.log`.
---@param ... any
function console.info(...) end

---The same as `console.log`.
---@param ... any
function console.debug(...) end

---Writes a line to stderr.
---@param ... any
function console.error(...) end

---The same as `console.error`.
---@param ... any
function console.warn(...) end

---Writes `util.inspect(value, options)` to stdout.
---@param value any
---@param options? util.InspectOptions
function console.dir(value, options) end

---`process.stdout`, `process.stderr`.
---@class luatls.ProcessWriter
local ProcessWriter = {}

---@param s string
---@return boolean
function ProcessWriter:write(s) end

---`process.versions`.
---@class luatls.ProcessVersions
---@field luatls string
---@field lua string
---@field openssl string

---`process.hrtime()`: `{ seconds, nanoseconds }` of a monotonic clock.
---@class luatls.HrTime
---@overload fun(): integer[]
local HrTime = {}

---Nanoseconds of a monotonic clock.
---@return integer
function HrTime.bigint() end

---@alias luatls.ProcessEvent
---| "exit"              # (code: integer): the process is about to exit
---| "uncaughtException" # (err: any, origin: string): an error escaped a callback; with a listener the process goes on

---`process`: facts and controls of the running process; an `EventEmitter`.
---@class luatls.Process: events.EventEmitter
---@field argv string[] `{ path of luatls, script, args... }`
---@field execArgv string[] The `--tls-*`, `--use-openssl-ca` and `--trace-internals` options given to luatls.
---@field env table<string, string> Environment variables; assignments are seen by later reads.
---@field pid integer
---@field platform string `'linux'`
---@field version string `'v0.1.0'`
---@field versions luatls.ProcessVersions
---@field exitCode integer? The exit code used when the loop ends.
---@field hrtime luatls.HrTime
---@field stdout luatls.ProcessWriter
---@field stderr luatls.ProcessWriter
---@field stdin luatls.ProcessStdin Made when first read; raises `ERR_STDIN_OWNED_BY_REPL` while the REPL runs.
process = {}

---`process.stdin`: a readable `net.Socket` over fd 0 (a pipe, a file or a terminal), as
---Node's. It reads nothing until a `'data'` listener, `resume()`, `pipe()` or `read()`
---asks, so a script that never reads it does not wait for input. `'end'` comes at the end
---of input, then `'close'`. Not writable. While the REPL runs, its line editor owns the
---terminal: reading `process.stdin` then raises `ERR_STDIN_OWNED_BY_REPL`, and one made by
---a script run with `-i` is closed when the prompt starts.
---@class luatls.ProcessStdin: net.Socket
---@field fd integer `0`
---@field isTTY boolean? `true` when fd 0 is a terminal, else `nil`

---Emits `'exit'` and exits now.
---@param code? integer|string default `process.exitCode` or 0; a string of an integer is taken as that integer
function process.exit(code) end

---Exits at once with code 134.
function process.abort() end

---Runs `fn(...)` after the current callback, before any I/O.
---@param fn function
---@param ... any
function process.nextTick(fn, ...) end

---The working directory.
---@return string
function process.cwd() end

---Seconds since the start.
---@return number
function process.uptime() end

---@return { rss: integer, heapUsed: integer, heapTotal: integer, external: integer }
function process.memoryUsage() end

---@param event luatls.ProcessEvent|string
---@param listener function
---@return luatls.Process
---@overload fun(self: luatls.Process, event: "exit", listener: fun(code: integer)): luatls.Process
---@overload fun(self: luatls.Process, event: "uncaughtException", listener: fun(err: any, origin: string)): luatls.Process
function process:on(event, listener) end

---Runs `fn(...)` once, after `ms` milliseconds (at least 1).
---@param fn function
---@param ms? number
---@param ... any
---@return timers.Timeout
function setTimeout(fn, ms, ...) end

---Runs `fn(...)` every `ms` milliseconds.
---@param fn function
---@param ms? number
---@param ... any
---@return timers.Timeout
function setInterval(fn, ms, ...) end

---@param timeout timers.Timeout?
function clearTimeout(timeout) end

---@param timeout timers.Timeout?
function clearInterval(timeout) end

---Runs `fn(...)` once, after the I/O of this loop iteration.
---@param fn function
---@param ... any
---@return timers.Immediate
function setImmediate(fn, ...) end

---@param immediate timers.Immediate?
function clearImmediate(immediate) end
