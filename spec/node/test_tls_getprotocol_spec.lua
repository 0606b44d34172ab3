-- from test/parallel/test-tls-getprotocol.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-getprotocol', function()
  it('getProtocol() names the version secureProtocol chose, and is nil once closed', function()
    local configs = {
      { secureProtocol = 'TLSv1_method', version = 'TLSv1', ciphers = 'DEFAULT:@SECLEVEL=0' },
      { secureProtocol = 'TLSv1_1_method', version = 'TLSv1.1', ciphers = 'DEFAULT:@SECLEVEL=0' },
      { secureProtocol = 'TLSv1_2_method', version = 'TLSv1.2' },
    }
    local got, after_close, ends, secured = {}, {}, 0, 0
    H.run(8000, function(done)
      local server = tls.createServer(N.opts({ secureProtocol = 'TLS_method', ciphers = 'RSA@SECLEVEL=0' }),
        function() secured = secured + 1 end)
      N.listen(server, function(port)
        local finish = H.countdown(#configs, function() server:close(done) end)
        for i, v in ipairs(configs) do
          local c
          c = tls.connect({ host = '127.0.0.1', port = port, ciphers = v.ciphers, rejectUnauthorized = false,
            secureProtocol = v.secureProtocol }, function()
            got[i] = c:getProtocol()
            c:on('end', function() ends = ends + 1 end)
            c:on('close', function() after_close[i] = c:getProtocol() or 'nil'; finish() end)
            c:_end()
          end)
        end
      end)
    end)
    assert.equal(3, secured)
    assert.equal(3, ends)
    for i, v in ipairs(configs) do
      assert.equal(v.version, got[i])
      assert.equal('nil', after_close[i])
    end
  end)
end)
