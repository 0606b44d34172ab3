-- from test/parallel/test-tls-secure-session.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-secure-session', function()
  it('TLS 1.2: \'session\' comes once, after secureConnect', function()
    local order = {}
    H.run(5000, function(done)
      local server
      server = N.server({ secureProtocol = 'TLSv1_2_method' }, function(s) s:_end() end, function(port)
        local client
        client = tls.connect({ rejectUnauthorized = false, port = port, host = '127.0.0.1' }, function()
          order[#order + 1] = 'secureConnect'
        end)
        client:on('session', function(s)
          order[#order + 1] = type(s) == 'string' and #s > 0 and 'session' or 'bad session'
          client:_end()
          server:close()
        end)
        client:on('close', function() done() end)
      end)
    end)
    assert.same({ 'secureConnect', 'session' }, order)
  end)
end)
