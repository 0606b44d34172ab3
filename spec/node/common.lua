-- Shared by the ports of Node's test/parallel/test-tls-*.js (spec/node/*_spec.lua).
-- Node's fixtures (agent1, agent2, ca1...) map onto our certs/: the server
-- certificate (CN localhost, signed by our CA), the client certificate, the CA.
local tls = require('tls')

local N = {}

N.CA = H.cert('ca-cert.pem')
N.KEY = H.cert('server-key.pem')
N.CERT = H.cert('server-cert.pem')
N.CLIENT_KEY = H.cert('client-key.pem')
N.CLIENT_CERT = H.cert('client-cert.pem')

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

return N
