-- from test/parallel/test-tls-server-failed-handshake-emits-clienterror.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-server-failed-handshake-emits-clienterror', function()
  it('1 KiB of junk: tlsClientError with OpenSSL\'s "wrong version number"', function()
    local e
    H.run(5000, function(done)
      local server = tls.createServer({})
      server:on('tlsClientError', function(err) e = err; server:close(done) end)
      N.listen(server, function(port)
        local c
        c = net.connect({ port = port, host = '127.0.0.1' }, function() c:write(string.rep('*', 1024)) end)
        c:on('error', function() end)
      end)
    end)
    assert.is_table(e)
    assert.matches('SSL routines:[^:]*:wrong version number', e.message)
  end)
end)
