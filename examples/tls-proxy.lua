-- A TLS terminator in front of a plain TCP service: clients speak TLS to the
-- proxy, the proxy speaks plain TCP to the backend, with backpressure both ways.
-- When the backend cannot be reached (or fails), the proxy logs why on stderr
-- and ends that client's connection cleanly, with a close_notify.
--
-- Without BACKEND, it starts a plain TCP echo server of its own as the backend:
--   PORT=8443 build/luatls examples/tls-proxy.lua
-- In front of a service of yours, for example a plain TCP echo server on port 7000:
--   build/luatls -e "net.createServer(function(s) s:on('error', print); s:pipe(s) end):listen(7000, '127.0.0.1')"
--   PORT=8443 BACKEND=127.0.0.1:7000 build/luatls examples/tls-proxy.lua      (a second terminal)
--   openssl s_client -quiet -connect 127.0.0.1:8443 -CAfile certs/ca-cert.pem  (a third: type lines)
local net = require('net')
local tls = require('tls')
local fs = require('fs')

local function start_proxy(backend_host, backend_port)
  local proxy = tls.createServer({
    key = fs.readFileSync('certs/server-key.pem'),
    cert = fs.readFileSync('certs/server-cert.pem'),
    -- each direction ends on its own: a client that has sent everything still gets the answer
    allowHalfOpen = true,
  }, function(client)
    local backend = net.connect({ port = backend_port, host = backend_host, allowHalfOpen = true })
    client:pipe(backend)    -- each pipe pauses its source while the other side is full
    backend:pipe(client)
    backend:on('error', function(err)
      -- refused, reset, unreachable: say so, then end the client's side with a close_notify
      -- (what the client still sends is read and dropped, so that its end is seen)
      console.error(('backend %s:%d: %s'):format(backend_host, backend_port, err.message))
      client:unpipe(backend)
      client:resume()
      client:_end()
    end)
    client:on('error', function(err) console.error('client error:', err.message); backend:destroy() end)
  end)
  proxy:listen(tonumber(process.env.PORT) or 0, '127.0.0.1', function()
    console.log('proxy on', proxy:address().port, '->', backend_host .. ':' .. backend_port)
  end)
  return proxy
end

local backend = process.env.BACKEND
if backend then
  local host, port = backend:match('^(.*):(%d+)$')
  return start_proxy(host, tonumber(port))
end

local echo = net.createServer(function(socket)
  socket:on('error', function(err) console.error('echo error:', err) end)
  socket:pipe(socket)
end)
echo:listen(0, '127.0.0.1', function() start_proxy('127.0.0.1', echo:address().port) end)
return echo
