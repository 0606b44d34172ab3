-- from test/parallel/test-tls-ecdh.js
local N = require('node.common')

describe('test-tls-ecdh', function()
  it("ecdhCurve 'prime256v1': openssl s_client limited to ECDHE-RSA-AES128-SHA256 gets the reply", function()
    local out
    local ciphers = '-ALL:ECDHE-RSA-AES128-SHA256'
    H.run(8000, function(done)
      N.server({ ciphers = ciphers, ecdhCurve = 'prime256v1', maxVersion = 'TLSv1.2' }, function(conn)
        conn:_end('I AM THE WALRUS')
      end, function(port, server)
        H.spawn('openssl', { 's_client', '-ign_eof', '-cipher', ciphers, '-connect', '127.0.0.1:' .. port },
          function(_, stdout) out = stdout; server:close(done) end).stdin:_end()
      end)
    end)
    assert.matches('I AM THE WALRUS', out, 1, true)
  end)
end)
