-- A TLS echo service on every core that restarts its workers without dropping a
-- connection. The primary forks WORKERS workers (2 by default) and listens on a Unix
-- socket for commands (CONTROL); `restart` replaces the workers one at a time: a new
-- worker is forked, and once it listens the old one is told to disconnect, which closes
-- its server (new connections go to the others) and lets it finish the connections it
-- has before it exits. A worker that dies on its own is replaced at once.
--   build/luatls examples/cluster-rolling-restart.lua       (PORT=8443, WORKERS=2)
--   build/luatls -e "require('net').connect('/tmp/luatls-cluster.sock'):_end('restart'):on('data', io.write)"
local cluster = require('cluster')

local PORT = tonumber(process.env.PORT) or 8443
local DRAIN_MS = 30000   -- an old worker's connections get this long to finish after its server closes

if cluster.isWorker then
  local tls = require('tls')
  local fs = require('fs')
  local dir = process.env.CERTS or 'certs'
  local server = tls.createServer({
    key = fs.readFileSync(dir .. '/server-key.pem'),
    cert = fs.readFileSync(dir .. '/server-cert.pem'),
  }, function(socket)
    socket:on('error', function() end)
    socket:write('worker ' .. process.pid .. '\n')
    socket:pipe(socket)
  end)
  server:listen(PORT, '127.0.0.1')
  return
end

local net = require('net')
local WORKERS = tonumber(process.env.WORKERS) or 2
local CONTROL = process.env.CONTROL or '/tmp/luatls-cluster.sock'
local restarting = false

local function pids()
  local list = {}
  for _, w in pairs(cluster.workers) do
    if w:isConnected() then list[#list + 1] = w.process.pid end
  end
  table.sort(list)
  return table.concat(list, ' ')
end

-- a replacement for a worker that died without being asked to; one that died before it
-- listened would only die again (a bad certificate, a port in use): stop then
local served = {}
cluster:on('listening', function(worker) served[worker] = true end)
cluster:on('exit', function(worker, code, signal)
  if worker.exitedAfterDisconnect then return end
  if not served[worker] then
    console.error(('worker %d failed to start (%s)'):format(worker.process.pid, code or signal))
    process.exit(1)
  end
  served[worker] = nil
  console.log(('worker %d died (%s), forking another'):format(worker.process.pid, code or signal))
  cluster.fork()
end)

-- replaces the workers in `old` one by one: fork, wait for 'listening', disconnect the old one
local function replace(old, i, done)
  local w = old[i]
  if not w then return done() end
  if w.state == 'dead' then return replace(old, i + 1, done) end
  local fresh = cluster.fork()
  fresh:once('listening', function()
    -- disconnect() closes the old worker's server; its connections in progress keep it
    -- alive until they end, or until the drain time is up
    local late = setTimeout(function() w:kill() end, DRAIN_MS)
    w:once('exit', function()
      clearTimeout(late)
      replace(old, i + 1, done)
    end)
    w:disconnect()
  end)
end

local function restart(reply)
  if restarting then return reply('busy\n') end
  restarting = true
  local old = {}
  for _, w in pairs(cluster.workers) do old[#old + 1] = w end
  table.sort(old, function(a, b) return a.id < b.id end)
  replace(old, 1, function()
    restarting = false
    console.log('restarted: ' .. pids())
    reply('restarted ' .. pids() .. '\n')
  end)
end

-- the control socket: one command a connection
os.remove(CONTROL)
net.createServer({ allowHalfOpen = true }, function(c)
  c:on('error', function() end)
  c:on('data', function(d)
    local cmd = d:match('%a+')
    local function reply(s) if not c.destroyed then c:_end(s) end end
    if cmd == 'restart' then restart(reply)
    elseif cmd == 'pids' then reply(pids() .. '\n')
    else reply('commands: restart, pids\n') end
  end)
end):listen(CONTROL)

local listening = 0
for _ = 1, WORKERS do
  cluster.fork():once('listening', function()
    listening = listening + 1
    if listening == WORKERS then console.log('ready: ' .. pids()) end
  end)
end
