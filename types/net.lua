---@meta net

---`require('net')`: TCP and Unix domain sockets and servers, as in Node.
---@class netlib
local net = {}

---Options of `net.Socket(options)` (and of `net.connect`, which makes the socket with them).
---@class net.SocketOptions
---@field allowHalfOpen boolean? Keep the writing side open after the peer's `'end'` (default false).
---@field highWaterMark integer? Sets both `readableHighWaterMark` and `writableHighWaterMark`, and wins over them, as in Node's streams; an integer >= 0, else `ERR_INVALID_ARG_VALUE`.
---@field readableHighWaterMark integer? Bytes read and buffered before reading stops while no one consumes them (65536).
---@field writableHighWaterMark integer? Bytes queued before `write` returns false (16384).
---@field noDelay boolean? `setNoDelay(true)`: no Nagle delay, applied once the socket exists.
---@field keepAlive boolean? `setKeepAlive(true, keepAliveInitialDelay)`, applied once the socket exists.
---@field keepAliveInitialDelay number? With `keepAlive`: milliseconds of idleness before the first probe (whole seconds are used; default 0, the system's).
---@field signal util.AbortSignal|table? Aborting it destroys the socket with an `ABORT_ERR` error (`name` `'AbortError'`, `cause` the reason); any table with a boolean `aborted` and `on`/`once` or `addEventListener` serves, anything else raises `ERR_INVALID_ARG_TYPE`.

---What a `lookup` option is called with: `{ family = 4|6, hints = h }`, or `{ all = true, hints = h }` when no family was asked for (`h` the `hints` option, else 0).
---@class net.LookupRequest
---@field family (4|6)? The family asked for (the `family` option).
---@field all boolean? Answer with every address: `cb(err, { { address =, family = }, ... })`.
---@field hints integer The `hints` option (`getaddrinfo` flags such as `dns.ADDRCONFIG`), 0 without one.

---Options of `net.connect` and `socket:connect`.
---@class net.ConnectOptions: net.SocketOptions
---@field port integer|string? The port; required unless `path` is given.
---@field host string? Default `'localhost'`; a name is looked up off the loop.
---@field path string? A Unix domain socket to connect to instead (it wins over `port`): a missing file fails with `ENOENT`, one no server listens on with `ECONNREFUSED`; not a string: `ERR_INVALID_ARG_TYPE`; with `localAddress` or `localPort`: `ERR_INVALID_ARG_VALUE`.
---@field family 0|4|6|"IPv4"|"IPv6"? Only addresses of that family (0: any).
---@field hints integer? `getaddrinfo` flags handed to the `lookup` function (an integer >= 0; default 0).
---@field lookup (fun(hostname: string, options: net.LookupRequest, cb: fun(err: any, address: string|dns.LookupAddress[]|nil, family: (4|6)?)))? A resolver used instead of the system's, called as Node calls it (`require('dns').lookup` fits); not called for an IP address. An answer that is not an IP address fails with `ERR_INVALID_IP_ADDRESS`.
---@field localAddress string? An IP address to bind to before connecting (else `ERR_INVALID_IP_ADDRESS`); a failed bind is the `'error'`, with `syscall` `'bind'`.
---@field localPort integer? A port to bind to before connecting: a number 0-65535 (not a number: `ERR_INVALID_ARG_TYPE`; out of range: `ERR_SOCKET_BAD_PORT`).
---@field timeout number? `net.connect` and `tls.connect`: `socket:setTimeout(timeout)` once the socket is made (0: none).

---Options of `net.createServer`.
---@class net.ServerOptions
---@field allowHalfOpen boolean? Sockets keep their writing side open after the peer's `'end'`.
---@field pauseOnConnect boolean? Sockets start paused.
---@field noDelay boolean? Every accepted socket gets `setNoDelay(true)`.
---@field keepAlive boolean? Every accepted socket gets `setKeepAlive(true, keepAliveInitialDelay)`.
---@field keepAliveInitialDelay number? Milliseconds, with `keepAlive`.
---@field highWaterMark integer? Both high-water marks of every accepted socket (an integer >= 0).

---Options of `server:listen`: a table needs `port` or `path` (not both), else
---`ERR_INVALID_ARG_VALUE` is raised rather than a TCP port opened.
---@class net.ListenOptions
---@field port integer|string? 0: a free port.
---@field host string? Default `::` (IPv6 and IPv4), or `0.0.0.0` where IPv6 is missing.
---@field path string? A Unix domain socket's file to listen on instead of TCP; removed when the server closes. A file already there is `EADDRINUSE`, a path longer than 107 bytes `ENAMETOOLONG`; one starting with `'\0'` is a Linux abstract name.
---@field backlog integer? Default 511.
---@field ipv6Only boolean? Only IPv6 on `::`.
---@field exclusive boolean? In a cluster worker: do not share the address with the other workers (no SO_REUSEPORT).
---@field readableAll boolean? With `path`: the socket file is readable by everyone.
---@field writableAll boolean? With `path`: the socket file is writable by everyone.
---@field signal util.AbortSignal|table? Aborting it closes the server; with one aborted already the server never listens.
---@field fd integer? Not supported (nor `handle`): raises `ERR_INVALID_ARG_VALUE`.

---An address: `socket:address()`, `server:address()` of a TCP server.
---@class net.AddressInfo
---@field address string
---@field port integer
---@field family string `'IPv4'` or `'IPv6'`.

---What `'drop'` reports about a TCP connection closed because of `maxConnections`, as Node 20.
---@class net.DropInfo
---@field localAddress string
---@field localPort integer
---@field localFamily string
---@field remoteAddress string
---@field remotePort integer
---@field remoteFamily string

---@alias net.SocketEvent
---| "connect" # (socket: net.Socket): connected; the socket is passed as Lua has no `this`
---| "ready"   # (): after 'connect'
---| "lookup"  # (err?: luatls.Error, address?: string, family?: string, host: string)
---| "data"    # (chunk: string)
---| "end"     # (): the peer has finished sending
---| "drain"   # (): the write queue is empty again
---| "finish"  # (): our side has finished writing
---| "timeout" # (): no reads or writes for the time set with setTimeout
---| "error"   # (err: luatls.Error)
---| "close"   # (hadError: boolean)

---@alias net.ServerEvent
---| "listening"  # (server: net.Server): the server is passed as Lua has no `this`
---| "connection" # (socket: net.Socket)
---| "close"      # (): closed, and every connection has ended
---| "error"      # (err: luatls.Error)
---| "drop"       # (info?: net.DropInfo): a connection over maxConnections was closed (no info on a Unix socket)

---A TCP or Unix domain socket (also `net.Stream`). `net.Socket([options])` makes an unconnected one.
---@class net.Socket: stream.Stream
---@overload fun(options?: net.SocketOptions): net.Socket
---@field allowHalfOpen boolean
---@field connecting boolean
---@field destroyed boolean
---@field pending boolean Not connected yet.
---@field readable boolean
---@field writable boolean
---@field bytesRead integer Application bytes read so far.
---@field bytesWritten integer Application bytes written so far.
---@field writableLength integer Bytes queued, not yet written.
---@field writableHighWaterMark integer
---@field readableHighWaterMark integer
---@field remoteAddress string? The peer's address; nil on a Unix socket.
---@field remotePort integer?
---@field remoteFamily string?
---@field localAddress string? This end's address; nil on a Unix socket.
---@field localPort integer?
---@field localFamily string?
---@field server net.Server? The server that accepted this socket (nil on a client's).
net.Socket = {}

---The same class as `net.Socket`.
---@type net.Socket
net.Stream = nil

---Connects: `connect(port[, host][, cb])`, `connect(path[, cb])` (a string that is not a
---number is a Unix socket's path) or `connect(options[, cb])`; `cb(socket)` listens for `'connect'`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun(socket: net.Socket)
---@param cb? fun(socket: net.Socket)
---@return self
function net.Socket:connect(port, host, cb) end

---Queues `data`; false once `writableHighWaterMark` or more is queued (`'drain'` follows).
---@param data string
---@param encoding? string|fun(err?: luatls.Error) accepted for Node compatibility, or the callback
---@param cb? fun(err?: luatls.Error) called when the data has been handed to the kernel
---@return boolean
function net.Socket:write(data, encoding, cb) end

---Node's `socket.end()`: sends `data`, then ends the writing side (on TLS, with close_notify).
---@param data? string|fun()
---@param encoding? string|fun()
---@param cb? fun() listens for `'finish'`
---@return self
function net.Socket:_end(data, encoding, cb) end

---The same as `_end` (`end` is a Lua keyword: `socket['end'](socket, data)`).
---@type fun(self: net.Socket, data?: string|fun(), encoding?: string|fun(), cb?: fun()): net.Socket
net.Socket["end"] = nil

---Closes at once, dropping unsent data: `'error'(err)` if given, then `'close'(hadError)`.
---@param err? luatls.Error
---@return self
function net.Socket:destroy(err) end

---Ends the writing side, and destroys the socket once that is done.
---@return self
function net.Socket:destroySoon() end

---Closes with a TCP RST instead of a FIN.
---@return self
function net.Socket:resetAndDestroy() end

---Stops reading from the network.
---@return self
function net.Socket:pause() end

---Starts reading again (`'data'` events).
---@return self
function net.Socket:resume() end

---@return boolean
function net.Socket:isPaused() end

---Puts `chunk` back in front of what is still to be read.
---@param chunk string
function net.Socket:unshift(chunk) end

---`'timeout'` after `ms` without reads or writes; 0 turns it off. The socket stays open.
---@param ms number
---@param cb? fun() a `'timeout'` listener
---@return self
function net.Socket:setTimeout(ms, cb) end

---Turns Nagle's algorithm off (or on again with false); set before the socket exists, it is applied when it does.
---@param noDelay? boolean default true
---@return self
function net.Socket:setNoDelay(noDelay) end

---TCP keep-alive probes; set before the socket exists, it is applied when it does.
---@param enable? boolean
---@param initialDelay? number milliseconds of idleness before the first probe (whole seconds are used; 0: the system's)
---@return self
function net.Socket:setKeepAlive(enable, initialDelay) end

---This end's address, or `{}` when closed or on a Unix socket.
---@return net.AddressInfo
function net.Socket:address() end

---The socket keeps the process alive (the default).
---@return self
function net.Socket:ref() end

---The socket does not keep the process alive.
---@return self
function net.Socket:unref() end

---@param event net.SocketEvent|string
---@param listener function
---@return self
---@overload fun(self: net.Socket, event: "connect", listener: fun(socket: net.Socket)): net.Socket
---@overload fun(self: net.Socket, event: "data", listener: fun(chunk: string)): net.Socket
---@overload fun(self: net.Socket, event: "close", listener: fun(hadError: boolean)): net.Socket
---@overload fun(self: net.Socket, event: "error", listener: fun(err: luatls.Error)): net.Socket
---@overload fun(self: net.Socket, event: "lookup", listener: fun(err?: luatls.Error, address?: string, family?: string, host: string)): net.Socket
function net.Socket:on(event, listener) end

---@param event net.SocketEvent|string
---@param listener function
---@return self
---@overload fun(self: net.Socket, event: "connect", listener: fun(socket: net.Socket)): net.Socket
---@overload fun(self: net.Socket, event: "data", listener: fun(chunk: string)): net.Socket
---@overload fun(self: net.Socket, event: "close", listener: fun(hadError: boolean)): net.Socket
---@overload fun(self: net.Socket, event: "error", listener: fun(err: luatls.Error)): net.Socket
function net.Socket:once(event, listener) end

---A TCP or Unix domain socket server. `net.createServer([options][, connectionListener])` makes one.
---@class net.Server: events.EventEmitter
---@overload fun(options?: net.ServerOptions|fun(socket: net.Socket), listener?: fun(socket: net.Socket)): net.Server
---@field allowHalfOpen boolean
---@field pauseOnConnect boolean
---@field noDelay boolean Accepted sockets get `setNoDelay(true)` (the `noDelay` option).
---@field keepAlive boolean Accepted sockets get `setKeepAlive(true, keepAliveInitialDelay)` (the `keepAlive` option).
---@field keepAliveInitialDelay number? Milliseconds (the `keepAliveInitialDelay` option).
---@field highWaterMark integer? Both high-water marks of accepted sockets (the `highWaterMark` option).
---@field listening boolean
---@field maxConnections integer? Above it, new connections are closed at once and `'drop'` is emitted.
net.Server = {}

---`listen([port][, host][, backlog][, cb])`, `listen(path[, backlog][, cb])` (a string that is
---not a number is a Unix socket's path) or `listen(options[, cb])`; `cb(server)` listens for
---`'listening'`. A bad port raises `ERR_SOCKET_BAD_PORT`, options that cannot be honoured
---`ERR_INVALID_ARG_VALUE`; a failure to listen is emitted as `'error'` (`syscall` `'listen'`).
---@param port? integer|string|net.ListenOptions|fun(server: net.Server)
---@param host? string|integer|fun(server: net.Server)
---@param backlog? integer|fun(server: net.Server)
---@param cb? fun(server: net.Server)
---@return self
function net.Server:listen(port, host, backlog, cb) end

---Stops accepting; `'close'` (and `cb()`) once every connection has ended; `cb(err)` with
---`ERR_SERVER_NOT_RUNNING` when not listening.
---@param cb? fun(err?: luatls.Error)
---@return self
function net.Server:close(cb) end

---The address listened on, the path of a Unix socket, or nil when not listening.
---@return net.AddressInfo|string|nil
function net.Server:address() end

---@param cb fun(err: nil, count: integer)
---@return self
function net.Server:getConnections(cb) end

---@return self
function net.Server:ref() end

---@return self
function net.Server:unref() end

---@param event net.ServerEvent|string
---@param listener function
---@return self
---@overload fun(self: net.Server, event: "listening", listener: fun(server: net.Server)): net.Server
---@overload fun(self: net.Server, event: "connection", listener: fun(socket: net.Socket)): net.Server
---@overload fun(self: net.Server, event: "error", listener: fun(err: luatls.Error)): net.Server
---@overload fun(self: net.Server, event: "drop", listener: fun(info?: net.DropInfo)): net.Server
function net.Server:on(event, listener) end

---@param event net.ServerEvent|string
---@param listener function
---@return self
function net.Server:once(event, listener) end

---Makes a server; `connectionListener` listens for `'connection'`.
---@param options? net.ServerOptions|fun(socket: net.Socket)
---@param connectionListener? fun(socket: net.Socket)
---@return net.Server
function net.createServer(options, connectionListener) end

---Makes a socket (`net.Socket(options)`) and connects it: `connect(port[, host][, cb])`,
---`connect(path[, cb])` (a string that is not a number is a Unix socket's path) or
---`connect(options[, cb])`; `cb(socket)` listens for `'connect'`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun(socket: net.Socket)
---@param cb? fun(socket: net.Socket)
---@return net.Socket
function net.connect(port, host, cb) end

---The same as `net.connect`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun(socket: net.Socket)
---@param cb? fun(socket: net.Socket)
---@return net.Socket
function net.createConnection(port, host, cb) end

---@param s any
---@return 0|4|6
function net.isIP(s) end

---@param s any
---@return boolean
function net.isIPv4(s) end

---@param s any
---@return boolean
function net.isIPv6(s) end

return net
