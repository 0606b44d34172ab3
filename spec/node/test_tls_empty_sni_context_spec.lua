-- from test/parallel/test-tls-empty-sni-context.js
local tls = require('tls')
local N = require('node.common')

local function scenario()
    local server_err, client_err, secured = nil, nil, false
    H.run(5000, function(done)
      local server = tls.createServer({ SNICallback = function(_, cb) cb(nil, tls.createSecureContext()) end },
        function() secured = true end)
      server:on('tlsClientError', function(err) server_err = err end)
      N.listen(server, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, servername = 'any.name' },
          function() secured = true end)
        c:on('error', function(e) client_err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_false(secured)
    return server_err, client_err
end

describe('test-tls-empty-sni-context', function()
  it('an SNICallback that answers with a context without certificate fails that handshake: "passed a null parameter"', function()
    local server_err, client_err = scenario()
    assert.matches('passed a null parameter', server_err.message:lower(), 1, true)
    assert.is_not_nil(client_err)
  end)

  it('the client sees the connection closed before the handshake completed', function()
    local _, client_err = scenario()
    assert.matches('Client network socket disconnected', client_err.message, 1, true)
  end)
end)
