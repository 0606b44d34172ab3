-- from test/parallel/test-tls-client-abort2.js
local tls = require('tls')

describe('test-tls-client-abort2', function()
  it('connecting to port 0 fails with an \'error\'; destroy() then closes', function()
    local errors, secured = 0, false
    H.run(5000, function(done)
      local conn = tls.connect(0, function() secured = true end)
      conn:on('error', function() errors = errors + 1; conn:destroy() end)
      conn:on('close', function() done() end)
    end)
    assert.equal(1, errors)
    assert.is_false(secured)
  end)
end)
