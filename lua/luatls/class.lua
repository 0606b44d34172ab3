-- Minimal classes: Class:extend() makes a subclass; Class(...) or Class:new(...)
-- makes an instance and calls its init(...).
local Object = {}
Object.__index = Object

local META = { '__tostring', '__eq', '__lt', '__le', '__concat', '__len', '__call' }

local function new(cls, ...)
  local o = setmetatable({}, cls)
  o:init(...)
  return o
end

function Object:init() end

function Object:new(...) return new(self, ...) end

function Object:extend()
  local cls = {}
  for _, k in ipairs(META) do cls[k] = rawget(self, k) end
  cls.__index = cls
  cls.super = self
  return setmetatable(cls, { __index = self, __call = new })
end

-- is o an instance of cls (or of a subclass of it)?
function Object.instanceof(o, cls)
  if type(o) ~= 'table' then return false end
  local mt = getmetatable(o)
  while mt do
    if mt == cls then return true end
    mt = rawget(mt, 'super')
  end
  return false
end

return setmetatable(Object, { __call = new })
