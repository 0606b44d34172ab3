---@meta luatls.async

---`require('luatls.async')`: sequential protocol scripts. A task is a coroutine whose socket
---reads, writes, connects, sleeps and event waits suspend the task, not the loop; failures
---come back as Lua errors carrying error objects. See doc/async.md.
---```lua
---local async = require('luatls.async')
---async.run(function()
---  local s = async.tls.connect({ host = 'localhost', port = 8443, ca = ca, timeout = 5000 })
---  s:writeAsync('EHLO me\r\n')
---  print(s:readLine())
---  s:endAsync()
---end):catch(function(err) print('failed:', err.code) end)
---```
---@class luatls.async
---@field defaultTimeout number? The timeout (ms) of socket operations and `once` when neither the call nor the socket sets one; `nil` (the default) waits as long as it takes.
local async = {}

---The options of one call: its timeout, and a signal that ends it.
---@class luatls.async.WaitOptions
---@field timeout number|false? Milliseconds before the call fails with `ETIMEDOUT` (error fields `operation`, `timeout`); `false` or 0: none, whatever the socket's default says.
---@field signal table? An AbortSignal (`require('util').AbortController().signal`): when it aborts, the call fails with `ABORT_ERR` (`cause` = its reason). Connect options pass it on to `net.connect`/`tls.connect`, where aborting destroys the socket.

---The options of `async.net.connect`: `net.connect`'s, plus the socket's default timeout.
---@class luatls.async.NetConnectOptions: net.ConnectOptions, luatls.async.WaitOptions

---The options of `async.tls.connect`: `tls.connect`'s, plus the socket's default timeout
---(which also bounds the connect and the handshake).
---@class luatls.async.TLSConnectOptions: tls.ConnectOptions, luatls.async.WaitOptions

---The options of `s:starttls()`: `tls.connect`'s (a client), or `tls.TLSSocket`'s with
---`isServer = true`; plus the new socket's default timeout.
---@class luatls.async.StartTLSOptions: tls.ConnectOptions, tls.TLSSocketOptions, luatls.async.WaitOptions

---A running or finished task, from `async.run`.
---@class luatls.async.Task: luatls.Object
---@field status "pending"|"fulfilled"|"rejected"
---@field values table? Once fulfilled: what the function returned (`table.pack`ed).
---@field error any Once rejected: what it raised.
async.Task = {}

---Calls `onFulfilled(...)` with the task's values or `onRejected(err)` with its error, on a later tick (also when the task has already ended). With `onRejected` the error counts as handled.
---@param onFulfilled? fun(...)
---@param onRejected? fun(err: any)
---@return self
function async.Task:next(onFulfilled, onRejected) end

---`task:next(nil, onRejected)`.
---@param onRejected fun(err: any)
---@return self
function async.Task:catch(onRejected) end

---Inside another task: waits for this one; returns its values or raises its error.
---@param opts? luatls.async.WaitOptions
---@return any ...
function async.Task:await(opts) end

---Fails the wait the task is in, and every later one, with `ABORT_ERR` (`cause = reason`); `false` when the task has ended.
---@param reason? any
---@return boolean
function async.Task:cancel(reason) end

---A socket (or any duplex stream) read and written from a task. What it does not have comes from
---the socket: `s.authorized`, `s:getProtocol()`, `s:write(data)`, `s:destroy()`.
---@class luatls.async.AsyncSocket: luatls.Object
---@field socket net.Socket|tls.TLSSocket The socket it reads.
---@field timeout number|false? The default timeout (ms) of this socket's operations.
async.AsyncSocket = {}

---`n` bytes; fewer only when the stream ended first; `nil` when nothing is left. Without `n`: what has arrived (at least a byte).
---@param n? integer|luatls.async.WaitOptions
---@param opts? luatls.async.WaitOptions
---@return string?
function async.AsyncSocket:read(n, opts) end

---The next line without its `'\n'` or `'\r\n'`; the last one may have no end of line; `nil` when nothing is left.
---@param opts? luatls.async.WaitOptions
---@return string?
function async.AsyncSocket:readLine(opts) end

---Everything up to and including `delim`; when the stream ends first, what was left; `nil` when nothing is left.
---@param delim string
---@param opts? luatls.async.WaitOptions
---@return string?
function async.AsyncSocket:readUntil(delim, opts) end

---Everything until the stream ends (`''` when nothing came).
---@param opts? luatls.async.WaitOptions
---@return string
function async.AsyncSocket:readAll(opts) end

---An iterator of `readLine`: `for line in s:lines() do ... end`.
---@param opts? luatls.async.WaitOptions
---@return fun(): string?
function async.AsyncSocket:lines(opts) end

---Writes `data`; when the socket's queue is above its high-water mark, waits for `'drain'`.
---@param data string
---@param opts? luatls.async.WaitOptions
---@return true
function async.AsyncSocket:writeAsync(data, opts) end

---Ends the writing side (TLS: close_notify first), after `data`, and waits until that is done (`'finish'`).
---@param data? string|luatls.async.WaitOptions
---@param opts? luatls.async.WaitOptions
function async.AsyncSocket:endAsync(data, opts) end

---Upgrades a plain connection to TLS (STARTTLS) once the protocol says so; returns the new
---AsyncSocket when its handshake is done. This one is spent.
---@param opts? luatls.async.StartTLSOptions
---@return luatls.async.AsyncSocket
function async.AsyncSocket:starttls(opts) end

---Starts `fn(...)` as a task, at once, up to its first suspension.
---@param fn function
---@param ... any
---@return luatls.async.Task
function async.run(fn, ...) end

---A function that starts `fn(...)` as a task each time it is called (a listener).
---@param fn function
---@return fun(...): luatls.async.Task
function async.fn(fn) end

---The task running now, or `nil` outside one.
---@return luatls.async.Task?
function async.running() end

---`task:await(opts)`.
---@param task luatls.async.Task
---@param opts? luatls.async.WaitOptions
---@return any ...
function async.await(task, opts) end

---Suspends the task for `ms` milliseconds (`opts.signal` ends it early with `ABORT_ERR`).
---@param ms number
---@param opts? luatls.async.WaitOptions
function async.sleep(ms, opts) end

---Waits for `event` and returns its arguments, as Node's `events.once`; an `'error'` emitted meanwhile is raised.
---@param emitter events.EventEmitter
---@param event string
---@param opts? luatls.async.WaitOptions
---@return any ...
function async.once(emitter, event, opts) end

---Runs the functions as tasks side by side (tasks are waited for) and returns their first values in order (`n` is their number). The first error cancels the others, waits until they end, and is raised.
---@param list (function|luatls.async.Task)[]
---@param opts? luatls.async.WaitOptions
---@return table
function async.all(list, opts) end

---The AsyncSocket of a socket or any duplex stream (the same one each time for one socket).
---@param socket net.Socket|tls.TLSSocket|stream.Duplex
---@param opts? luatls.async.WaitOptions the socket's default timeout
---@return luatls.async.AsyncSocket
function async.wrap(socket, opts) end

---@class luatls.async.net
local asyncnet = {}
async.net = asyncnet

---`net.connect`, returning once connected.
---@param port integer|string|luatls.async.NetConnectOptions
---@param host? string|luatls.async.NetConnectOptions
---@param opts? luatls.async.NetConnectOptions
---@return luatls.async.AsyncSocket
function asyncnet.connect(port, host, opts) end

---The same as `connect`.
---@param port integer|string|luatls.async.NetConnectOptions
---@param host? string|luatls.async.NetConnectOptions
---@param opts? luatls.async.NetConnectOptions
---@return luatls.async.AsyncSocket
function asyncnet.createConnection(port, host, opts) end

---@class luatls.async.tls
local asynctls = {}
async.tls = asynctls

---`tls.connect`, returning once the handshake is done and the certificate accepted.
---@param port integer|string|luatls.async.TLSConnectOptions
---@param host? string|luatls.async.TLSConnectOptions
---@param opts? luatls.async.TLSConnectOptions
---@return luatls.async.AsyncSocket
function asynctls.connect(port, host, opts) end

return async
