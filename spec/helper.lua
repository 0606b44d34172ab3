-- Spec helper: the runtime's globals, a bounded loop runner that insists on
-- clean-up, certificates, and child processes that never outlive a test.
require('luatls.runtime')
local core = require('luatls.core')
local tick = require('luatls.tick')
local util = require('util')
local fs = require('fs')
local cp = require('child_process')

local H = {}
_G.H = H

H.LUATLS = os.getenv('LUATLS_BIN') or 'build/luatls'
-- the same executable with allocators that fail on demand (require('luatls.faults'))
H.LUATLS_FAULTS = os.getenv('LUATLS_FAULTS_BIN') or 'build/luatls-faults'

function H.cert(name) return fs.readFileSync('certs/' .. name) end

-- A script file for a child luatls process; the caller removes it.
function H.script(text)
  local path = os.tmpname()
  fs.writeFileSync(path, text)
  return path
end

local children = {}

-- Deadlines in specs stretch by LUATLS_TIMEOUT_SCALE (make valgrind sets it).
local SCALE = tonumber(os.getenv('LUATLS_TIMEOUT_SCALE')) or 1
function H.ms(n) return n * SCALE end
-- Memory bounds (KiB of RSS) stretch under AddressSanitizer (make asan), whose shadow
-- memory and quarantine add to every process's RSS what the bound is not about
local RSS_SCALE = os.getenv('ASAN_OPTIONS') and 2 or 1
function H.kib(n) return n * RSS_SCALE end

-- Runs body(done), then the loop, until done() has been called and every
-- handle is closed. Fails on a timeout, an uncaught error, or a leak.
function H.run(timeout, body)
  timeout = H.ms(timeout)
  local finished = false
  local deadline, grace = core.timer(), nil
  local function done()
    if finished then return end
    finished = true
    deadline:close()
    grace = core.timer()
    grace:unref()
    grace:start(H.ms(3000), 0, function()
      grace:close()
      error('handles still open after done(): ' .. util.inspect(core.handles()), 0)
    end)
  end
  deadline:start(timeout, 0, function()
    deadline:close()
    error(('timed out after %d ms; open handles: %s'):format(timeout, util.inspect(core.handles())), 0)
  end)
  local ok, err = xpcall(function()
    body(done)
    tick.run()
    core.run()
  end, debug.traceback)
  deadline:close()
  if grace then grace:close() end
  for pid in pairs(children) do core.kill(pid, 9); children[pid] = nil end
  if not ok then
    core.close_all()
    pcall(tick.run)
    error(err, 0)
  end
  if not finished then
    core.close_all()
    error('the loop ended before the test called done()', 0)
  end
  collectgarbage()
  local left = core.handles(true)
  if #left > 0 then
    core.close_all()
    error('handles left open: ' .. util.inspect(left), 0)
  end
end

-- Calls fn once it has itself been called n times: for "done when all of these happened".
function H.countdown(n, fn)
  return function()
    n = n - 1
    if n == 0 then fn() end
  end
end

-- Counts calls: local cb = H.expect(2, fn) ... assert.equal(2, cb.calls)
function H.expect(fn)
  local t = { calls = 0 }
  return setmetatable(t, { __call = function(_, ...)
    t.calls = t.calls + 1
    if fn then return fn(...) end
  end })
end

-- Spawns a program inside the loop; on_close(code, stdout, stderr, signal).
-- Every child still running when the test ends is killed by its PID.
function H.spawn(cmd, args, on_close, options)
  local child = cp.spawn(cmd, args, options)
  children[child.pid] = true
  local out, err = {}, {}
  child.stdout:on('data', function(d) out[#out + 1] = d end)
  child.stderr:on('data', function(d) err[#err + 1] = d end)
  child:on('close', function(code, sig)
    children[child.pid] = nil
    if on_close then on_close(code, table.concat(out), table.concat(err), sig) end
  end)
  child.output = function() return table.concat(out) end
  return child
end

-- Runs a command to completion outside the loop: stdout, exit code.
function H.sh(cmd)
  local p = io.popen(cmd .. '; echo "__exit=$?"', 'r')
  local out = p:read('a')
  p:close()
  local body, code = out:match('^(.-)__exit=(%d+)%s*$')
  return body, tonumber(code)
end

-- a port nobody listens on now (the kernel's pick for a socket we close again)
function H.free_port()
  local s = assert(core.tcp_listen('127.0.0.1', 0))
  local _, port = s:sockname()
  s:close()
  return port
end

-- a TLS server with the test certificates; options merged over the defaults
function H.tls_options(extra)
  local o = { key = H.cert('server-key.pem'), cert = H.cert('server-cert.pem') }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- A TLS server on 127.0.0.1 with the test certificate plus options; ready(server, port)
-- once it listens. Connections end at once unless on_secure says otherwise.
function H.serve(options, on_secure, ready)
  local server = require('tls').createServer(H.tls_options(options),
    on_secure or function(s) s:_end() end)
  server:listen(0, '127.0.0.1', function() ready(server, server:address().port) end)
  return server
end

-- One TLS handshake between a server made with server_opts (as given) and a
-- client with client_opts (over port and host 'localhost'). Returns what each
-- side saw: { client = {...}, server = {...}, client_error =, server_error = }.
function H.handshake(server_opts, client_opts)
  local tls = require('tls')
  local r = { client = {}, server = {} }
  H.run(5000, function(done)
    local server = tls.createServer(server_opts, function(sock)
      r.server = { protocol = sock:getProtocol(), cipher = sock:getCipher().name,
        sigalgs = sock:getSharedSigalgs(), ephemeral = sock:getEphemeralKeyInfo() }
      sock:_end()
    end)
    server:on('tlsClientError', function(e) r.server_error = e end)
    server:listen(0, '127.0.0.1', function()
      local co = { port = server:address().port, host = 'localhost' }
      for k, v in pairs(client_opts or {}) do co[k] = v end
      local c
      c = tls.connect(co, function()
        local cert = c:getPeerCertificate()
        r.client = { protocol = c:getProtocol(), cipher = c:getCipher().name,
          ephemeral = c:getEphemeralKeyInfo(), key = cert.asn1Curve or cert.bits,
          authorized = c.authorized, authorizationError = c.authorizationError }
        c:_end()
      end)
      c:on('data', function() end)
      c:on('error', function(e) r.client_error = e end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

return H
