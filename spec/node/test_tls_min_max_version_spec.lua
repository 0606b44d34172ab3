-- from test/parallel/test-tls-min-max-version.js
local minmax = require('node.minmax')

local function sslv23(cprot, sprot) return cprot == 'SSLv23_method' or sprot == 'SSLv23_method' end

describe('test-tls-min-max-version', function()
  it('minVersion, maxVersion and secureProtocol on both ends: the version agreed, or each end\'s error', function()
    assert.same({}, minmax(function(c, s) return not sslv23(c, s) end))
  end)

  it('secureProtocol \'SSLv23_method\' means any version from the default minimum on', function()
    assert.same({}, minmax(sslv23))
  end)
end)
