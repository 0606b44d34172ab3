---@meta util

---`require('util')`: inspect and format, and the abort signals of the `signal` option.
---@class utillib
local util = {}

---How many bytes of a binary string `util.inspect` shows (`<Buffer 30 82 ...>`) when the
---`maxBufferLength` option is not given, as Node's `buffer.INSPECT_MAX_BYTES` (50); scripts
---may change it.
---@type integer
util.INSPECT_MAX_BYTES = nil

---Options of `util.inspect` and `console.dir`, as Node's.
---@class util.InspectOptions
---@field depth number|false|nil How deep to show nested tables (2); `math.huge` or `false` for no limit.
---@field maxArrayLength integer? How many entries of a sequence (and then of the other keys) are shown before `... N more items` (100).
---@field maxStringLength integer? How many characters of a string are shown before `... N more characters` (10000).
---@field maxBufferLength integer? How many bytes of a binary string are shown as `<Buffer ...>` (`util.INSPECT_MAX_BYTES`).
---@field breakLength integer? The width above which a table is shown on several lines (80).
---@field colors boolean? `true`: ANSI colours, in Node's styles (strings green, numbers yellow, ...); default false.

---A readable text for any value, as Node's `util.inspect` shows it: nested tables to a
---depth, cycles marked `[Circular *1]`, error objects with their fields, binary strings as
---`<Buffer ...>`, functions by the name they are found under.
---@param value any
---@param options? util.InspectOptions
---@return string
function util.inspect(value, options) end

---Node's format: `%s %d %i %f %j %o %O %%`; extra arguments are inspected.
---@param format any
---@param ... any
---@return string
function util.format(format, ...) end

---The events of an abort signal.
---@alias util.AbortSignalEvent
---| "abort" # (signal: util.AbortSignal): emitted once, when the signal is aborted

---The class of abort signals (`util.AbortSignal`): an `EventEmitter` with the web API's
---spellings. `AbortController()` makes the signals the `signal` option takes.
---@class util.AbortSignalClass: events.EventEmitter
---@overload fun(): util.AbortSignal
local AbortSignalClass = {}

---A signal that is already aborted, as Node's static `AbortSignal.abort([reason])`.
---@param reason? any default: an `ABORT_ERR` error (`name` `'AbortError'`)
---@return util.AbortSignal
function AbortSignalClass.abort(reason) end

---Node's `addEventListener` spelling of `on`, for code written against the web API.
---@param event util.AbortSignalEvent|string
---@param listener fun(signal: util.AbortSignal)
---@return self
function AbortSignalClass:addEventListener(event, listener) end

---Node's `removeEventListener` spelling of `removeListener`.
---@param event util.AbortSignalEvent|string
---@param listener function
---@return self
function AbortSignalClass:removeEventListener(event, listener) end

---Raises `reason` when the signal has been aborted; does nothing otherwise.
function AbortSignalClass:throwIfAborted() end

---@param event util.AbortSignalEvent|string
---@param listener function
---@return self
---@overload fun(self: util.AbortSignal, event: "abort", listener: fun(signal: util.AbortSignal)): util.AbortSignal
function AbortSignalClass:on(event, listener) end

---An abort signal, `controller.signal`: passed as the `signal` option of `net.connect`,
---`tls.connect`, `net.Socket(options)` and `server:listen(options)`, it destroys the socket
---(with an `ABORT_ERR` error whose `cause` is the reason) or closes the server when aborted.
---@class util.AbortSignal: util.AbortSignalClass
---@field aborted boolean Whether `abort` has been called.
---@field reason any? Why: what was given to `controller:abort(reason)`, else an `ABORT_ERR` error; nil until aborted.

---`util.AbortSignal`: the class, with `AbortSignal.abort([reason])`.
---@type util.AbortSignalClass
util.AbortSignal = nil

---The class of abort controllers (`util.AbortController`): call it to make one.
---```lua
---local ac = require('util').AbortController()
---local c = net.connect({ port = 80, host = 'example.org', signal = ac.signal })
---ac:abort()   -- c is destroyed with an error whose code is 'ABORT_ERR'
---```
---@class util.AbortControllerClass: luatls.Object
---@overload fun(): util.AbortController
local AbortControllerClass = {}

---Aborts the signal: sets `signal.aborted` and `signal.reason`, then emits `'abort'`; only
---the first call does anything.
---@param reason? any default: an `ABORT_ERR` error (`name` `'AbortError'`)
function AbortControllerClass:abort(reason) end

---An abort controller: `controller:abort([reason])` aborts `controller.signal`.
---@class util.AbortController: util.AbortControllerClass
---@field signal util.AbortSignal Its signal, made with it.

---`util.AbortController()`: makes a controller with a new signal.
---@type util.AbortControllerClass
util.AbortController = nil

return util
