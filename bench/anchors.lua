-- The anchors of make bench: nginx (Debian's nginx-light) and openssl s_server,
-- linked against the same OpenSSL as luatls. Each is started by the bench as a
-- plain process pinned to core 0, on a free loopback port, with its own temporary
-- prefix, and stopped by its PID: never a system service.
local cp = require('child_process')
local fs = require('fs')
local net = require('net')
local steps = require('steps')
local await, sleep, run = steps.await, steps.sleep, steps.run

local M = {}

-- what the tiny HTTP responders of bench/servers/http.* send, byte for byte as long
-- as nginx's `return 200 "ok"` (its Date header has the same length every day)
M.RESPONSE = 'HTTP/1.1 200 OK\r\nServer: bench\r\nDate: Wed, 02 Dec 2026 06:00:00 GMT\r\n'
  .. 'Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok'

local CERTS = { ecdsa = 'ecdsa-server', rsa = 'server' }

local function free_port()
  return await(function(k)
    local s = net.createServer()
    s:listen(0, '127.0.0.1', function()
      local port = s:address().port
      s:close(function() k(port) end)
    end)
  end)
end

-- waits until something accepts on port (the child prints nothing when it is ready)
local function wait_port(port, child, name)
  for _ = 1, 600 do
    local ok = await(function(k)
      local c = net.connect(port, '127.0.0.1')
      c:on('connect', function() c:destroy(); k(true) end)
      c:on('error', function() k(false) end)
    end)
    if ok then return end
    if child.exitCode then break end
    sleep(50)
  end
  error(name .. ' did not listen on ' .. port)
end

local function tempdir(where)
  local out = run('mktemp', { '-d', '-p', where, 'luatls-bench.XXXXXX' })
  return (out:gsub('%s+$', ''))
end

-- wrap: a command line to run it under (valgrind ..., for bench/profile.lua)
local function spawn(cmd, args, wrap)
  local argv = { '-c', '0' }
  for _, a in ipairs(wrap or {}) do argv[#argv + 1] = a end
  argv[#argv + 1] = cmd
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local child = cp.spawn('taskset', argv)
  child.stdout:on('data', function() end)
  child.stderr:on('data', function(d) io.stderr:write(d) end)
  child:on('exit', function(code) child.exitCode = code or -1 end)
  return child
end

local BULK_MIB = 512
M.BULK_MIB = BULK_MIB

-- a file of BULK_MIB MiB on tmpfs for nginx's S4b (made once per run)
local shm
local function bulk_file()
  if not shm then
    shm = tempdir('/dev/shm')
    run('dd', { 'if=/dev/zero', 'of=' .. shm .. '/bulk', 'bs=1M', 'count=' .. BULK_MIB, 'status=none' })
  end
  return shm
end

-- worker_connections: nginx allocates (and touches) a connection and two events
-- per slot when it starts
M.NGINX_CONNECTIONS = 30000

-- nginx.conf for one run: one process (master_process off: the process that serves
-- is the one pinned, measured and killed), access log off, keep-alive without limit
local function nginx_conf(prefix, port, cert, root, connections)
  local dir = process.cwd() .. '/certs/'
  return table.concat({
    'worker_processes 1;',
    'master_process off;',
    'pid ' .. prefix .. '/nginx.pid;',
    'error_log ' .. prefix .. '/error.log warn;',
    'worker_rlimit_nofile 40000;',
    'events { worker_connections ' .. (connections or M.NGINX_CONNECTIONS) .. '; }',
    'http {',
    '  access_log off;',
    '  server_tokens off;',
    '  keepalive_requests 1000000000;',
    '  keepalive_timeout 600s;',
    '  client_header_timeout 600s;',
    '  client_body_temp_path ' .. prefix .. '/body;',
    '  proxy_temp_path ' .. prefix .. '/proxy;',
    '  fastcgi_temp_path ' .. prefix .. '/fastcgi;',
    '  uwsgi_temp_path ' .. prefix .. '/uwsgi;',
    '  scgi_temp_path ' .. prefix .. '/scgi;',
    '  server {',
    '    listen 127.0.0.1:' .. port .. ' ssl;',
    -- nginx 1.22 leaves TLS 1.3 out unless told (1.23.4 added it to the default)
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    ssl_certificate ' .. dir .. CERTS[cert] .. '-cert.pem;',
    '    ssl_certificate_key ' .. dir .. CERTS[cert] .. '-key.pem;',
    '    root ' .. (root or prefix) .. ';',
    '    location = / { default_type text/plain; return 200 "ok"; }',
    '  }',
    '}',
  }, '\n') .. '\n'
end

-- nginx serving the tiny response at / and, with bulk, the S4b file at /bulk
-- (connections: its worker_connections, NGINX_CONNECTIONS unless given)
function M.nginx(cert, bulk, wrap, connections)
  local prefix = tempdir('/tmp')
  local port = free_port()
  local conf = prefix .. '/nginx.conf'
  fs.writeFileSync(conf, nginx_conf(prefix, port, cert, bulk and bulk_file(), connections))
  local child = spawn('nginx', { '-p', prefix, '-c', conf, '-e', prefix .. '/error.log', '-g', 'daemon off;' }, wrap)
  child.prefix = prefix
  wait_port(port, child, 'nginx')
  return child, port
end

-- openssl s_server (one connection at a time, as s_time makes them)
function M.s_server(cert)
  local port = free_port()
  local child = spawn('openssl', { 's_server', '-accept', '127.0.0.1:' .. port, '-www', '-quiet',
    '-cert', 'certs/' .. CERTS[cert] .. '-cert.pem', '-key', 'certs/' .. CERTS[cert] .. '-key.pem' })
  wait_port(port, child, 's_server')
  return child, port
end

-- removes the temporary prefix of a stopped anchor, and at the end the tmpfs file
function M.clean(child)
  if child and child.prefix then run('rm', { '-rf', child.prefix }) end
  if not child and shm then run('rm', { '-rf', shm }); shm = nil end
end

return M
