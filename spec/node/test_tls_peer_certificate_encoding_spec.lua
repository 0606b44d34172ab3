-- from test/parallel/test-tls-peer-certificate-encoding.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-peer-certificate-encoding', function()
  it('a UTF-8 subject reads back as UTF-8', function()
    local cert = H.sh("openssl req -x509 -new -utf8 -key certs/server-key.pem -days 2 "
      .. "-subj '/CN=Ádám Lippai' 2>/dev/null")
    local cn
    H.run(5000, function(done)
      local server
      server = N.server({ cert = cert }, function(c) c:resume(); c:_end('World') end, function(port)
        local socket
        socket = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          cn = socket:getPeerCertificate().subject.CN
          server:close(done)
        end)
        socket:resume()
        socket:_end('Hello')
      end)
    end)
    assert.equal('Ádám Lippai', cn)
  end)
end)
