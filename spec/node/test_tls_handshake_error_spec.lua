-- from test/parallel/test-tls-handshake-error.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-handshake-error', function()
  it('tls.connect with a cipher list that matches nothing raises at once', function()
    local ok, err
    H.run(5000, function(done)
      N.server({ rejectUnauthorized = true }, function() end, function(port, server)
        ok, err = pcall(tls.connect, { port = port, host = '127.0.0.1', ciphers = 'no-such-cipher' }, function() end)
        server:close(done)
      end)
    end)
    assert.is_false(ok)
    assert.matches('no cipher match', err.message:lower(), 1, true)
  end)
end)
