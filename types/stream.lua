---@meta stream

---`require('stream')`: Node's streams (doc/stream.md). Sockets are streams too.
---@class streamlib
local stream = {}

---Options of `pipe`.
---@class stream.PipeOptions
---@field ["end"] boolean? `false`: do not end the destination when the source ends.

---Anything `pipe` can write to: a table with `write`, `_end` (or `end`) and the `'drain'` event.
---@alias stream.Destination stream.Writable|net.Socket|table

---The events of streams.
---@alias stream.StreamEvent
---| "data"      # (chunk: string|any): flowing mode
---| "readable"  # (): something to read(), or the end
---| "end"       # (): the readable side has ended (everything was read)
---| "pause"     # (): pause() stopped the flow
---| "resume"    # (): resume() started it
---| "finish"    # (): everything written, _final done
---| "prefinish" # (): before 'finish', once _final has called back
---| "drain"     # (): write() may be called again
---| "close"     # (): destroyed (sockets: (hadError: boolean))
---| "error"     # (err: luatls.Error)
---| "pipe"      # (src): a stream was piped to this one
---| "unpipe"    # (src): and unpiped

---The base class of streams, with Node's legacy `pipe` (Readable has its own).
---@class stream.Stream: events.EventEmitter
---@overload fun(): stream.Stream
---@field destroyed boolean
---@field closed boolean `destroy()` has run its `_destroy`.
---@field errored luatls.Error? The error that destroyed the stream.
stream.Stream = {}

---Writes every chunk of this stream to `dest`, pausing while `dest:write` returns `false`
---and resuming on its `'drain'`; ends `dest` when this stream ends, unless told not to.
---@generic D
---@param dest D
---@param options? stream.PipeOptions
---@return D dest
function stream.Stream:pipe(dest, options) end

---Stops piping to `dest` (or to every destination).
---@param dest? stream.Destination
---@return self
function stream.Stream:unpipe(dest) end

---------------------------------------------------------------------------
-- Readable
---------------------------------------------------------------------------

---Options of `stream.Readable`.
---@class stream.ReadableOptions
---@field read (fun(self: stream.Readable, size: integer))? `_read`: push() what there is.
---@field highWaterMark integer? Bytes (objects in object mode) buffered before push() returns false (16384; 16 objects).
---@field objectMode boolean? Chunks are any Lua values but nil.
---@field encoding string? As `setEncoding(encoding)`.
---@field defaultEncoding string? Checked as Node checks it (an unknown one raises).
---@field destroy (fun(self: stream.Readable, err: luatls.Error?, cb: fun(err: luatls.Error?)))? `_destroy`.
---@field construct (fun(self: stream.Readable, cb: fun(err: luatls.Error?)))? Runs first; reading waits for cb.
---@field emitClose boolean? `'close'` after destroy (default true).
---@field autoDestroy boolean? Destroy after the end, or on an error (default true).

---A readable stream: `stream.Readable(options)`, or a subclass with a `_read(size)`.
---@class stream.Readable: stream.Stream
---@overload fun(options?: stream.ReadableOptions): stream.Readable
---@field readable boolean Not ended, destroyed or errored.
---@field readableLength integer Bytes (or objects) buffered.
---@field readableHighWaterMark integer
---@field readableObjectMode boolean
---@field readableEnded boolean `'end'` was emitted.
---@field readableDidRead boolean Something was read.
---@field readableFlowing boolean? nil until a mode is chosen; true flowing, false paused.
---@field readableEncoding string? What `setEncoding` chose.
stream.Readable = {}

---Adds a chunk (bytes, or text in `encoding`); false once `highWaterMark` is reached.
---`push(nil)` ends the stream.
---@param chunk any
---@param encoding? string
---@return boolean
function stream.Readable:push(chunk, encoding) end

---Puts a chunk back in front of what is to be read.
---@param chunk any
---@param encoding? string
---@return boolean
function stream.Readable:unshift(chunk, encoding) end

---Paused mode: `n` bytes (all when nil), or nil until `n` are buffered (at the end, what is left).
---@param n? integer
---@return any
function stream.Readable:read(n) end

---`'data'` and `read()` give text decoded with Node's StringDecoder.
---@param encoding string `'utf8'`, `'hex'`, `'base64'`, `'base64url'`, `'latin1'`, `'ascii'`, `'utf16le'`
---@return self
function stream.Readable:setEncoding(encoding) end

---@return self
function stream.Readable:pause() end

---@return self
function stream.Readable:resume() end

---@return boolean
function stream.Readable:isPaused() end

---Writes every chunk to `dest` with backpressure; ends it when this stream ends, unless told not to.
---@generic D
---@param dest D
---@param options? stream.PipeOptions
---@return D dest
function stream.Readable:pipe(dest, options) end

---@param dest? stream.Destination
---@return self
function stream.Readable:unpipe(dest) end

---Options of `readable:chunks()`.
---@class stream.ChunksOptions
---@field destroyOnReturn boolean? false: leaving the loop does not destroy the stream.

---Node's `for await`: `for chunk in readable:chunks() do ... end` inside a coroutine.
---Yields the running coroutine while nothing is buffered; ends after the last chunk; raises
---the stream's error. Leaving the loop destroys the stream unless `destroyOnReturn` is false.
---@param options? stream.ChunksOptions
---@return fun(): any iterator
---@return nil
---@return nil
---@return table closer
function stream.Readable:chunks(options) end

---Closes the stream: `'error'(err)` if given, then `'close'`.
---@param err? luatls.Error
---@param cb? fun(err: luatls.Error?)
---@return self
function stream.Readable:destroy(err, cb) end

---A Readable over an old stream that only emits `'data'` and `'end'`.
---@param src table
---@return self
function stream.Readable:wrap(src) end

---@param event stream.StreamEvent|string
---@param fn function
---@return self
function stream.Readable:removeListener(event, fn) end

---@param event stream.StreamEvent|string
---@param fn function
---@return self
function stream.Readable:off(event, fn) end

---@param event? stream.StreamEvent|string
---@return self
function stream.Readable:removeAllListeners(event) end

---A stream of the values of a table, of an iterator function (until it returns nil), or
---of one string; object mode and highWaterMark 1 unless `options` say otherwise.
---@param iterable table|function|string
---@param options? stream.ReadableOptions
---@return stream.Readable
function stream.Readable.from(iterable, options) end

---------------------------------------------------------------------------
-- Writable
---------------------------------------------------------------------------

---One chunk of `_writev`.
---@class stream.WriteChunk
---@field chunk any
---@field encoding string

---Options of `stream.Writable`.
---@class stream.WritableOptions
---@field write (fun(self: stream.Writable, chunk: any, encoding: string, cb: fun(err: luatls.Error?)))? `_write`.
---@field writev (fun(self: stream.Writable, chunks: stream.WriteChunk[], cb: fun(err: luatls.Error?)))? `_writev`: writes that waited, together.
---@field final (fun(self: stream.Writable, cb: fun(err: luatls.Error?)))? `_final`: before `'finish'`.
---@field destroy (fun(self: stream.Writable, err: luatls.Error?, cb: fun(err: luatls.Error?)))? `_destroy`.
---@field construct (fun(self: stream.Writable, cb: fun(err: luatls.Error?)))? Runs first; writes wait for cb.
---@field highWaterMark integer? Bytes (objects) queued before write() returns false (16384; 16).
---@field objectMode boolean?
---@field decodeStrings boolean? Default true: `_write` gets bytes and `'buffer'`.
---@field defaultEncoding string? The encoding of strings written without one (bytes by default).
---@field emitClose boolean?
---@field autoDestroy boolean?

---A writable stream: `stream.Writable(options)`, or a subclass with a `_write(chunk, encoding, cb)`.
---@class stream.Writable: stream.Stream
---@overload fun(options?: stream.WritableOptions): stream.Writable
---@field writable boolean Not ended, destroyed or errored.
---@field writableLength integer Bytes (or objects) not written yet.
---@field writableHighWaterMark integer
---@field writableObjectMode boolean
---@field writableCorked integer How many `cork()` calls wait for their `uncork()`.
---@field writableEnded boolean `_end()` was called.
---@field writableFinished boolean `'finish'` was emitted.
---@field writableNeedDrain boolean write() returned false; `'drain'` is to come.
stream.Writable = {}

---Writes `chunk` (bytes, or text in `encoding`); false when the caller should wait for `'drain'`.
---@param chunk any
---@param encoding? string|fun(err: luatls.Error?)
---@param cb? fun(err: luatls.Error?)
---@return boolean
function stream.Writable:write(chunk, encoding, cb) end

---Writes `chunk` if given, then ends: `'finish'` once everything is written.
---@param chunk? any
---@param encoding? string|function
---@param cb? fun(err: luatls.Error?)
---@return self
function stream.Writable:_end(chunk, encoding, cb) end

---The same as `_end` (`end` is a Lua keyword).
---@type fun(self: stream.Writable, chunk?: any, encoding?: string|function, cb?: fun(err: luatls.Error?)): stream.Writable
stream.Writable["end"] = nil

---Writes wait until as many `uncork()` calls.
function stream.Writable:cork() end

---What was written while corked goes to `_writev` together.
function stream.Writable:uncork() end

---@param encoding string
---@return self
function stream.Writable:setDefaultEncoding(encoding) end

---@param err? luatls.Error
---@param cb? fun(err: luatls.Error?)
---@return self
function stream.Writable:destroy(err, cb) end

---A Writable cannot be piped from: `ERR_STREAM_CANNOT_PIPE`.
function stream.Writable:pipe() end

---------------------------------------------------------------------------
-- Duplex, Transform, PassThrough
---------------------------------------------------------------------------

---Options of `stream.Duplex`: a Readable's and a Writable's.
---@class stream.DuplexOptions: stream.ReadableOptions, stream.WritableOptions
---@field allowHalfOpen boolean? Default true: the readable side's end does not end the writable side.
---@field readable boolean? false: no readable side.
---@field writable boolean? false: no writable side.
---@field readableObjectMode boolean?
---@field writableObjectMode boolean?
---@field readableHighWaterMark integer?
---@field writableHighWaterMark integer?

---Both readable and writable. The first `stream.Duplex` of luatls still works: `_write(chunk)`
---and `_final()` without a callback parameter are done when they return, and `push()` may
---feed it from outside (its `_read` does nothing).
---```lua
---local upper = stream.Duplex()
---upper._write = function(self, chunk) self:push(chunk:upper()) end
---upper._final = function(self) self:push(nil) end
---upper:on('data', print)
---upper:write('hello')      --> HELLO
---```
---@class stream.Duplex: stream.Readable, stream.Writable
---@overload fun(options?: stream.DuplexOptions): stream.Duplex
---@field allowHalfOpen boolean
stream.Duplex = {}

---@param err? luatls.Error
---@param cb? fun(err: luatls.Error?)
---@return self
function stream.Duplex:destroy(err, cb) end

---Options of `stream.Transform`.
---@class stream.TransformOptions: stream.DuplexOptions
---@field transform (fun(self: stream.Transform, chunk: any, encoding: string, cb: fun(err: luatls.Error?, data: any)))? `_transform`: cb(err, data) pushes data.
---@field flush (fun(self: stream.Transform, cb: fun(err: luatls.Error?, data: any)))? `_flush`: before the end.

---A Duplex whose output is computed from its input.
---@class stream.Transform: stream.Duplex
---@overload fun(options?: stream.TransformOptions): stream.Transform
stream.Transform = {}

---Passes every chunk through.
---@class stream.PassThrough: stream.Transform
---@overload fun(options?: stream.TransformOptions): stream.PassThrough
stream.PassThrough = {}

---------------------------------------------------------------------------
-- pipeline, finished
---------------------------------------------------------------------------

---Options of `stream.finished`.
---@class stream.FinishedOptions
---@field readable boolean? false: do not wait for the readable side.
---@field writable boolean? false: do not wait for the writable side.
---@field error boolean? false: an `'error'` is not the end.

---`pipeline(source, ...transforms, destination, callback)`: pipes each into the next with
---backpressure; `callback(err)` once, with the first error (then every stream is destroyed)
---or nil when the destination has finished. The source may be a table or an iterator
---function. Returns the destination.
---@param ... any streams, then the callback
---@return any destination
function stream.pipeline(...) end

---`callback(err)` once the stream has ended/finished, failed, or closed first
---(`ERR_STREAM_PREMATURE_CLOSE`). Returns a function that removes the listeners.
---@param s table a stream
---@param options? stream.FinishedOptions|fun(err: luatls.Error?)
---@param callback? fun(err: luatls.Error?)
---@return fun() cleanup
function stream.finished(s, options, callback) end

---Whether `s` is a readable stream that has not ended, failed or been destroyed.
---@param s any
---@return boolean
function stream.isReadable(s) end

---Whether `s` has failed.
---@param s any
---@return boolean
function stream.isErrored(s) end

---------------------------------------------------------------------------
-- sockets as streams (the rest of net.Socket is in net.lua)
---------------------------------------------------------------------------

---@class net.SocketOptions
---@field encoding string? As `socket:setEncoding(encoding)`.

---A socket is a `stream.Readable`, with a writable side that queues in C.
---@class net.Socket: stream.Readable
---@field readyState "opening"|"open"|"readOnly"|"writeOnly"|"closed" As Node's.
---@field writableEnded boolean `_end()` was called.
---@field writableFinished boolean `'finish'` was emitted.
---@field writableNeedDrain boolean write() returned false; `'drain'` is to come.
---@field writableCorked integer
---@field writableObjectMode boolean Always false.
---@field timeout number? The last `setTimeout(ms)`.
---@field bufferSize integer? Node's older name of `writableLength`; nil while there is no connection.
local Socket = {}

---Writes wait in Lua until as many `uncork()` calls, then go out as one write.
function Socket:cork() end

function Socket:uncork() end

---The encoding of writes that name none (bytes by default).
---@param encoding string
---@return self
function Socket:setDefaultEncoding(encoding) end

return stream
