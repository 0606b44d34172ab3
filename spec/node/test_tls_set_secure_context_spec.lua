-- from test/parallel/test-tls-set-secure-context.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-set-secure-context', function()
  it('setSecureContext: later handshakes get the new certificate, the earlier connection keeps the old one', function()
    local names = {}
    H.run(8000, function(done)
      local server
      server = N.server({}, function(s) s:on('data', function() end) end, function(port)
        local function connect(cb)
          local c
          c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
            names[#names + 1] = c:getPeerCertificate().subject.CN
            cb(c)
          end)
        end
        connect(function(first)
          server:setSecureContext({ key = H.cert('wronghost-key.pem'), cert = H.cert('wronghost-cert.pem') })
          names.first_still = first:getPeerCertificate().subject.CN
          connect(function(second)
            first:destroy()
            second:destroy()
            server:close(done)
          end)
        end)
      end)
    end)
    assert.same({ 'localhost', 'wrong.example', first_still = 'localhost' }, names)
  end)
end)
