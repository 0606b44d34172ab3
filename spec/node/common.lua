-- Shared by the ports of Node's test/parallel/test-tls-*.js (spec/node/*_spec.lua).
-- Node's fixtures (agent1, agent2, ca1...) map onto our certs/: the server
-- certificate (CN localhost, signed by our CA), the client certificate, the CA.
local tls = require('tls')

local N = {}

-- gaps shared by several ports

N.CA = H.cert('ca-cert.pem')
N.KEY = H.cert('server-key.pem')
N.CERT = H.cert('server-cert.pem')
N.CLIENT_KEY = H.cert('client-key.pem')
N.CLIENT_CERT = H.cert('client-cert.pem')

-- runs build/luatls with command-line flags and a script given with -e: its stdout and
-- stderr together, and its exit code
function N.luatls(flags, code)
  local args = {}
  for i, f in ipairs(flags) do args[i] = "'" .. f .. "'" end
  local path = H.script(code)
  local out, status = H.sh(H.LUATLS .. ' ' .. table.concat(args, ' ') .. ' ' .. path .. ' 2>&1')
  os.remove(path)
  return out, status
end

-- a shallow copy of every table given, later ones winning
function N.merge(...)
  local out = {}
  for i = 1, select('#', ...) do
    for k, v in pairs(select(i, ...) or {}) do out[k] = v end
  end
  return out
end

-- server options: our key and certificate plus extra
function N.opts(extra) return N.merge({ key = N.KEY, cert = N.CERT }, extra) end

-- a TLS server with our certificate on 127.0.0.1:0; ready(port, server)
function N.server(extra, on_secure, ready)
  local server = tls.createServer(N.opts(extra), on_secure)
  server:listen(0, '127.0.0.1', function() ready(server:address().port, server) end)
  return server
end

-- listen an already made server (net or tls) on 127.0.0.1:0; ready(port)
function N.listen(server, ready)
  server:listen(0, '127.0.0.1', function() ready(server:address().port) end)
  return server
end

-- client options for our server: trust our CA, name 'localhost', plus extra
function N.client(port, extra)
  return N.merge({ port = port, host = '127.0.0.1', servername = 'localhost', ca = N.CA }, extra)
end

-- a list of functions run one after the other: each gets next()
function N.series(steps, last)
  local i = 0
  local function nxt()
    i = i + 1
    if steps[i] then steps[i](nxt) elseif last then last() end
  end
  nxt()
end

-- One server (server options as given) and one client to it, run to the end, as Node's
-- test/fixtures/tls-connect.js does. Returns pair = { server = {...}, client = {...} }:
-- err (raised when made, or emitted: the client's 'error', the server's
-- 'tlsClientError'), and at the handshake protocol, authorized, authorizationError,
-- cipher, alpn, servername, reused, cert (the peer's), and conn (the socket).
-- on_secure(pair), when given, runs once both ends are secure, before they close.
function N.pair(client_opts, server_opts, on_secure, timeout)
  local pair = { server = {}, client = {} }
  local function facts(side, s)
    side.conn = s
    side.protocol, side.authorized, side.authorizationError = s:getProtocol(), s.authorized, s.authorizationError
    side.cipher, side.alpn, side.reused = s:getCipher(), s.alpnProtocol, s:isSessionReused()
    side.cert = s:getPeerCertificate()
    if s.servername ~= nil then side.servername = s.servername end
  end
  H.run(timeout or 8000, function(done)
    local ok, server = pcall(tls.createServer, server_opts)
    if not ok then pair.server.err = server; return done() end
    local secured = 0
    local function both()
      secured = secured + 1
      if secured == 2 then
        if on_secure then on_secure(pair) end
        pair.client.conn:_end()
      end
    end
    server:on('secureConnection', function(s)
      facts(pair.server, s)
      s:on('error', function(e) pair.server.err = pair.server.err or e end)
      s:on('data', function() end)
      s:on('end', function() s:_end() end)
      both()
    end)
    server:on('tlsClientError', function(e) pair.server.err = pair.server.err or e end)
    local open = 1            -- the client, plus each accepted socket until it closes
    local function closed()
      open = open - 1
      if open == 0 then server:close(done) end
    end
    server:on('connection', function(s) open = open + 1; s:on('close', closed) end)
    server:listen(0, '127.0.0.1', function()
      local co = N.merge({ port = server:address().port, host = '127.0.0.1' }, client_opts)
      local c
      ok, c = pcall(tls.connect, co, function() facts(pair.client, c); both() end)
      if not ok then pair.client.err = c; return closed() end
      c:on('error', function(e) pair.client.err = pair.client.err or e end)
      c:on('data', function() end)
      c:on('close', closed)
    end)
  end)
  return pair
end

return N
