---@meta util

---`require('util')`: inspect and format.
---@class utillib
local util = {}

---How many bytes of a binary string `util.inspect` shows (`<Buffer 30 82 ...>`) when the
---`maxBufferLength` option is not given, as Node's `buffer.INSPECT_MAX_BYTES` (50); scripts
---may change it.
---@type integer
util.INSPECT_MAX_BYTES = nil

---Options of `util.inspect` and `console.dir`, as Node's.
---@class util.InspectOptions
---@field depth number|false|nil How deep to show nested tables (2); `math.huge` or `false` for no limit.
---@field maxArrayLength integer? How many entries of a sequence (and then of the other keys) are shown before `... N more items` (100).
---@field maxStringLength integer? How many characters of a string are shown before `... N more characters` (10000).
---@field maxBufferLength integer? How many bytes of a binary string are shown as `<Buffer ...>` (`util.INSPECT_MAX_BYTES`).
---@field breakLength integer? The width above which a table is shown on several lines (80).
---@field colors boolean? `true`: ANSI colours, in Node's styles (strings green, numbers yellow, ...); default false.

---A readable text for any value, as Node's `util.inspect` shows it: nested tables to a
---depth, cycles marked `[Circular *1]`, error objects with their fields, binary strings as
---`<Buffer ...>`, functions by the name they are found under.
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
