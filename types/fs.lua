---@meta fs

---`require('fs')`: the synchronous file functions scripts need for keys and certificates.
---Failures raise Node's error objects (`code`, `errno`, `syscall`, `path`).
---@class fslib
local fs = {}

---The file's bytes as a Lua string (8-bit clean).
---@param path string
---@param options? string|{ encoding: string? } accepted for Node compatibility
---@return string
function fs.readFileSync(path, options) end

---@param path string
---@param data string
function fs.writeFileSync(path, data) end

---@param path string
---@param data string
function fs.appendFileSync(path, data) end

---@param path string
---@return boolean
function fs.existsSync(path) end

---@param path string
function fs.unlinkSync(path) end

return fs
