-- A real redis-server for the specs: on a free loopback port, in its own temporary
-- directory, no persistence; started and ended by its PID. Not a spec itself.
local R = {}

local function sh(cmd) return H.sh(cmd) end

-- R.start{ password =, tls = true, port = } -> server { port, pid, dir, stop(), pause(), resume() }
function R.start(opts)
  opts = opts or {}
  local dir = assert(sh('mktemp -d /tmp/luatls-redis.XXXXXX')):gsub('%s+$', '')
  local port = opts.port or H.free_port()
  local args = { "--save ''", '--appendonly no', '--bind 127.0.0.1', '--dir ' .. dir,
    '--logfile ' .. dir .. '/log', '--daemonize no' }
  if opts.tls then
    local certs = os.getenv('PWD') .. '/certs/'
    args[#args + 1] = '--port 0 --tls-port ' .. port
    args[#args + 1] = ('--tls-cert-file %sserver-cert.pem --tls-key-file %sserver-key.pem --tls-ca-cert-file %sca-cert.pem --tls-auth-clients no')
      :format(certs, certs, certs)
  else
    args[#args + 1] = '--port ' .. port
  end
  if opts.password then args[#args + 1] = '--requirepass ' .. opts.password end
  local out = sh(('redis-server %s </dev/null >/dev/null 2>&1 & echo $!'):format(table.concat(args, ' ')))
  local pid = assert(tonumber(out:match('%d+')), 'redis-server did not start')
  -- ready when its log says so (bounded: 10 s)
  local _, code = sh(('(for i in $(seq 1 %d); do grep -q "Ready to accept" %s/log 2>/dev/null && exit 0; sleep 0.02; done; exit 1)')
    :format(H.ms(500), dir))
  local server = { port = port, pid = pid, dir = dir, opts = opts }
  if code ~= 0 then
    os.execute('kill -9 ' .. pid)
    error('redis-server did not become ready: ' .. (sh('cat ' .. dir .. '/log') or ''))
  end
  function server.stop()
    if server.pid then
      os.execute(('kill -9 %d 2>/dev/null; while kill -0 %d 2>/dev/null; do sleep 0.01; done'):format(server.pid, server.pid))
      server.pid = nil
    end
  end
  -- SIGKILL without waiting for the process to go (stop() waits)
  function server.kill()
    if server.pid then os.execute('kill -9 ' .. server.pid .. ' 2>/dev/null'); server.killed, server.pid = server.pid, nil end
  end
  -- the same server again, on the same port
  function server.restart()
    if server.killed and not server.pid then server.pid = server.killed end
    server.stop()
    os.execute('rm -rf ' .. server.dir)
    local again = R.start({ password = opts.password, tls = opts.tls, port = port })
    server.pid, server.dir = again.pid, again.dir
  end
  function server.pause() os.execute('kill -STOP ' .. server.pid) end
  function server.resume() os.execute('kill -CONT ' .. server.pid) end
  function server.cleanup()
    server.stop()
    os.execute('rm -rf ' .. server.dir)
  end
  return server
end

return R
