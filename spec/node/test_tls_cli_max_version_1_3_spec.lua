-- from test/parallel/test-tls-cli-max-version-1.3.js
local tls = require('tls')
local minmax = require('node.minmax')
local N = require('node.common')

local FLAGS = { '--tls-max-v1.3' }
local MIN, MAX = 'TLSv1.2', 'TLSv1.3'

local function sslv23(cprot, sprot) return cprot == 'SSLv23_method' or sprot == 'SSLv23_method' end

-- the matrix under the defaults the flags give (they only set tls.DEFAULT_*_VERSION)
local function matrix(select)
  local saved_min, saved_max = tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION
  tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION = MIN, MAX
  local ok, failures = pcall(minmax, select)
  tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION = saved_min, saved_max
  assert(ok, failures)
  return failures
end

describe('test-tls-cli-max-version-1.3', function()
  it('--tls-max-v1.3 sets the default maximum: tls.DEFAULT_MIN_VERSION TLSv1.2, DEFAULT_MAX_VERSION TLSv1.3', function()
    local out = N.luatls(FLAGS, 'local t = require("tls") print(t.DEFAULT_MIN_VERSION, t.DEFAULT_MAX_VERSION)')
    assert.equal(MIN .. '\t' .. MAX .. '\n', out)
  end)

  it('the min/max version matrix holds under those defaults', function()
    assert.same({}, matrix(function(c, s) return not sslv23(c, s) end))
  end)

  it('the matrix\'s SSLv23_method cases under those defaults', function()
    assert.same({}, matrix(sslv23))
  end)
end)
