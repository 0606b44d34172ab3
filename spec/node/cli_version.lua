-- The shared scenario of Node's test-tls-cli-{min,max}-version-*.js: the flags set
-- tls.DEFAULT_MIN_VERSION and DEFAULT_MAX_VERSION, and the min/max version matrix
-- (spec/node/minmax.lua) holds under those defaults.
local busted = require('busted')
local assert = require('luassert')
local tls = require('tls')
local minmax = require('node.minmax')
local N = require('node.common')

local function sslv23(cprot, sprot) return cprot == 'SSLv23_method' or sprot == 'SSLv23_method' end

-- the matrix under the defaults the flags give (they only set tls.DEFAULT_*_VERSION)
local function matrix(min, max, select)
  local saved_min, saved_max = tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION
  tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION = min, max
  local ok, failures = pcall(minmax, select)
  tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION = saved_min, saved_max
  assert(ok, failures)
  return failures
end

-- name: the Node test; flags: luatls's command line; what: how the flags set the defaults
return function(name, flags, min, max, what)
  busted.describe(name, function()
    busted.it(('%s: tls.DEFAULT_MIN_VERSION %s, DEFAULT_MAX_VERSION %s'):format(what, min, max), function()
      local out = N.luatls(flags, 'local t = require("tls") print(t.DEFAULT_MIN_VERSION, t.DEFAULT_MAX_VERSION)')
      assert.equal(min .. '\t' .. max .. '\n', out)
    end)

    busted.it('the min/max version matrix holds under those defaults', function()
      assert.same({}, matrix(min, max, function(c, s) return not sslv23(c, s) end))
    end)

    busted.it('the matrix\'s SSLv23_method cases under those defaults', function()
      assert.same({}, matrix(min, max, sslv23))
    end)
  end)
end
