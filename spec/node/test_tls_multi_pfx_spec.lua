-- from test/parallel/test-tls-multi-pfx.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-multi-pfx', function()
  it('two PKCS#12 bundles, RSA with a passphrase and EC without: each client gets the one its ciphers need', function()
    local ec_pfx = H.sh('openssl pkcs12 -export -inkey certs/ecdsa-server-key.pem -in certs/ecdsa-server-cert.pem '
      .. '-passout pass: 2>/dev/null')
    local ciphers = {}
    H.run(5000, function(done)
      local server
      server = tls.createServer({ pfx = { { buf = H.cert('server.pfx'), passphrase = 'secret' }, ec_pfx } },
        function(conn) conn:_end('ok') end)
      N.listen(server, function(port)
        local ecdsa
        ecdsa = tls.connect(port, '127.0.0.1', { ciphers = 'ECDHE-ECDSA-AES256-GCM-SHA384', maxVersion = 'TLSv1.2',
          rejectUnauthorized = false }, function()
          ciphers[#ciphers + 1] = ecdsa:getCipher()
          local rsa
          rsa = tls.connect(port, '127.0.0.1', { ciphers = 'ECDHE-RSA-AES256-GCM-SHA384', maxVersion = 'TLSv1.2',
            rejectUnauthorized = false }, function()
            ciphers[#ciphers + 1] = rsa:getCipher()
            ecdsa:_end()
            rsa:_end()
            server:close(done)
          end)
          rsa:on('data', function() end)
        end)
        ecdsa:on('data', function() end)
      end)
    end)
    assert.same({
      { name = 'ECDHE-ECDSA-AES256-GCM-SHA384', standardName = 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', version = 'TLSv1.2' },
      { name = 'ECDHE-RSA-AES256-GCM-SHA384', standardName = 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', version = 'TLSv1.2' },
    }, ciphers)
  end)
end)
