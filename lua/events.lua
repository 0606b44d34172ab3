-- events: EventEmitter with Node's semantics.
--   local EventEmitter = require('events')
--   local e = EventEmitter(); e:on('x', function(a) print(a) end); e:emit('x', 1)
local Object = require('luatls.class')
local errors = require('luatls.errors')

local EventEmitter = Object:extend()
EventEmitter.EventEmitter = EventEmitter
EventEmitter.defaultMaxListeners = 10

-- once() wrappers remember the listener they stand for
local original = setmetatable({}, { __mode = 'k' })

local function events(self)
  local e = rawget(self, '_events')
  if not e then
    e = {}
    rawset(self, '_events', e)
  end
  return e
end

function EventEmitter:init() events(self) end

local function check_listener(fn)
  if type(fn) ~= 'function' and not (type(fn) == 'table' and getmetatable(fn) and getmetatable(fn).__call) then
    error(errors.invalid_arg_type('listener', 'of type function', fn), 3)
  end
end

local function max_listeners(self)
  return rawget(self, '_maxListeners') or EventEmitter.defaultMaxListeners
end

-- Lists are replaced, never changed in place, so emit can walk one safely.
local function add(self, name, fn, prepend)
  if type(fn) ~= 'function' then check_listener(fn) end
  local evs = rawget(self, '_events') or events(self)
  if evs.newListener then self:emit('newListener', name, original[fn] or fn) end
  local old = evs[name]
  local list
  if not old then
    list = { fn }
  else
    list = {}
    if prepend then list[1] = fn end
    for i = 1, #old do list[#list + 1] = old[i] end
    if not prepend then list[#list + 1] = fn end
  end
  evs[name] = list
  local hook = self._onListener
  if hook then hook(self, name) end
  local n, max = #list, max_listeners(self)
  if max > 0 and n > max and not rawget(self, '_warned_' .. tostring(name)) then
    rawset(self, '_warned_' .. tostring(name), true)
    io.stderr:write(('(luatls) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. '
      .. '%d %s listeners added. Use emitter:setMaxListeners() to increase limit\n'):format(n, tostring(name)))
  end
  return self
end

local function wrap_once(self, name, fn)
  check_listener(fn)
  local fired = false
  local w
  w = function(...)
    if fired then return end
    fired = true
    self:removeListener(name, w)
    return fn(...)
  end
  original[w] = fn
  return w
end

function EventEmitter:on(name, fn) return add(self, name, fn, false) end
EventEmitter.addListener = EventEmitter.on
function EventEmitter:prependListener(name, fn) return add(self, name, fn, true) end
function EventEmitter:once(name, fn) return add(self, name, wrap_once(self, name, fn), false) end
function EventEmitter:prependOnceListener(name, fn) return add(self, name, wrap_once(self, name, fn), true) end

-- on(name, list[1]) where list is a one-listener list that many emitters share
-- (a server's listener on each of its sockets): an emitter that has no
-- listener for name yet takes the list itself instead of a copy, which is safe
-- since lists are never changed in place
function EventEmitter:_onShared(name, list)
  local evs = rawget(self, '_events') or events(self)
  if evs[name] ~= nil or evs.newListener then return add(self, name, list[1], false) end
  evs[name] = list
  local hook = self._onListener
  if hook then hook(self, name) end
  return self
end

function EventEmitter:removeListener(name, fn)
  local evs = events(self)
  local old = evs[name]
  if not old then return self end
  for i = #old, 1, -1 do
    local l = old[i]
    if l == fn or original[l] == fn then
      local list = {}
      for j = 1, #old do if j ~= i then list[#list + 1] = old[j] end end
      evs[name] = #list > 0 and list or nil
      if evs.removeListener then self:emit('removeListener', name, original[l] or l) end
      break
    end
  end
  return self
end
EventEmitter.off = EventEmitter.removeListener

function EventEmitter:removeAllListeners(name)
  local evs = events(self)
  if name == nil then
    for k in pairs(evs) do evs[k] = nil end
  else
    evs[name] = nil
  end
  return self
end

function EventEmitter:emit(name, ...)
  -- the listeners without a call to events(): emit runs for every chunk
  local evs = rawget(self, '_events')
  local list = evs and evs[name]
  if not list then
    if name == 'error' then
      local err = ...
      if not errors.is(err) and type(err) ~= 'table' then
        err = errors.new('ERR_UNHANDLED_ERROR', 'Unhandled error. (' .. tostring(err) .. ')', { context = err })
      end
      error(err, 0)
    end
    return false
  end
  if #list == 1 then
    list[1](...)
  else
    for i = 1, #list do list[i](...) end
  end
  return true
end

function EventEmitter:listeners(name)
  local out = {}
  for i, l in ipairs(events(self)[name] or {}) do out[i] = original[l] or l end
  return out
end

function EventEmitter:rawListeners(name)
  local out = {}
  for i, l in ipairs(events(self)[name] or {}) do out[i] = l end
  return out
end

function EventEmitter:listenerCount(name)
  local evs = rawget(self, '_events')
  local list = evs and evs[name]
  return list and #list or 0
end

function EventEmitter:eventNames()
  local out = {}
  for k in pairs(events(self)) do out[#out + 1] = k end
  table.sort(out, function(a, b) return tostring(a) < tostring(b) end)
  return out
end

function EventEmitter:setMaxListeners(n)
  -- as Node: Infinity (like 0) means no limit; NaN is refused
  n = errors.check_number('n', n, 0, nil, { inf = true })
  rawset(self, '_maxListeners', n)
  return self
end

EventEmitter.getMaxListeners = max_listeners

return EventEmitter
