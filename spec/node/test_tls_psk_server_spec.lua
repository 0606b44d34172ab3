-- from test/parallel/test-tls-psk-server.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-psk-server', function()
  it('openssl s_client with a PSK talks to a PSK-only server', function()
    local key = 'd731ef57be09e5204f0b205b60627028'
    local out, identity, got
    H.run(8000, function(done)
      local server
      server = tls.createServer({ ciphers = 'PSK+HIGH', maxVersion = 'TLSv1.2', pskIdentityHint = 'TestServer',
        pskCallback = function(_, id)
          identity = id
          return (key:gsub('%x%x', function(h) return string.char(tonumber(h, 16)) end))
        end }, function(s)
        s:on('data', function(d) got = (got or '') .. d; s:_end('Hello from luatls\n') end)
      end)
      N.listen(server, function(port)
        local child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port, '-psk', key,
          '-psk_identity', 'TestUser', '-tls1_2', '-cipher', 'PSK+HIGH', '-ign_eof' },
          function(_, stdout) out = stdout; server:close(done) end)
        child.stdin:_end('ping\n')
      end)
    end)
    assert.equal('TestUser', identity)
    assert.equal('ping\n', got)
    assert.matches('Hello from luatls', out, 1, true)
  end)
end)
