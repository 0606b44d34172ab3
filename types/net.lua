---@meta net

---`require('net')`: TCP sockets and servers, as in Node.
---@class netlib
local net = {}

---Options of `net.Socket(options)`.
---@class net.SocketOptions
---@field allowHalfOpen boolean? Keep the writing side open after the peer's `'end'` (default false).
---@field highWaterMark integer? Bytes queued before `write` returns false (16384).
---@field readableHighWaterMark integer? Bytes buffered before reading stops while no one reads (65536).

---Options of `net.connect` and `socket:connect`.
---@class net.ConnectOptions: net.SocketOptions
---@field port integer|string The port (required).
---@field host string? Default `'localhost'`; a name is looked up off the loop.
---@field family 0|4|6|"IPv4"|"IPv6"? Only addresses of that family (0: any).

---Options of `net.createServer`.
---@class net.ServerOptions
---@field allowHalfOpen boolean? Sockets keep their writing side open after the peer's `'end'`.
---@field pauseOnConnect boolean? Sockets start paused.

---Options of `server:listen`.
---@class net.ListenOptions
---@field port integer|string? 0 or absent: a free port.
---@field host string? Default `::` (IPv6 and IPv4), or `0.0.0.0` where IPv6 is missing.
---@field backlog integer? Default 511.
---@field ipv6Only boolean? Only IPv6 on `::`.

---An address: `socket:address()`, `server:address()`.
---@class net.AddressInfo
---@field address string
---@field port integer
---@field family string `'IPv4'` or `'IPv6'`.

---What `'drop'` reports about a connection closed because of `maxConnections`.
---@class net.DropInfo
---@field remoteAddress string
---@field remotePort integer
---@field remoteFamily string

---@alias net.SocketEvent
---| "connect" # (): connected
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
---| "listening"  # ()
---| "connection" # (socket: net.Socket)
---| "close"      # (): closed, and every connection has ended
---| "error"      # (err: luatls.Error)
---| "drop"       # (info: net.DropInfo): a connection over maxConnections was closed

---A TCP socket (also `net.Stream`). `net.Socket([options])` makes an unconnected one.
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
---@field remoteAddress string?
---@field remotePort integer?
---@field remoteFamily string?
---@field localAddress string?
---@field localPort integer?
---@field localFamily string?
net.Socket = {}

---The same class as `net.Socket`.
---@type net.Socket
net.Stream = nil

---Connects: `connect(port[, host][, cb])` or `connect(options[, cb])`; `cb` listens for `'connect'`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun()
---@param cb? fun()
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

---@param noDelay? boolean default true
---@return self
function net.Socket:setNoDelay(noDelay) end

---@param enable? boolean
---@param initialDelay? number milliseconds
---@return self
function net.Socket:setKeepAlive(enable, initialDelay) end

---This end's address, or `{}` when closed.
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
---@overload fun(self: net.Socket, event: "data", listener: fun(chunk: string)): net.Socket
---@overload fun(self: net.Socket, event: "close", listener: fun(hadError: boolean)): net.Socket
---@overload fun(self: net.Socket, event: "error", listener: fun(err: luatls.Error)): net.Socket
---@overload fun(self: net.Socket, event: "lookup", listener: fun(err?: luatls.Error, address?: string, family?: string, host: string)): net.Socket
function net.Socket:on(event, listener) end

---@param event net.SocketEvent|string
---@param listener function
---@return self
---@overload fun(self: net.Socket, event: "data", listener: fun(chunk: string)): net.Socket
---@overload fun(self: net.Socket, event: "close", listener: fun(hadError: boolean)): net.Socket
---@overload fun(self: net.Socket, event: "error", listener: fun(err: luatls.Error)): net.Socket
function net.Socket:once(event, listener) end

---A TCP server. `net.createServer([options][, connectionListener])` makes one.
---@class net.Server: events.EventEmitter
---@overload fun(options?: net.ServerOptions|fun(socket: net.Socket), listener?: fun(socket: net.Socket)): net.Server
---@field allowHalfOpen boolean
---@field pauseOnConnect boolean
---@field listening boolean
---@field maxConnections integer? Above it, new connections are closed at once and `'drop'` is emitted.
net.Server = {}

---`listen([port][, host][, backlog][, cb])` or `listen(options[, cb])`; `cb` listens for `'listening'`.
---@param port? integer|string|net.ListenOptions|fun()
---@param host? string|integer|fun()
---@param backlog? integer|fun()
---@param cb? fun()
---@return self
function net.Server:listen(port, host, backlog, cb) end

---Stops accepting; `'close'` (and `cb()`) once every connection has ended; `cb(err)` with
---`ERR_SERVER_NOT_RUNNING` when not listening.
---@param cb? fun(err?: luatls.Error)
---@return self
function net.Server:close(cb) end

---The address listened on, or nil.
---@return net.AddressInfo?
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
---@overload fun(self: net.Server, event: "connection", listener: fun(socket: net.Socket)): net.Server
---@overload fun(self: net.Server, event: "error", listener: fun(err: luatls.Error)): net.Server
---@overload fun(self: net.Server, event: "drop", listener: fun(info: net.DropInfo)): net.Server
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

---Connects: `connect(port[, host][, cb])` or `connect(options[, cb])`; `cb` listens for `'connect'`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun()
---@param cb? fun()
---@return net.Socket
function net.connect(port, host, cb) end

---The same as `net.connect`.
---@param port integer|string|net.ConnectOptions
---@param host? string|fun()
---@param cb? fun()
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
