-- from test/parallel/test-tls-client-renegotiation-13.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-renegotiation-13', function()
  it('renegotiate() on TLS 1.3 returns false and calls back with ERR_SSL_WRONG_SSL_VERSION', function()
    local r = { identity_checks = 0 }
    H.run(8000, function(done)
      N.server({}, function(s) s:on('error', function() end) end, function(port, server)
        local c
        c = tls.connect(N.client(port, { checkServerIdentity = function() r.identity_checks = r.identity_checks + 1 end }), function()
          r.protocol = c:getProtocol()
          r.ok = c:renegotiate({}, function(err)
            r.err = err
            c:destroy()
            server:close(done)
          end)
        end)
      end)
    end)
    assert.equal(1, r.identity_checks)
    assert.equal('TLSv1.3', r.protocol)
    assert.is_false(r.ok)
    assert.equal('ERR_SSL_WRONG_SSL_VERSION', r.err.code)
    assert.equal('error:0A00010A:SSL routines::wrong ssl version', r.err.message)
    assert.equal('SSL routines', r.err.library)
    assert.equal('wrong ssl version', r.err.reason)
  end)
end)
