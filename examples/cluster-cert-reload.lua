-- Certificate reload across a cluster, without a restart: the primary holds the key
-- and certificate and sends them to every worker, which swaps its server's context with
-- setSecureContext. Handshakes in progress finish with the old certificate; every later
-- one uses the new. The primary takes commands on a Unix socket (CONTROL):
--   reload   read KEY_FILE and CERT_FILE again (after a renewal wrote them)
--   renew    make a new self-signed certificate in-process (require('x509')), for trying it out
--   build/luatls examples/cluster-cert-reload.lua       (PORT=8443, WORKERS=2)
--   build/luatls -e "require('net').connect('/tmp/luatls-cluster.sock'):_end('renew'):on('data', io.write)"
local cluster = require('cluster')
local x509 = require('x509')

local PORT = tonumber(process.env.PORT) or 8443

local function fingerprint(cert) return x509.parse(cert).fingerprint256 end

if cluster.isWorker then
  local tls = require('tls')
  local server
  -- the first credentials start the server; later ones replace its context
  process:on('message', function(m)
    if type(m) ~= 'table' or not m.cert then return end
    if not server then
      server = tls.createServer({ key = m.key, cert = m.cert }, function(socket)
        socket:on('error', function() end)
        socket:write('worker ' .. process.pid .. '\n')
        socket:pipe(socket)
      end)
      server:listen(PORT, '127.0.0.1')
    else
      server:setSecureContext({ key = m.key, cert = m.cert })
    end
    process.send({ loaded = fingerprint(m.cert) })
  end)
  return
end

local fs = require('fs')
local net = require('net')
local WORKERS = tonumber(process.env.WORKERS) or 2
local CONTROL = process.env.CONTROL or '/tmp/luatls-cluster.sock'
local KEY_FILE = process.env.KEY_FILE or 'certs/server-key.pem'
local CERT_FILE = process.env.CERT_FILE or 'certs/server-cert.pem'

local creds = { key = fs.readFileSync(KEY_FILE), cert = fs.readFileSync(CERT_FILE) }

-- every worker starts with the current credentials
local function start(worker)
  worker:send(creds)
  local served = false
  worker:once('listening', function() served = true end)
  worker:on('exit', function(code, signal)
    if worker.exitedAfterDisconnect then return end
    if not served then   -- it would only die again
      console.error(('worker %d failed to start (%s)'):format(worker.process.pid, code or signal))
      process.exit(1)
    end
    console.log(('worker %d died (%s), forking another'):format(worker.process.pid, code or signal))
    start(cluster.fork())
  end)
end

-- sends creds to every worker; done(n) once each has loaded them
local function push(done)
  local waiting, n = {}, 0
  local want = fingerprint(creds.cert)
  for _, w in pairs(cluster.workers) do
    if w:isConnected() then waiting[w] = true; n = n + 1 end
  end
  local left = n
  if left == 0 then return done(0) end
  for w in pairs(waiting) do
    local function loaded(m)
      if type(m) ~= 'table' or m.loaded ~= want then return end
      w:removeListener('message', loaded)
      w:removeListener('exit', loaded)
      left = left - 1
      if left == 0 then done(n) end
    end
    w:on('message', loaded)
    w:on('exit', loaded)   -- a worker that dies meanwhile is replaced with the new ones
    w:send(creds)
  end
end

local function reload(fresh, reply)
  local ok, err = pcall(function()
    if fresh then
      local c = x509.createSelfSigned({})
      creds = { key = c.key, cert = c.cert }
    else
      -- both files are read before anything changes: a half-written pair fails here
      local key, cert = fs.readFileSync(KEY_FILE), fs.readFileSync(CERT_FILE)
      require('tls').createSecureContext({ key = key, cert = cert })
      creds = { key = key, cert = cert }
    end
  end)
  if not ok then return reply('failed: ' .. tostring(err) .. '\n') end
  push(function(n)
    local line = ('reloaded %d workers %s'):format(n, fingerprint(creds.cert))
    console.log(line)
    reply(line .. '\n')
  end)
end

os.remove(CONTROL)
net.createServer({ allowHalfOpen = true }, function(c)
  c:on('error', function() end)
  c:on('data', function(d)
    local cmd = d:match('%a+')
    local function reply(s) if not c.destroyed then c:_end(s) end end
    if cmd == 'reload' or cmd == 'renew' then reload(cmd == 'renew', reply)
    else reply('commands: reload, renew\n') end
  end)
end):listen(CONTROL)

local listening = 0
for _ = 1, WORKERS do
  local w = cluster.fork()
  start(w)
  w:once('listening', function()
    listening = listening + 1
    if listening == WORKERS then console.log('ready: ' .. fingerprint(creds.cert)) end
  end)
end
