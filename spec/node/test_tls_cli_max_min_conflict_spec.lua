-- from test/parallel/test-tls-cli-max-min-conflict.js
local N = require('node.common')

describe('test-tls-cli-max-min-conflict', function()
  it('--tls-min-v1.3 with --tls-max-v1.2 is refused', function()
    pending('luatls gap: --tls-min-v1.3 --tls-max-v1.2 is accepted (exit 0, defaults TLSv1.3/TLSv1.2) where Node exits with "either --tls-min-v1.3 or --tls-max-v1.2 can be used, not both"')
    local out, code = N.luatls({ '--tls-min-v1.3', '--tls-max-v1.2' }, 'print(process.version)')
    assert.is_not.equal(0, code)
    assert.matches('not both', out)
  end)
end)
