---@meta luatls.class

---The base of luatls's classes (`require('luatls.class')`). `Class:extend()` makes a
---subclass; `Class(...)` or `Class:new(...)` makes an instance and runs its `init(...)`.
---```lua
---local EventEmitter = require('events')
---local Door = EventEmitter:extend()
---function Door:init(name) EventEmitter.init(self); self.name = name end
---local d = Door('front')
---```
---@class luatls.Object
---@overload fun(...): luatls.Object
---@field super table? On a class table: the class it extends.
local Object = {}

---Runs when an instance is made, with the arguments given to the class.
---@param ... any
function Object:init(...) end

---Makes an instance of this class (the same as calling the class).
---@param ... any the arguments of `init`
---@return self
function Object:new(...) end

---Makes a subclass: a class table whose instances are made by calling it.
---@return self
function Object:extend() end

---Whether `o` is an instance of `cls` or of a subclass of it.
---@param o any
---@param cls luatls.Object
---@return boolean
function Object.instanceof(o, cls) end

return Object
