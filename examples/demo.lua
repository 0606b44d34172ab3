-- `make demo`: the echo server and the echo client in one process, on a
-- free port, ending when the client is done.
process.env.PORT = '0'
local server = dofile('examples/echo-server.lua')

server:on('listening', function()
  process.env.PORT = tostring(server:address().port)
  local client = dofile('examples/echo-client.lua')
  client:on('close', function() server:close() end)
end)
