-- from test/parallel/test-tls-connect-pipe.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-pipe', function()
  it('a TLS server listening on a Unix socket path, and a client connecting to it by path', function()
    pending(N.GAP_UNIX_SOCKETS)
    local path = os.tmpname()
    os.remove(path)
    local r = {}
    H.run(5000, function(done)
      local server = tls.createServer(N.opts(), function(s) s:_end('ok') end)
      server:listen(path, function()
        local c
        c = tls.connect({ path = path, host = '127.0.0.1', port = 1, rejectUnauthorized = false }, function() r.secure = true end)
        c:on('data', function(d) r.data = d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ secure = true, data = 'ok' }, r)
  end)
end)
