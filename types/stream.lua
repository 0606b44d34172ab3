---@meta stream

---`require('stream')`: the base class of sockets, and a small duplex stream for Lua code.
---@class streamlib
local stream = {}

---Options of `pipe`.
---@class stream.PipeOptions
---@field ["end"] boolean? `false`: do not end the destination when the source ends.

---Anything `pipe` can write to: a table with `write`, `_end` (or `end`) and the `'drain'` event.
---@alias stream.Writable stream.Stream|net.Socket|stream.Duplex|table

---The events of streams.
---@alias stream.StreamEvent
---| "data"   # (chunk: string)
---| "end"    # (): the other side has finished sending
---| "finish" # (): our side has finished writing
---| "drain"  # (): the write queue is below the high-water mark again
---| "close"  # (hadError: boolean)
---| "error"  # (err: luatls.Error)
---| "pipe"   # (src): a stream was piped to this one

---The base class of sockets, with `pipe` and its backpressure.
---@class stream.Stream: events.EventEmitter
---@overload fun(): stream.Stream
stream.Stream = {}

---Writes every chunk of this stream to `dest`, pausing while `dest:write` returns `false`
---and resuming on its `'drain'`; ends `dest` when this stream ends, unless told not to.
---@generic D
---@param dest D
---@param options? stream.PipeOptions
---@return D dest
function stream.Stream:pipe(dest, options) end

---Stops piping to `dest` (or to whatever this stream pipes to).
---@param dest? stream.Writable
---@return self
function stream.Stream:unpipe(dest) end

---A two-way stream for Lua code: override `_write(chunk)` and `_final()` for what is written
---to it, and call `push(chunk)` (or `push(nil)` for the end) to make data readable.
---```lua
---local upper = stream.Duplex()
---upper._write = function(self, chunk) self:push(chunk:upper()) end
---upper._final = function(self) self:push(nil) end
---upper:on('data', print)
---upper:write('hello')      --> HELLO
---```
---@class stream.Duplex: stream.Stream
---@overload fun(): stream.Duplex
---@field readable boolean
---@field writable boolean
---@field destroyed boolean
stream.Duplex = {}

---Makes `chunk` readable (`'data'`), or ends the readable side with `nil` (`'end'`).
---@param chunk string?
---@return boolean # false while paused (the chunk is buffered) or destroyed
function stream.Duplex:push(chunk) end

---@param chunk string
---@param encoding? string|fun(err?: luatls.Error) accepted for Node compatibility, or the callback
---@param cb? fun(err?: luatls.Error)
---@return boolean
function stream.Duplex:write(chunk, encoding, cb) end

---Ends the writable side (`_final`, then `'finish'`), after writing `data` if given.
---@param data? string|function
---@param encoding? string|function
---@param cb? function
---@return self
function stream.Duplex:_end(data, encoding, cb) end

---The same as `_end` (`end` is a Lua keyword: `d['end'](d)`).
---@type fun(self: stream.Duplex, data?: string|function, encoding?: string|function, cb?: function): stream.Duplex
stream.Duplex["end"] = nil

---@return self
function stream.Duplex:pause() end

---@return self
function stream.Duplex:resume() end

---@return boolean
function stream.Duplex:isPaused() end

---Closes both sides: `'error'(err)` if given, then `'close'`.
---@param err? luatls.Error
---@return self
function stream.Duplex:destroy(err) end

---@param event stream.StreamEvent|string
---@param listener function
---@return self
---@overload fun(self: stream.Duplex, event: "data", listener: fun(chunk: string)): stream.Duplex
---@overload fun(self: stream.Duplex, event: "close", listener: fun(hadError: boolean)): stream.Duplex
---@overload fun(self: stream.Duplex, event: "error", listener: fun(err: luatls.Error)): stream.Duplex
function stream.Duplex:on(event, listener) end

return stream
