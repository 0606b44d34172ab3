-- from test/parallel/test-tls-alert.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-alert', function()
  it('a TLS 1.2-only server answers a TLS 1.1 hello with a protocol_version alert (70)', function()
    local code, stderr
    H.run(8000, function(done)
      local server = tls.Server(N.opts({ secureProtocol = 'TLSv1_2_server_method' }), nil)
      N.listen(server, function(port)
        H.spawn('openssl', { 's_client', '-quiet', '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0', '-connect', '127.0.0.1:' .. port },
          function(c, _, err) code, stderr = c, err; server:close(done) end).stdin:_end()
      end)
    end)
    assert.equal(1, code)
    assert.matches('SSL alert number 70', stderr, 1, true)
  end)
end)
