-- Makes N TLS connections (default 200) to an in-process echo server, ten at
-- a time, each echoing one message; used by `make valgrind`.
local tls = require('tls')
local fs = require('fs')

local N = tonumber(arg[1]) or 200
local ca = fs.readFileSync('certs/ca-cert.pem')
local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, function(sock) sock:pipe(sock) end)

local started, finished = 0, 0
local function one(port)
  started = started + 1
  local c
  c = tls.connect(port, 'localhost', { ca = ca }, function() c:write('hello') end)
  c:on('data', function(d)
    assert(d == 'hello', 'bad echo')
    c:_end()
  end)
  c:on('close', function(had_error)
    assert(not had_error, 'connection failed')
    finished = finished + 1
    if started < N then one(port)
    elseif finished == N then
      server:close()
      print(('%d connections'):format(finished))
    end
  end)
end

server:listen(0, '127.0.0.1', function()
  for _ = 1, math.min(10, N) do one(server:address().port) end
end)
