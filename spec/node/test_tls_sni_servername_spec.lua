-- from test/parallel/test-tls-sni-servername.js
local tls = require('tls')
local N = require('node.common')

local function attempt(servername)
  local r = {}
  H.run(5000, function(done)
    local server = tls.createServer({ requestCert = true, rejectUnauthorized = false,
      SNICallback = function(name, cb)
        if name == 'c.another.com' then cb(nil, {})
        else cb(require('luatls.errors').new(nil, 'Invalid SNI context'), nil) end
      end }, function() r.secured = true end)
    server:on('tlsClientError', function(err, socket) r.server_error, r.servername = err.message, socket.servername end)
    N.listen(server, function(port)
      local c = tls.connect({ port = port, host = '127.0.0.1', servername = servername, rejectUnauthorized = false },
        function() r.secured = true end)
      c:on('error', function(e) r.client_error = e.message end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

describe('test-tls-sni-servername', function()
  it('an SNICallback error fails the handshake; tlsClientError\'s socket still knows the servername', function()
    local r = attempt('c.wrong.com')
    assert.is_nil(r.secured)
    assert.equal('Invalid SNI context', r.server_error)
    assert.equal('c.wrong.com', r.servername)
    assert.is_not_nil(r.client_error)
  end)

  it('the client is told the connection went before the handshake completed', function()
    assert.equal('Client network socket disconnected before secure TLS connection was established',
      attempt('c.wrong.com').client_error)
  end)

  it('an empty context from the SNICallback is an "Invalid SNI context"', function()
    local r = attempt('c.another.com')
    assert.is_nil(r.secured)
    assert.equal('Invalid SNI context', r.server_error)
    assert.equal('c.another.com', r.servername)
  end)
end)
