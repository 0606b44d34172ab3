-- Out of file descriptors, a server sheds new connections (the spare-fd
-- trick of libev's manual) instead of spinning, and recovers when fds free up.
local net = require('net')
local fs = require('fs')

local SERVER = [[
local net = require('net')
local held = {}
local server = net.createServer(function(sock)
  held[#held + 1] = sock
  sock:on('data', function(d)
    if d == 'release\n' then
      for _, s in ipairs(held) do s:destroy() end
      held = {}
    else
      sock:write(d)
    end
  end)
end)
server:listen(tonumber(arg[1]), '127.0.0.1', function() print('ready') end)
]]

local function cpu_ticks(pid)
  local f = io.open('/proc/' .. pid .. '/stat')
  if not f then return 0 end
  local stat = f:read('a')
  f:close()
  local fields = {}
  for x in stat:match('%) (.*)$'):gmatch('%S+') do fields[#fields + 1] = x end
  return tonumber(fields[12]) + tonumber(fields[13])   -- utime + stime
end

describe('a server out of file descriptors', function()
  it('neither spins nor stops listening, and recovers', function()
    local path = os.tmpname()
    fs.writeFileSync(path, SERVER)
    local shed, echoed, ticks = 0, nil, nil
    local N = 40
    H.run(20000, function(done)
      local port = H.free_port()
      local child = H.spawn('sh', { '-c', 'ulimit -n 20; exec "$0" "$1" "$2"', H.LUATLS, path, tostring(port) },
        function() done() end)
      local started = false
      child.stdout:on('data', function()
        if started then return end
        started = true
        local clients, settled = {}, 0
        local function after_all()
          ticks = cpu_ticks(child.pid)
          -- free the fds: every accepted socket is closed by the server
          for _, c in ipairs(clients) do
            if not c.destroyed then c:write('release\n'); break end
          end
          local function try_again()
            local probe = net.connect(port, '127.0.0.1')
            probe:on('connect', function() probe:write('ping') end)
            probe:on('data', function(d)
              echoed = d
              probe:destroy()
              for _, c in ipairs(clients) do c:destroy() end
              child:kill()
            end)
            probe:on('error', function() end)
            -- shed again while the release is still in flight: try once more
            probe:on('close', function() if not echoed then setImmediate(try_again) end end)
          end
          try_again()
        end
        for i = 1, N do
          local c = net.connect(port, '127.0.0.1')
          clients[i] = c
          c:on('error', function() end)
          local counted = false
          local function settle(was_shed)
            if counted then return end
            counted = true
            if was_shed then shed = shed + 1 end
            settled = settled + 1
            if settled == N then after_all() end
          end
          -- accepted sockets echo; shed ones are closed at once
          c:on('connect', function() c:write('x') end)
          c:on('data', function() settle(false) end)
          c:on('close', function() settle(true) end)
        end
      end)
    end)
    os.remove(path)
    assert.is_true(shed > 0, 'some connections should have been shed')
    assert.is_true(shed < N, 'some connections should have been served')
    assert.is_true(ticks < 100, 'the server used ' .. tostring(ticks) .. ' ticks of CPU: spinning?')
    assert.equal('ping', echoed)
  end)
end)
