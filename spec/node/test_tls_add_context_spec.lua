-- from test/parallel/test-tls-add-context.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-add-context', function()
  it('addContext with options or a SecureContext: each context verifies clients with its own CA', function()
    local seen = {}
    H.run(8000, function(done)
      -- the default context trusts nobody's client certificates; the added ones trust our CA
      local server = tls.createServer(N.opts({ ca = H.cert('selfsigned-cert.pem'), requestCert = true, rejectUnauthorized = false }),
        function(c)
          seen[c.servername] = c.authorized
          c:_end()
        end)
      local added = { key = H.cert('wronghost-key.pem'), cert = H.cert('wronghost-cert.pem'), ca = N.CA }
      server:addContext('context1', added)
      server:addContext('context2', tls.createSecureContext(added))
      N.listen(server, function(port)
        local finish = H.countdown(3, function() server:close(done) end)
        for _, name in ipairs({ 'context1', 'context2', 'unknowncontext' }) do
          local c
          c = tls.connect({ port = port, host = '127.0.0.1', servername = name, rejectUnauthorized = false,
            key = N.CLIENT_KEY, cert = N.CLIENT_CERT }, function() c:_end() end)
          c:on('data', function() end)
          c:on('close', finish)
        end
      end)
    end)
    assert.is_true(seen.context1)
    assert.is_true(seen.context2)
    assert.is_false(seen.unknowncontext)
  end)
end)
