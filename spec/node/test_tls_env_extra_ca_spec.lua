-- from test/parallel/test-tls-env-extra-ca.js
local N = require('node.common')

describe('test-tls-env-extra-ca', function()
  it('a child with LUATLS_EXTRA_CA_CERTS (Node\'s NODE_EXTRA_CA_CERTS) trusts that CA', function()
    local out, code
    H.run(8000, function(done)
      N.server({}, function(s) s:on("error", function() end); s:resume(); s:_end("bye") end, function(port, server)
        local script = H.script(([[
          local tls = require('tls')
          local c
          local checks = 0
          c = tls.connect({ port = %d, host = '127.0.0.1', servername = 'localhost',
            checkServerIdentity = function() checks = checks + 1 end }, function()
            print('authorized', c.authorized, checks)
            c:_end('hi')
          end)
          c:on('data', function() end)
          c:on('error', function(e) print('error', e.code) end)
        ]]):format(port))
        H.spawn(H.LUATLS, { script }, function(c, stdout) code, out = c, stdout; os.remove(script); server:close(done) end,
          { env = { LUATLS_EXTRA_CA_CERTS = 'certs/ca-cert.pem', PATH = os.getenv('PATH') } })
      end)
    end)
    assert.equal(0, code)
    assert.equal('authorized\ttrue\t1\n', out)
  end)
end)
