-- from test/parallel/test-tls-legacy-deprecated.js
local N = require('node.common')

describe('test-tls-legacy-deprecated', function()
  it('tls.createSecurePair() warns that it is deprecated (DEP0064)', function()
    local out = N.luatls({}, 'require("tls").createSecurePair()')
    assert.matches('tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.', out, 1, true)
    assert.matches('DEP0064', out, 1, true)
  end)
end)
