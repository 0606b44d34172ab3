-- from test/parallel/test-tls-alert-handling.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-alert-handling', function()
  it('a bad record on a live connection: the server socket gets "wrong version number", the client the alert', function()
    local r = {}
    H.run(5000, function(done)
      local server
      server = N.server({}, function(s)
        s:pipe(s)
        s:on('error', function(err) r.server_error = err; server:close(done) end)
      end, function(port)
        local socket = net.connect(port, '127.0.0.1')
        local client
        client = tls.connect({ socket = socket, rejectUnauthorized = false }, function()
          client:write('x')
          client:on('data', function() socket:_end('\255\255\255\255\255\255') end)
        end)
        client:on('error', function(err) r.client_error = err end)
      end)
    end)
    assert.equal('ERR_SSL_WRONG_VERSION_NUMBER', r.server_error.code)
    assert.equal('SSL routines', r.server_error.library)
    assert.equal('wrong version number', r.server_error.reason)
    assert.equal('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', r.client_error.code)
  end)
end)
