-- from test/parallel/test-tls-handshake-nohang.js
local N = require('node.common')

describe('test-tls-handshake-nohang', function()
  it('secure pairs made and left alone do not keep the process alive', function()
    local out, code = N.luatls({}, [[
      local tls = require('tls')
      tls.createSecurePair(nil, false, false, false)
      tls.createSecurePair(nil, true, false, false)
      print('made')
    ]])
    assert.equal(0, code)
    -- and the deprecation warning, once, as Node prints it on stderr
    local warning = '(luatls) [DEP0064] DeprecationWarning: tls.createSecurePair() is deprecated. '
      .. 'Please use tls.TLSSocket instead.\n'
    assert.equal(warning .. 'made\n', out)
  end)
end)
