-- from test/parallel/test-tls-client-reject-12.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-reject-12', function()
  it('over TLS 1.2: unauthorized allowed, rejected by default, authorized with the CA', function()
    local r = {}
    H.run(8000, function(done)
      local server = tls.createServer(N.opts({ maxVersion = 'TLSv1.2', key = H.cert('selfsigned-key.pem'),
        cert = H.cert('selfsigned-cert.pem') }), function(s)
        s:pipe(s)
        s:on('end', function() s:_end() end)
      end)
      N.listen(server, function(port)
        N.series({
          function(nxt)
            local c
            c = tls.connect({ port = port, servername = 'localhost', rejectUnauthorized = false }, function()
              r.unauth = { c.authorized, c:getProtocol() }
            end)
            c:on('data', function(d) r.unauth_data = d end)
            c:on('end', nxt)
            c:_end('ok')
          end,
          function(nxt)
            local c = tls.connect(port, { servername = 'localhost' }, function() r.rejected_connected = true end)
            c:on('data', function() r.rejected_data = true end)
            c:on('error', function(e) r.rejected_error = e; nxt() end)
            c:_end('ng')
          end,
          function(nxt)
            local c
            c = tls.connect(port, { ca = { H.cert('selfsigned-cert.pem') }, servername = 'localhost' }, function()
              r.auth = c.authorized
            end)
            c:on('data', function(d) r.auth_data = d end)
            c:on('end', nxt)
            c:_end('ok')
          end,
        }, function() server:close(done) end)
      end)
    end)
    assert.same({ false, 'TLSv1.2' }, r.unauth)
    assert.equal('ok', r.unauth_data)
    assert.is_nil(r.rejected_connected)
    assert.is_nil(r.rejected_data)
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.rejected_error.code)
    assert.is_true(r.auth)
    assert.equal('ok', r.auth_data)
  end)
end)
