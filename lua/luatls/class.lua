-- Minimal classes: Class:extend() makes a subclass; Class(...) or Class:new(...)
-- makes an instance and calls its init(...).
local Object = {}
Object.__index = Object

local META = { '__tostring', '__eq', '__lt', '__le', '__concat', '__len', '__call' }

local newtable = require('luatls.core').newtable

-- cls.__fields: how many fields an instance ends up with, for a class made
-- often (sockets): its table is made that size at once, not grown step by step
Object.__fields = false

local function new(cls, ...)
  local size = cls.__fields
  local o = setmetatable(size and newtable(size) or {}, cls)
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

-- Copies into cls every method it inherits and does not define, so that a
-- call on one of its instances finds the method in cls instead of walking up
-- its ancestors (one table lookup each). For classes whose instances are made
-- and called often (sockets, servers), once their ancestors are complete: a
-- method an ancestor gets later is still found, but one an ancestor replaces
-- later is not seen through cls.
function Object._ownMethods(cls)
  local mt = getmetatable(cls)
  local anc = mt and mt.__index
  while type(anc) == 'table' do
    for k, v in pairs(anc) do
      -- not metamethods: in cls, the instances' metatable, one would take effect
      if type(v) == 'function' and rawget(cls, k) == nil
        and not (type(k) == 'string' and k:sub(1, 2) == '__') then
        rawset(cls, k, v)
      end
    end
    mt = getmetatable(anc)
    anc = mt and mt.__index
  end
  return cls
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
