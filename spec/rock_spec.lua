-- The LuaRocks rockspec: it names every C source and Lua module there is, `luarocks make`
-- builds it against the system's OpenSSL, libev and libedit into a scratch tree, and a
-- stock lua5.4 with only that tree on its paths serves one TLS echo over loopback.

local ROCKSPEC = 'rockspecs/luatls-scm-1.rockspec'

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

local function rockspec()
  local env = {}
  assert(load(read(ROCKSPEC), '@' .. ROCKSPEC, 't', env))()
  return env
end

local function sorted(t)
  table.sort(t)
  return t
end

local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

describe('the rockspec', function()
  it('builds the C sources the Makefile builds into luatls.core', function()
    local mk = read('Makefile'):gsub('\\\n', ' ')
    local list = assert(mk:match('\nCORE_SRC%s*:=%s*([^\n]*)'), 'no CORE_SRC in the Makefile')
    local make_src = {}
    for f in list:gmatch('%S+') do make_src[#make_src + 1] = f end
    local core = rockspec().build.modules['luatls.core']
    assert.same(sorted(make_src), sorted({ table.unpack(core.sources) }))
  end)

  it('installs every Lua module of lua/, each under its require name', function()
    local want = {}
    local p = io.popen('cd lua && find . -name "*.lua" | sort')
    for f in p:lines() do
      local name = f:gsub('^%./', ''):gsub('%.lua$', ''):gsub('/', '.')
      want[name] = 'lua/' .. f:gsub('^%./', '')
    end
    p:close()
    local have = {}
    for name, src in pairs(rockspec().build.modules) do
      if type(src) == 'string' then have[name] = src end
    end
    assert.same(want, have)
  end)

  it('luarocks make builds it; stock lua5.4 then serves a TLS echo with runtime.run()', function()
    assert.truthy(os.execute('command -v luarocks >/dev/null'), 'luarocks is missing (make deps installs it)')
    local dir = H.sh('mktemp -d'):gsub('%s+$', '')
    local ok, err = pcall(function()
      -- a copy, since luarocks builds in the source tree (objects beside the sources)
      local out, code = H.sh(('cp -r src lua rockspecs doc examples types %s/ 2>&1'):format(q(dir)))
      assert.equal(0, code, out)
      local tree = dir .. '/tree'
      out, code = H.sh(('cd %s && luarocks --lua-version=5.4 --tree=%s make %s 2>&1')
        :format(q(dir), q(tree), ROCKSPEC))
      assert.equal(0, code, out)
      assert.truthy(out:find('luatls scm%-1 is now installed'), out)
      -- only the tree on the paths, nothing from this checkout
      local cwd = H.sh('pwd'):gsub('%s+$', '')
      out, code = H.sh(('cd %s && env -i PATH=/usr/bin:/bin LUA_PATH_5_4=%s LUA_CPATH_5_4=%s ' ..
        'timeout 20 lua5.4 %s %s 2>&1'):format(q(dir),
        q(tree .. '/share/lua/5.4/?.lua;' .. tree .. '/share/lua/5.4/?/init.lua'),
        q(tree .. '/lib/lua/5.4/?.so'), q(cwd .. '/spec/scripts/rock_echo.lua'), q(cwd .. '/certs')))
      assert.equal(0, code, out)
      assert.truthy(out:find('connected TLSv1.3 authorized\n', 1, true), out)
      assert.truthy(out:find('echoed hello over TLS\n', 1, true), out)
      assert.truthy(out:find('loop ended 0 ' .. tree .. '/share/lua/5.4/tls.lua', 1, true), out)
    end)
    H.sh('rm -rf ' .. q(dir))
    assert(ok, err)
  end)
end)
