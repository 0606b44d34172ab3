-- from test/parallel/test-tls-tlswrap-segfault.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-tlswrap-segfault', function()
  it('asking a destroyed socket about its TLS state is harmless', function()
    local r = {}
    H.run(5000, function(done)
      N.server({}, function(s) s:on('error', function() end) end, function(port, server)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          c:destroy()
          r.session = c:getSession()
          r.cert = c:getPeerCertificate()
          r.ok = pcall(function() c:getCipher(); c:getProtocol(); c:isSessionReused() end)
          server:close(done)
        end)
      end)
    end)
    assert.is_nil(r.session)
    assert.is_nil(r.cert)
    assert.is_true(r.ok)
  end)
end)
