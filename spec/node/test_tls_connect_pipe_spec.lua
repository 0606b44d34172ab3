-- from test/parallel/test-tls-connect-pipe.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-pipe', function()
  it('a TLS server listening on a Unix socket path, and tls.connect(path, options, cb) to it', function()
    local path = os.tmpname()
    os.remove(path)
    local r = { server_secure = 0, client_secure = 0 }
    H.run(5000, function(done)
      local server
      server = tls.Server(N.opts(), function()
        r.server_secure = r.server_secure + 1
        server:close(done)
      end)
      server:listen(path, function()
        local client
        client = tls.connect(path, { rejectUnauthorized = false }, function()
          r.client_secure = r.client_secure + 1
          client:_end()
        end)
      end)
    end)
    assert.same({ server_secure = 1, client_secure = 1 }, r)
  end)
end)
