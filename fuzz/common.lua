-- Helpers for the fuzz targets: reading the input as a stream of choices,
-- the test certificates, running the loop until it is idle, and the checks.
require('luatls.runtime')
local core = require('luatls.core')
local tick = require('luatls.tick')
local fs = require('fs')

local M = {}

-- the input as a stream of choices; reading past its end gives zeros
function M.reader(data)
  local pos = 1
  local r = {}
  function r.byte()
    local b = data:byte(pos) or 0
    pos = pos + 1
    return b
  end
  function r.int(n) return r.byte() % n end
  function r.bytes(n)
    local s = data:sub(pos, pos + n - 1)
    pos = pos + n
    return s
  end
  function r.rest() local s = data:sub(pos); pos = #data + 1; return s end
  function r.left() return #data - pos + 1 end
  return r
end

M.FILES = {}
for _, name in ipairs({ 'server-key.pem', 'server-cert.pem', 'ca-cert.pem', 'ca-crl.pem', 'ecdsa-server-key.pem',
  'ecdsa-server-cert.pem', 'encrypted-key.pem', 'fuzz.pfx', 'dhparam.pem', 'chain-server-fullchain.pem',
  'client-cert.pem', 'expired-cert.pem' }) do
  M.FILES[#M.FILES + 1] = fs.readFileSync('certs/' .. name)
end

function M.cert(name) return fs.readFileSync('certs/' .. name) end

function M.invariant(ok, what)
  if not ok then error('INVARIANT ' .. what, 2) end
end

-- an error luatls may raise for bad input: an error object with a code
function M.error_object(err)
  return type(err) == 'table' and type(err.code) == 'string'
end

-- runs ticks and the loop until nothing is left to do
function M.drain()
  tick.run()
  core.run()
end

-- drains, then checks that nothing was left open
function M.settle()
  M.drain()
  local left = core.handles(true)
  if #left > 0 then
    core.close_all()
    tick.run()
    error('INVARIANT handles left open: ' .. table.concat(left, ', '))
  end
end

return M
