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
---@field console luatls.Console
---@field process luatls.Process
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

---The `luatls` executable's main: parses its command line, runs the script or the REPL.
---@param exe string the path of the executable
---@param ... string the arguments
---@return integer # the exit code
function runtime.main(exe, ...) end

return runtime
