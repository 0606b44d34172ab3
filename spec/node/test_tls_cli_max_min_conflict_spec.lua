-- from test/parallel/test-tls-cli-max-min-conflict.js
local N = require('node.common')

describe('test-tls-cli-max-min-conflict', function()
  it('--tls-min-v1.3 with --tls-max-v1.2 is refused', function()
    local out, code = N.luatls({ '--tls-min-v1.3', '--tls-max-v1.2' }, 'print(process.version)')
    assert.is_not.equal(0, code)
    assert.matches('not both', out)
  end)
end)
