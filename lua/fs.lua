-- fs: the synchronous file functions scripts need for keys and certificates.
local core = require('luatls.core')
local errors = require('luatls.errors')

local M = {}

local function fs_error(syscall, path, msg, errno)
  local code = errno and core.errname(errno) or 'EIO'
  local reason = msg and msg:match(':%s*(.-)$') or msg or code
  return errors.new(code, ("%s: %s, %s '%s'"):format(code, reason:lower(), syscall, path),
    { errno = errno and -errno, syscall = syscall, path = path })
end

local function check_path(path)
  if type(path) ~= 'string' then error(errors.invalid_arg_type('path', 'of type string', path), 3) end
end

-- readFileSync(path[, encoding | { encoding = }]) -> string (Lua strings are 8-bit clean)
function M.readFileSync(path, _options)
  check_path(path)
  local f, msg, errno = io.open(path, 'rb')
  if not f then error(fs_error('open', path, msg, errno), 2) end
  local data, rmsg, rerrno = f:read('a')
  f:close()
  if not data then error(fs_error('read', path, rmsg, rerrno or 21), 2) end
  return data
end

local function write(path, data, mode)
  check_path(path)
  local f, msg, errno = io.open(path, mode)
  if not f then error(fs_error('open', path, msg, errno), 3) end
  local ok, wmsg, werrno = f:write(tostring(data))
  f:close()
  if not ok then error(fs_error('write', path, wmsg, werrno), 3) end
end

function M.writeFileSync(path, data) write(path, data, 'wb') end
function M.appendFileSync(path, data) write(path, data, 'ab') end

function M.existsSync(path)
  if type(path) ~= 'string' then return false end
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

function M.unlinkSync(path)
  check_path(path)
  local ok, msg, errno = os.remove(path)
  if not ok then error(fs_error('unlink', path, msg, errno), 2) end
end

return M
