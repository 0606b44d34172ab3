-- from test/parallel/test-tls-cipher-list.js
local N = require('node.common')

describe('test-tls-cipher-list', function()
  it('--tls-cipher-list sets tls.DEFAULT_CIPHERS and crypto.constants.defaultCipherList', function()
    local code = 'print(require("crypto").constants.defaultCipherList) print(require("tls").DEFAULT_CIPHERS)'
    local out = N.luatls({ '--tls-cipher-list=ABC' }, code)
    assert.equal('ABC\nABC\n', out)
    out = N.luatls({}, code)
    local core = N.luatls({}, 'print(require("crypto").constants.defaultCoreCipherList)')
    assert.equal(core .. core, out)
  end)
end)
