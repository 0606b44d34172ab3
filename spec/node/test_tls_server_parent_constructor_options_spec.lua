-- from test/parallel/test-tls-server-parent-constructor-options.js
local tls = require('tls')
local N = require('node.common')

local function run(extra)
  local r = {}
  H.run(5000, function(done)
    local server
    server = tls.createServer(N.opts(extra), function(socket)
      r.socket = { socket.allowHalfOpen, socket:isPaused() }
      socket:on('end', function() socket:_end() end)
      socket:resume()
    end)
    r.server = { server.allowHalfOpen, server.pauseOnConnect }
    N.listen(server, function(port)
      local c
      c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function() c:_end() end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

describe('test-tls-server-parent-constructor-options', function()
  it('allowHalfOpen and pauseOnConnect reach the server and its sockets', function()
    assert.same({ server = { false, false }, socket = { false, false } }, run())
    assert.same({ server = { true, true }, socket = { true, true } }, run({ allowHalfOpen = true, pauseOnConnect = true }))
  end)
end)
