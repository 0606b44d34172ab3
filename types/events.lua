---@meta events

---The events an `EventEmitter` emits by itself.
---@alias events.EventEmitterEvent
---| "newListener"    # (name, listener): before a listener is added
---| "removeListener" # (name, listener): after a listener is removed
---| "error"          # (err: luatls.Error): with no listener, emitting it raises `err`

---Node's EventEmitter. `require('events')` is this class (also at
---`require('events').EventEmitter`): call it to make an emitter, or `:extend()` it.
---```lua
---local EventEmitter = require('events')
---local e = EventEmitter()
---e:on('greet', function(name) print('hello', name) end)
---e:emit('greet', 'ann')
---```
---@class events.EventEmitter: luatls.Object
---@overload fun(): events.EventEmitter
---@field EventEmitter events.EventEmitter The class itself, as Node's `require('events').EventEmitter`.
---@field defaultMaxListeners integer Listeners of one event past which a warning is printed (10); 0 means no limit.
local EventEmitter = {}

---Adds `listener` at the end of the listeners of `event`.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:on(event, listener) end

---The same as `on`.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:addListener(event, listener) end

---Adds `listener` at the front of the listeners of `event`.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:prependListener(event, listener) end

---Adds a listener that is removed before its first call.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:once(event, listener) end

---`once`, at the front of the listeners.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:prependOnceListener(event, listener) end

---Removes the most recently added instance of `listener` (a `once` listener by its original function).
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:removeListener(event, listener) end

---The same as `removeListener`.
---@param event events.EventEmitterEvent|string
---@param listener function
---@return self
function EventEmitter:off(event, listener) end

---Removes every listener of `event`, or of every event.
---@param event? events.EventEmitterEvent|string
---@return self
function EventEmitter:removeAllListeners(event) end

---Calls the listeners of `event` in order with the arguments.
---@param event events.EventEmitterEvent|string
---@param ... any
---@return boolean # whether there were listeners
function EventEmitter:emit(event, ...) end

---A copy of the listeners of `event` (the original functions of `once` listeners).
---@param event events.EventEmitterEvent|string
---@return function[]
function EventEmitter:listeners(event) end

---A copy of the listeners of `event` (`once` listeners as their wrappers).
---@param event events.EventEmitterEvent|string
---@return function[]
function EventEmitter:rawListeners(event) end

---@param event events.EventEmitterEvent|string
---@return integer
function EventEmitter:listenerCount(event) end

---The names of the events that have listeners.
---@return string[]
function EventEmitter:eventNames() end

---@param n integer listeners of one event past which a warning is printed; 0 for no limit
---@return self
function EventEmitter:setMaxListeners(n) end

---@return integer
function EventEmitter:getMaxListeners() end

return EventEmitter
