-- Server RSS with N idle TLS connections, luatls against Node.js.
--   build/luatls bench/idle-rss.lua [N]
local tls = require('tls')
local cp = require('child_process')
local fs = require('fs')

local N = tonumber(arg[1]) or 1000
local ca = fs.readFileSync('certs/ca-cert.pem')

local function rss_kib(pid)
  local status = fs.readFileSync('/proc/' .. pid .. '/status')
  return tonumber(status:match('VmRSS:%s*(%d+)'))
end

local function measure(cmd, args, done)
  local child = cp.spawn(cmd, args)
  local seen, clients = '', {}
  child.stdout:on('data', function(d)
    seen = seen .. d
    local port = tonumber(seen:match('PORT (%d+)'))
    if not port or #clients > 0 then return end
    local base = rss_kib(child.pid)
    local connected = 0
    local function open()
      local c = tls.connect(port, 'localhost', { ca = ca })
      clients[#clients + 1] = c
      c:on('secureConnect', function()
        c:write('x')    -- the server has read once: its socket is fully set up
        connected = connected + 1
        if connected == N then
          -- a round trip to the server is done for every client; let it settle
          setTimeout(function()
            local full = rss_kib(child.pid)
            for _, s in ipairs(clients) do s:destroy() end
            child:kill()
            done(base, full)
          end, 500)
        elseif #clients < N then
          open()
        end
      end)
      c:on('error', function(e) print('client error', e.code); os.exit(1) end)
    end
    for _ = 1, 20 do open() end
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
