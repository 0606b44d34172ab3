-- Shared by the cb_*.lua scripts of spec/callback_safety_spec.lua: the test
-- certificates, a one-line report, and a guard that ends a child that waits
-- for something that never comes (the spec bounds it too, and kills by PID).
local fs = require('fs')

local M = {}

function M.cert(name) return fs.readFileSync('certs/' .. name) end

M.CA = M.cert('ca-cert.pem')

function M.server_options(extra)
  local o = { key = M.cert('server-key.pem'), cert = M.cert('server-cert.pem') }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- "key value" on one line, flushed at once so the spec sees it even if the process dies next
function M.say(key, ...)
  local parts = { key }
  for i = 1, select('#', ...) do parts[#parts + 1] = tostring((select(i, ...))) end
  io.stdout:write(table.concat(parts, ' '), '\n')
  io.stdout:flush()
end

-- what a pcall gave: "raised CODE" for an error object, "raised-string MSG" for
-- anything else raised, "returned" when nothing was raised
function M.outcome(ok, err)
  if ok then return 'returned' end
  if type(err) == 'table' and type(err.code) == 'string' then return 'raised ' .. err.code end
  return 'raised-string ' .. tostring(err):gsub('\n.*', '')
end

-- the code of an error event, or its message when it has none
function M.code(e)
  if type(e) ~= 'table' then return tostring(e) end
  return tostring(e.code or e.message)
end

-- ends the process (status 2) if it is still running after ms
function M.guard(ms)
  local scale = tonumber(os.getenv('LUATLS_TIMEOUT_SCALE')) or 1
  local t = setTimeout(function()
    M.say('gave-up-waiting')
    process.exit(2)
  end, ms * scale)
  t:unref()
  return t
end

return M
