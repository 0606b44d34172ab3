-- from test/parallel/test-tls-connect-no-host.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-no-host', function()
  it('without host the client goes to localhost and checks the certificate against that name', function()
    local authorized, err
    H.run(5000, function(done)
      local server = tls.createServer(N.opts(), function(s) s:_end() end)
      server:listen(0, function()
        local c
        c = tls.connect({ port = server:address().port, ca = N.CA }, function()
          authorized = c.authorized
          c:destroy()
          server:close(done)
        end)
        c:on('error', function(e) err = e; server:close(done) end)
      end)
    end)
    assert.is_nil(err)
    assert.is_true(authorized)
  end)
end)
