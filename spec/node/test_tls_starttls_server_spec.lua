-- from test/parallel/test-tls-starttls-server.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-starttls-server', function()
  it('a server TLSSocket with its own SNICallback, lent a net.Server, answers a client asking for OCSP', function()
    local names, secure = {}, false
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s)
        local t = tls.TLSSocket(s, { isServer = true, server = server, secureContext = tls.createSecureContext(N.opts()),
          SNICallback = function(hostname, cb) names[#names + 1] = hostname; cb(nil, nil) end })
        t:on('secure', function() secure = true; t:_end(); server:close(done) end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ servername = 'test.test', port = port, host = '127.0.0.1', rejectUnauthorized = false,
          requestOCSP = true }, function() c:_end() end)
      end)
    end)
    assert.same({ 'test.test' }, names)
    assert.is_true(secure)
  end)
end)
