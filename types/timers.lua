---@meta timers

---`require('timers')`: the timer functions, also globals.
---@class timerslib
local timers = {}

---A timer from `setTimeout` or `setInterval`.
---@class timers.Timeout: luatls.Object
---@overload fun(fn: function, ms: number, rep: boolean, args: table): timers.Timeout
timers.Timeout = {}

---The timer keeps the process alive (the default).
---@return self
function timers.Timeout:ref() end

---The timer does not keep the process alive.
---@return self
function timers.Timeout:unref() end

---@return boolean
function timers.Timeout:hasRef() end

---Starts the timer again from now.
---@return self
function timers.Timeout:refresh() end

---Stops the timer, as `clearTimeout` does.
---@return self
function timers.Timeout:close() end

---What `setImmediate` returns.
---@class timers.Immediate: luatls.Object
---@overload fun(fn: function, args: table): timers.Immediate
timers.Immediate = {}

---@return self
function timers.Immediate:ref() end

---@return self
function timers.Immediate:unref() end

---@return boolean
function timers.Immediate:hasRef() end

---Runs `fn(...)` once, after `ms` milliseconds (at least 1).
---@param fn function
---@param ms? number
---@param ... any
---@return timers.Timeout
function timers.setTimeout(fn, ms, ...) end

---Runs `fn(...)` every `ms` milliseconds.
---@param fn function
---@param ms? number
---@param ... any
---@return timers.Timeout
function timers.setInterval(fn, ms, ...) end

---@param timeout timers.Timeout?
function timers.clearTimeout(timeout) end

---@param timeout timers.Timeout?
function timers.clearInterval(timeout) end

---Runs `fn(...)` once, after the I/O of this loop iteration.
---@param fn function
---@param ... any
---@return timers.Immediate
function timers.setImmediate(fn, ...) end

---@param immediate timers.Immediate?
function timers.clearImmediate(immediate) end

return timers
