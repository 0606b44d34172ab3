-- from test/parallel/test-tls-socket-failed-handshake-emits-error.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-socket-failed-handshake-emits-error', function()
  it('a server TLSSocket fed 1 KiB of junk emits \'error\' "wrong version number"', function()
    local e, secured = nil, false
    H.run(5000, function(done)
      local server
      server = net.createServer(function(c)
        local s = tls.TLSSocket(c, { isServer = true, secureContext = tls.createSecureContext(N.opts()) })
        s:on('secure', function() secured = true end)
        s:on('error', function(err) e = err; server:close(done) end)
      end)
      N.listen(server, function(port)
        local c
        c = net.connect(port, '127.0.0.1', function() c:write(string.rep('*', 1024)) end)
        c:on('error', function() end)
      end)
    end)
    assert.is_false(secured)
    assert.matches('SSL routines:[^:]*:wrong version number', e.message)
  end)
end)
