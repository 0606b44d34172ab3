-- from test/parallel/test-tls-peer-certificate-multi-keys.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-peer-certificate-multi-keys', function()
  it('a subject with two OU values gives a list, on getCertificate() and getPeerCertificate()', function()
    local cert = H.sh("openssl req -x509 -new -key certs/server-key.pem -days 2 "
      .. "-subj '/C=US/OU=Test TLS Certificate/OU=Engineering/CN=localhost' 2>/dev/null")
    local local_ou, peer_ou
    H.run(5000, function(done)
      local server
      server = N.server({ cert = cert }, function(c) c:resume(); c:_end('World') end, function(port)
        local socket
        socket = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          peer_ou = socket:getPeerCertificate().subject.OU
          server:close(done)
        end)
        socket:resume()
        socket:_end('Hello')
      end)
      server:once('secureConnection', function(s) local_ou = s:getCertificate().subject.OU end)
    end)
    assert.same({ 'Test TLS Certificate', 'Engineering' }, local_ou)
    assert.same({ 'Test TLS Certificate', 'Engineering' }, peer_ou)
  end)
end)
