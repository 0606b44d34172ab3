-- from test/parallel/test-tls-connect-hints-option.js
local tls = require('tls')

describe('test-tls-connect-hints-option', function()
  it('tls.connect passes hints on to its lookup function', function()
    local seen
    H.run(5000, function(done)
      local s = tls.connect({ port = 42, hints = 512, lookup = function(host, options) seen = { host, options }; done() end })
      s:on('error', function() end)
      s:destroy()
    end)
    assert.equal('localhost', seen[1])
    assert.same({ hints = 512, all = true }, seen[2])
  end)
end)
