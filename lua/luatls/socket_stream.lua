-- The stream state of net.Socket: its readable side is stream.Readable (the
-- C handle is its source: _read() starts the handle, a full buffer stops it),
-- its writable side goes straight to the handle's queue in C, with Node's
-- encodings, cork()/uncork() and state fields. net.lua installs this with
-- require('luatls.socket_stream')(Socket, handlers).
local encoding = require('luatls.encoding')
local errors = require('luatls.errors')
local Readable = require('luatls.readable')
local tick = require('luatls.tick')

local nextTick = tick.nextTick
local push_bytes = Readable._pushBytes

-- Node's readyState, kept in a field whenever what it depends on changes
local function ready_state(s)
  if s.connecting then return 'opening' end
  if s.readable then return s.writable and 'open' or 'readOnly' end
  return s.writable and 'writeOnly' or 'closed'
end

return function(Socket, handlers)
  Socket._readyState = ready_state
  -- a socket is a Readable whose pushes come from C; writes go to C at once
  Socket._hasWritable = true
  Socket._rsync = false
  Socket.readyState = 'closed'
  -- read for every chunk: found on the first class looked in
  Socket.readableLength = 0
  Socket._decoder = false
  Socket._awaitDrain = false
  Socket._defaultEncoding = false
  Socket.writableEnded = false       -- end() was called
  Socket.writableFinished = false    -- 'finish' was emitted
  Socket.writableNeedDrain = false
  Socket.writableCorked = 0
  Socket.writableObjectMode = false
  -- fields read on every chunk and write, false until set: a nil one would be
  -- looked for up the whole class chain (TLSSocket, Socket, Readable, Stream,
  -- EventEmitter, Object) each time
  Socket._timer = false              -- setTimeout's timer
  Socket._endedByPeer = false        -- a write now is the peer's EPIPE
  -- timeout: the last setTimeout(ms), nil before; _defaultEncoding: setDefaultEncoding's

  -- bufferSize: Node's older name of writableLength, nil while there is no handle
  function Socket:_updateState()
    self.readyState = ready_state(self)
    if self._handle and not self.destroyed then self.bufferSize = self.writableLength end
  end

  local function activity(s)
    local t = s._timer
    if t then t:again(s._timeoutMs) end
  end

  -------------------------------------------------------------------------
  -- reading
  -------------------------------------------------------------------------

  -- Until a 'data' listener, resume(), pipe() or read() takes them, chunks
  -- wait in the Readable's buffer; at readableHighWaterMark the handle stops
  -- reading, as Node's sockets do.
  handlers.data = function(s, chunk)
    -- bytes decrypted in the same read as something that destroyed the socket
    -- (a renegotiation that failed its check) reach nobody
    if s.destroyed then return end
    s.bytesRead = s.bytesRead + #chunk
    if s._timer then activity(s) end
    -- the usual case, as Readable's push() has it: flowing, nothing buffered,
    -- nothing to decode, the handle reading on
    if s.readableFlowing and s._dataListening and s.readableLength == 0 and s._reading
      and not s._decoder and not s._awaitDrain then
      s.readableDidRead = true
      s:emit('data', chunk)
      return
    end
    if not push_bytes(s, chunk, nil, true) and s._reading then
      local h = s._handle
      if h and not s.destroyed then h:read_stop() end
      s._reading = false
    end
  end

  -- the peer has ended: 'end' once everything before it has been read (at
  -- once when nothing is buffered, even if nobody reads), as in Node
  handlers['end'] = function(s)
    push_bytes(s, nil)
    s:read(0)
  end

  -- the peer's end ends our side too, on the next tick as in Node (a write
  -- made until then still goes out), unless allowHalfOpen
  local function end_writable(self)
    if self.writable and not self.writableEnded and not self.destroyed then self:_end() end
  end

  function Socket:_onEndEmitted()
    -- from now on a write after the end is the peer's doing: EPIPE, as in Node
    if not self.allowHalfOpen then self._endedByPeer = true end
    if self.destroyed then return end
    if not self.allowHalfOpen and self.writable then
      nextTick(end_writable, self)
    elseif self.writableFinished then
      self:destroy()
    end
  end

  -- Readable's _read: the handle reads until the buffer is full again
  function Socket:_read()
    if self._paused and not self._readableListening then
      self._reading = false   -- resume() starts the handle
      return
    end
    local h = self._handle
    if h and not self.connecting and not self.destroyed then h:read_start() end
    -- not connected yet: reading starts when the handle is attached
  end

  -- pause() also stops reading from the network at once
  function Socket:pause()
    Readable.pause(self)
    local h = self._handle
    if h and not self.destroyed and not self.connecting then
      h:read_stop()
      self._reading = false
    end
    return self
  end

  function Socket:resume()
    Readable.resume(self)
    local h = self._handle
    if h and not self.destroyed and not self.connecting and not self._rEnded then
      h:read_start()
      self._reading = true
    end
    return self
  end

  -------------------------------------------------------------------------
  -- writing
  -------------------------------------------------------------------------

  handlers.shutdown = function(s)
    s.writable = false
    s.writableFinished = true
    -- our end is sent once everything before it was
    s.writableLength = 0
    if s.bufferSize then s.bufferSize = 0 end
    s.readyState = ready_state(s)
    s:emit('finish')
    if s.readableEnded and not s.destroyed then s:destroy() end
  end

  handlers.drain = function(s)
    s.writableLength = 0
    if s.bufferSize then s.bufferSize = 0 end
    local cbs = s._writeCbs
    if cbs then
      s._writeCbs = nil
      for i = 1, #cbs do cbs[i]() end
    end
    if s.writableNeedDrain and not s.destroyed then
      s.writableNeedDrain = false
      s:emit('drain')
    end
  end

  -- hands data to the C queue -> false when above the high-water mark
  function Socket:_write(data, cb)
    local notify = cb ~= nil or self.writableLength + #data >= self.writableHighWaterMark
    if cb then
      local cbs = self._writeCbs or {}
      self._writeCbs = cbs
      cbs[#cbs + 1] = cb
    end
    local pending = self._handle:write(data, notify)
    self.writableLength, self.bufferSize = pending, pending
    if pending >= self.writableHighWaterMark then
      self.writableNeedDrain = true
      return false
    end
    return true
  end

  local function above_mark(self)
    if self.writableLength >= self.writableHighWaterMark then
      self.writableNeedDrain = true
      return false
    end
    return true
  end

  -- to the handle, or to the list of writes that wait for the connection
  local function send(self, data, cb)
    if not self._handle or (self.connecting and self._pendingWrites) then
      local p = self._pendingWrites or {}
      self._pendingWrites = p
      p[#p + 1] = { data, cb }
      self.writableLength = self.writableLength + #data
      if self.bufferSize then self.bufferSize = self.writableLength end
      return above_mark(self)
    end
    return self:_write(data, cb)
  end

  local function write_error(self, err, cb)
    nextTick(function()
      if cb then cb(err) end
      self:destroy(err)
    end)
    return false
  end

  local function bytes_of(self, data, enc)
    if enc ~= nil and enc ~= 'buffer' then return encoding.encode(data, enc) end
    local d = self._defaultEncoding
    if d and enc == nil then return encoding.encode(data, d) end
    return data
  end

  -- write(data[, encoding][, cb]) -> false when above the high-water mark
  -- ('drain' follows). data is bytes, or text in encoding ('utf8', 'hex',
  -- 'base64', 'base64url', 'latin1'/'binary', 'ascii', 'utf16le').
  function Socket:write(data, enc, cb)
    if enc ~= nil and type(enc) == 'function' then enc, cb = nil, enc end
    if type(data) ~= 'string' then error(errors.invalid_arg_type('chunk', 'of type string', data), 2) end
    if enc ~= nil or self._defaultEncoding then data = bytes_of(self, data, enc) end
    if self.writableEnded and self._endedByPeer then
      return write_error(self, errors.new('EPIPE', 'This socket has been ended by the other party'), cb)
    end
    if self.destroyed then
      return write_error(self, errors.new('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed'), cb)
    end
    if self.writableEnded then
      return write_error(self, errors.new('ERR_STREAM_WRITE_AFTER_END', 'write after end'), cb)
    end
    self.bytesWritten = self.bytesWritten + #data
    if self._timer then activity(self) end
    if self.writableCorked > 0 then
      local q = self._corked or { n = 0 }
      self._corked = q
      q.n = q.n + 1
      q[q.n] = data
      if cb then
        local cbs = q.cbs or {}
        q.cbs = cbs
        cbs[#cbs + 1] = cb
      end
      self.writableLength = self.writableLength + #data
      if self.bufferSize then self.bufferSize = self.writableLength end
      return above_mark(self)
    end
    if not self._handle or (self.connecting and self._pendingWrites) then return send(self, data, cb) end
    return self:_write(data, cb)
  end

  -- cork(): writes wait in Lua until as many uncork() calls, then go to the
  -- handle as one write (one system call, and on TLS full records)
  function Socket:cork()
    self.writableCorked = self.writableCorked + 1
  end

  local function flush_corked(self)
    local q = self._corked
    if not q then return end
    self._corked = nil
    local data = table.concat(q, '', 1, q.n)
    local cbs = q.cbs
    local cb = cbs and function(err) for i = 1, #cbs do cbs[i](err) end end
    if self.destroyed then
      if cb then cb(errors.new('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed')) end
      return
    end
    self.writableLength = self.writableLength - #data   -- counted again as it is sent
    send(self, data, cb)
  end

  function Socket:uncork()
    if self.writableCorked > 0 then
      self.writableCorked = self.writableCorked - 1
      if self.writableCorked == 0 then flush_corked(self) end
    end
  end

  function Socket:setDefaultEncoding(enc)
    local e = encoding.normalize(enc)
    if not e then error(encoding.unknown(enc), 2) end
    self._defaultEncoding = e ~= 'utf8' and e or nil
    return self
  end

  -- _end([data][, encoding][, cb]); socket['end'] is the same function
  function Socket:_end(data, enc, cb)
    if type(data) == 'function' then data, enc, cb = nil, nil, data
    elseif type(enc) == 'function' then enc, cb = nil, enc end
    if data ~= nil and not self.writableEnded then self:write(data, enc) end
    if cb then self:once('finish', cb) end
    if self.writableCorked > 0 then
      self.writableCorked = 1
      self:uncork()
    end
    if self.writableEnded or self.destroyed then return self end
    self.writableEnded = true
    self.writable = false
    self.writableNeedDrain = false
    self.readyState = ready_state(self)
    if self._handle and not self._pendingWrites then self._handle:shutdown()
    else self._pendingEnd = true end
    return self
  end
  Socket['end'] = Socket._end

  -------------------------------------------------------------------------
  -- destroy
  -------------------------------------------------------------------------

  function Socket:destroy(err)
    if self.destroyed then return self end
    self.destroyed = true
    self.readable, self.writable, self.connecting = false, false, false
    self.pending = true
    self.readyState = 'closed'
    self.bufferSize = nil
    self.writableNeedDrain = false
    if err ~= nil and self.errored == nil then self.errored = err end
    if self._timer then self._timer:close(); self._timer = nil end
    -- what write() queued just before gets one try, as Node's write() tries at once
    if self._handle then self._handle:close(true) end
    local cbs = self._writeCbs or {}
    self._writeCbs = nil
    local corked = self._corked
    if corked then
      self._corked = nil
      for _, cb in ipairs(corked.cbs or {}) do cbs[#cbs + 1] = cb end
    end
    self.closed = true
    nextTick(function()
      if err then
        self._errorEmitted = true
        self:emit('error', err)
      end
      local e = err or errors.new('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed')
      for i = 1, #cbs do cbs[i](e) end
      self._closeEmitted = true
      self:emit('close', err ~= nil)
      if self._countedBy then self._countedBy:_connectionClosed() end
    end)
    return self
  end

  -- end the writing side, and destroy once that is done
  function Socket:destroySoon()
    if self.writableFinished then return self:destroy() end
    self:once('finish', function() self:destroy() end)
    return self:_end()
  end
end
