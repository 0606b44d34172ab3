---@meta luatls.runtime

---`require('luatls.runtime')`: the runtime. Requiring it installs the globals (`console`,
---`process`, the timers); in a stock `lua5.4` script, `run` then runs the event loop:
---```lua
---local runtime = require('luatls.runtime')
---local tls = require('tls')
---local server = tls.createServer(options, function(s) s:pipe(s) end)
---server:listen(8443)
---os.exit(runtime.run(function() end))
---```
---@class luatls.runtime
---@field console luatls.Console The `console` global.
---@field process luatls.Process The `process` global.
---@field trace_internals boolean Internal, for `--trace-internals`: when true, tracebacks of uncaught errors keep the runtime's own frames. Set by that option or by `LUATLS_TRACE_INTERNALS=1`; not meant to be changed by scripts.
---@field MODULE_GLOBALS string[] Internal, shared with the REPL: the modules that `install_module_globals` makes globals (`tls`, `net`, `fs`, `util`, `events`, `crypto`, `child_process`, `dns`).
---@field SUBCOMMANDS table<string, string> Internal: the commands of the executable (`luatls connect`, `luatls serve`) and the module whose `main(exe, args)` runs each.
---@field repl_owns_stdin boolean Internal: true once the REPL has started; `process.stdin` is refused from then on.
local runtime = {}

---Installs the globals (done once when the module is first required).
function runtime.install() end

---Runs `fn(...)`, then the `process.nextTick` callbacks, then the event loop until nothing
---is left; returns the exit code (`process.exitCode`, or 1 after an uncaught error, which
---is printed).
---@param fn function
---@param ... any
---@return integer
function runtime.run(fn, ...) end

---Internal, shared with the REPL: makes the modules of `MODULE_GLOBALS` globals that are
---required when first read (through an `__index` on `_G`), as the REPL, `-e`, `-p` and
---piped scripts have them; script files do not. A second call does nothing.
function runtime.install_module_globals() end

---Internal, used by `clean_trace`: keeps the lines of a Lua traceback that are frames of
---the user's code (not of the runtime's Lua files); a `[C]` frame or a tail call stays when
---the next Lua frame below it is the user's.
---@param trace string a traceback, as `debug.traceback` makes it
---@return string[] kept the frame lines kept, without the `stack traceback:` header
---@return string? first the `file:line` of the first Lua frame kept
function runtime.filter_traceback(trace) end

---Internal, used by `format_uncaught`: the message and traceback of an uncaught error with
---the runtime's frames left out (unless `trace_internals`); a message that names a place in
---the runtime is made to name the user's first frame first.
---@param message string
---@param trace string? the traceback, if any
---@return string message
---@return string? trace
function runtime.clean_trace(message, trace) end

---Internal, shared with the REPL: the text printed for an uncaught error: `Uncaught `, the
---error (an error object with its fields, any other value as `util.inspect` shows it), and
---its traceback without the runtime's frames.
---@param err any
---@return string
function runtime.format_uncaught(err) end

---The `luatls` executable's main: parses its command line, runs the script or the REPL.
---@param exe string the path of the executable
---@param ... string the arguments
---@return integer # the exit code
function runtime.main(exe, ...) end

return runtime
