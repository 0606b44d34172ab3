-- from test/parallel/test-tls-server-connection-server.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-server-connection-server', function()
  it('a server socket\'s server field is the tls.Server', function()
    local same
    H.run(5000, function(done)
      local server
      server = N.server({}, function(s) same = s.server == server; s:_end() end, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_true(same)
  end)
end)
