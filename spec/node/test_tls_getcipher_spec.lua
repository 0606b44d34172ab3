-- from test/parallel/test-tls-getcipher.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-getcipher', function()
  it('TLS 1.2 ciphers: name, standardName and version', function()
    local got = {}
    H.run(8000, function(done)
      local server = tls.createServer(N.opts({ honorCipherOrder = true }), function() end)
      N.listen(server, function(port)
        local finish = H.countdown(2, function() server:close(done) end)
        for _, name in ipairs({ 'AES128-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256' }) do
          local c
          c = tls.connect({ host = '127.0.0.1', port = port, ciphers = name, rejectUnauthorized = false,
            maxVersion = 'TLSv1.2' }, function()
            got[name] = c:getCipher()
            c:_end()
          end)
          c:on('close', finish)
        end
      end)
    end)
    assert.same({ name = 'AES128-SHA256', standardName = 'TLS_RSA_WITH_AES_128_CBC_SHA256', version = 'TLSv1.2' },
      got['AES128-SHA256'])
    assert.same({ name = 'ECDHE-RSA-AES128-GCM-SHA256', standardName = 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      version = 'TLSv1.2' }, got['ECDHE-RSA-AES128-GCM-SHA256'])
  end)

  it('a TLS 1.3 suite outside the defaults (TLS_AES_128_CCM_8_SHA256)', function()
    local cipher
    H.run(8000, function(done)
      local server
      server = tls.createServer(N.opts({ ciphers = 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_8_SHA256',
        maxVersion = 'TLSv1.3' }), function() server:close() end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, ciphers = 'TLS_AES_128_CCM_8_SHA256', maxVersion = 'TLSv1.3',
          rejectUnauthorized = false }, function()
          cipher = c:getCipher()
          c:_end()
        end)
        c:on('close', function() server:close(); done() end)
      end)
    end)
    assert.equal('TLS_AES_128_CCM_8_SHA256', cipher.name)
    assert.equal(cipher.name, cipher.standardName)
    assert.equal('TLSv1.3', cipher.version)
  end)
end)
