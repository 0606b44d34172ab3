-- F35: delays that are not finite numbers.
--   arg[1] = 'sync': what socket:setTimeout and server:listen raise for NaN,
--     infinities, -1, a string and 2^31 ("setTimeout-nan raised ERR_...").
--   arg[1] = 'activity': setTimeout(0/0) on a connected socket, then traffic
--     (which restarts the idle timer: a NaN repeat makes libev abort).
--   arg[1] = 'timers': the global setTimeout(fn, d) for d = NaN, math.huge,
--     -math.huge: Node runs each after 1 ms (here: all within half a second).
package.path = 'spec/scripts/?.lua;' .. package.path
local net = require('net')
local core = require('luatls.core')
local C = require('cb_common')

local mode = arg[1]
local VALUES = { nan = 0 / 0, inf = math.huge, ninf = -math.huge, neg = -1, str = '10', big = 2 ^ 31 }
local ORDER = { 'nan', 'inf', 'ninf', 'neg', 'str', 'big' }

if mode == 'sync' then
  for _, k in ipairs(ORDER) do
    local s = net.Socket()
    C.say('setTimeout-' .. k, C.outcome(pcall(s.setTimeout, s, VALUES[k])))
    s:destroy()
  end
  for _, k in ipairs({ 'nan', 'inf' }) do
    local server = net.createServer()
    C.say('listen-' .. k, C.outcome(pcall(server.listen, server, VALUES[k])))
    server:close()
  end
elseif mode == 'activity' then
  C.guard(5000)
  local server
  server = net.createServer(function(s)
    s:on('data', function(d)
      C.say('server-got', d)
      s:destroy()
      server:close()
    end)
  end)
  server:listen(0, '127.0.0.1', function()
    local c = net.connect(server:address().port, '127.0.0.1')
    C.say('setTimeout-nan', C.outcome(pcall(c.setTimeout, c, 0 / 0)))
    c:on('error', function() end)
    c:on('connect', function()
      c:write('x')   -- activity: the idle timer starts again
      setTimeout(function() c:write('y'); c:destroy() end, 10)
    end)
  end)
elseif mode == 'timers' then
  C.guard(2000)
  local scale = tonumber(os.getenv('LUATLS_TIMEOUT_SCALE')) or 1
  local start, fired = core.now(), 0
  for _, k in ipairs({ 'nan', 'inf', 'ninf' }) do
    setTimeout(function()
      fired = fired + 1
      C.say('timer-' .. k .. '-fired')
      if fired == 3 then C.say('all-fired-soon', core.now() - start < 500 * scale) end
    end, VALUES[k])
  end
end
