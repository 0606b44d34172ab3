-- from test/parallel/test-tls-psk-errors.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-psk-errors', function()
  it('an identity hint OpenSSL refuses (512 bytes) is a tlsClientError; the client sees ECONNRESET', function()
    local server_err, client_err
    H.run(5000, function(done)
      local server = tls.createServer({ ciphers = 'PSK+HIGH', pskCallback = function() end, pskIdentityHint = ('a'):rep(512) })
      server:on('tlsClientError', function(err) server_err = err end)
      N.listen(server, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', ciphers = 'PSK+HIGH', checkServerIdentity = function() end,
          pskCallback = function() end }, function() end)
        c:on('error', function(e) client_err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ERR_TLS_PSK_SET_IDENTIY_HINT_FAILED', server_err.code)
    assert.equal('ECONNRESET', client_err.code)
  end)
end)
