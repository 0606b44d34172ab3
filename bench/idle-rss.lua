-- Server RSS with N idle TLS connections, luatls against Node.js, measured as
-- S5 of bench/run.lua measures it (bench/idle_clients.lua).
--   build/luatls bench/idle-rss.lua [N]
package.path = 'bench/?.lua;' .. package.path
local cp = require('child_process')
local fs = require('fs')
local idle = require('idle_clients')

local N = tonumber(arg[1]) or 1000

local function rss_kib(pid)
  local status = fs.readFileSync('/proc/' .. pid .. '/status')
  return tonumber(status:match('VmRSS:%s*(%d+)'))
end

local function measure(cmd, args, done)
  local child = cp.spawn(cmd, args)
  local seen, started = '', false
  child.stdout:on('data', function(d)
    seen = seen .. d
    local port = tonumber(seen:match('PORT (%d+)'))
    if not port or started then return end
    started = true
    local base = rss_kib(child.pid)
    idle.open(port, N, function(clients)
      -- every handshake is finished on the server; let it settle
      setTimeout(function()
        idle.check(port, clients)
        local full = rss_kib(child.pid)
        idle.close(clients)
        child:kill()
        done(base, full)
      end, 500)
    end)
  end)
end

measure(arg[-1], { 'bench/servers/idle.lua' }, function(lb, lf)
  measure('node', { 'bench/servers/idle.js' }, function(nb, nf)
    local lper, nper = (lf - lb) / N, (nf - nb) / N
    print(('idle TLS connections: %d'):format(N))
    print(('%-8s %10s %12s %14s'):format('server', 'RSS empty', ('RSS %d conns'):format(N), 'KiB/connection'))
    print(('%-8s %7d KiB %8d KiB %14.1f'):format('luatls', lb, lf, lper))
    print(('%-8s %7d KiB %8d KiB %14.1f'):format('node', nb, nf, nper))
    print(('ratio node/luatls per connection: %.2f'):format(nper / lper))
  end)
end)
