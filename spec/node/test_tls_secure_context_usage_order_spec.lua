-- from test/parallel/test-tls-secure-context-usage-order.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-secure-context-usage-order', function()
  it('of two contexts for the same name, the one added last serves', function()
    local seen = {}
    H.run(8000, function(done)
      local server
      server = N.server({ requestCert = true, rejectUnauthorized = false }, function(c)
        seen[#seen + 1] = { c.servername, c.authorized }
      end, function(port)
        local bad = { key = N.KEY, cert = N.CERT, ca = { H.cert('selfsigned-cert.pem') } }
        local good = { key = N.KEY, cert = N.CERT, ca = { N.CA } }
        server:addContext('*.example.com', bad)
        local opts = { port = port, host = '127.0.0.1', key = N.CLIENT_KEY, cert = N.CLIENT_CERT, ca = { N.CA },
          servername = 'a.example.com', rejectUnauthorized = false }
        local function connect(cb)
          local c
          c = tls.connect(opts, function() c:_end() end)
          c:on('data', function() end)
          c:on('close', cb)
        end
        connect(function()
          server:addContext('*.example.com', good)
          opts.servername = 'b.example.com'
          connect(function() connect(function() server:close(done) end) end)
        end)
      end)
    end)
    assert.same({ { 'a.example.com', false }, { 'b.example.com', true }, { 'b.example.com', true } }, seen)
  end)
end)
