---@meta util

---`require('util')`: inspect and format.
---@class utillib
local util = {}

---Options of `util.inspect` and `console.dir`.
---@class util.InspectOptions
---@field depth integer? How deep to show nested tables (2).

---A readable text for any value: nested tables, depth-limited, cycles marked.
---@param value any
---@param options? util.InspectOptions
---@return string
function util.inspect(value, options) end

---Node's format: `%s %d %i %f %j %o %O %%`; extra arguments are inspected.
---@param format any
---@param ... any
---@return string
function util.format(format, ...) end

return util
