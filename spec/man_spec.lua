-- doc/luatls.1: groff formats it without a warning, and it documents every option the
-- runtime takes, every environment variable the C core and the Lua modules read, every
-- REPL command, and the version luatls reports.

local PAGE = 'doc/luatls.1'

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

-- the page's text with groff's escapes for dashes and font changes taken out
local function text()
  return (read(PAGE):gsub('\\%-', '-'):gsub('\\&', ''):gsub('\\f[BIRP]', ''))
end

-- the section .SH NAME of the page's text, up to the next .SH
local function section(name)
  local t = text()
  local from = assert(t:find('\n%.SH "?' .. name .. '"?\n'), 'no section ' .. name)
  local to = t:find('\n%.SH ', from + 1) or #t
  return t:sub(from, to)
end

local function files(cmd)
  local list = {}
  local p = io.popen(cmd)
  for f in p:lines() do list[#list + 1] = f end
  p:close()
  return list
end

describe('the man page', function()
  it('formats without a warning (groff -ww -z -man)', function()
    local out, code = H.sh('groff -ww -z -man ' .. PAGE .. ' 2>&1')
    assert.equal(0, code, out)
    assert.equal('', out)
  end)

  it('has every option of `luatls --help` and of the runtime in OPTIONS', function()
    local help, code = H.sh(H.LUATLS .. ' --help')
    assert.equal(0, code)
    local flags = {}
    for f in help:gmatch('%f[%w%-]%-%-?%a[%w%.%-]*') do flags[f] = true end
    -- and the ones the runtime compares arguments with ('-v', '--tls-min-v1.1', ...)
    for f in read('lua/luatls/runtime.lua'):gmatch("'(%-%-?%a[%w%.%-]*)'") do flags[f] = true end
    local options = section('OPTIONS')
    local missing = {}
    for f in pairs(flags) do
      if not options:find(f, 1, true) then missing[#missing + 1] = f end
    end
    table.sort(missing)
    assert.same({}, missing)
    assert.truthy(next(flags))
  end)

  it('has every option of `luatls connect --help` and `luatls serve --help` in COMMANDS', function()
    local commands = section('COMMANDS')
    for _, sub in ipairs({ 'connect', 'serve' }) do
      local help, code = H.sh(H.LUATLS .. ' ' .. sub .. ' --help')
      assert.equal(0, code)
      assert.truthy(commands:find('.SS "luatls ' .. sub, 1, true), sub)
      local missing = {}
      for f in help:gmatch('%f[%w%-]%-%-?%a[%w%.%-]*') do
        if not commands:find(f, 1, true) then missing[#missing + 1] = f end
      end
      assert.same({}, missing)
    end
  end)

  it('names every environment variable that src/ and lua/ read in ENVIRONMENT', function()
    local vars = {}
    for _, f in ipairs(files('ls src/*.c src/*.h')) do
      for v in read(f):gmatch('getenv%s*%(%s*"([%w_]+)"') do vars[v] = f end
    end
    for _, f in ipairs(files('find lua -name "*.lua"')) do
      for v in read(f):gmatch("os%.getenv%s*%(%s*['\"]([%w_]+)['\"]") do vars[v] = f end
    end
    local env = section('ENVIRONMENT')
    local missing = {}
    for v, f in pairs(vars) do
      if not env:find('%f[%w_]' .. v .. '%f[^%w_]') then missing[#missing + 1] = v .. ' (' .. f .. ')' end
    end
    table.sort(missing)
    assert.same({}, missing)
    assert.truthy(vars.LUATLS_EXTRA_CA_CERTS and vars.SSLKEYLOGFILE)
  end)

  it('lists every REPL command', function()
    local src = read('lua/luatls/repl.lua')
    local cmds = {}
    for c in src:gmatch('function commands%.([%a_]+)') do cmds[#cmds + 1] = c end
    for c in src:gmatch("commands%[['\"]([%a_]+)['\"]%]%s*=") do cmds[#cmds + 1] = c end
    assert.truthy(#cmds >= 5)
    local repl = section('THE REPL')
    for _, c in ipairs(cmds) do
      assert.truthy(repl:find('\n.B .' .. c .. '\n', 1, true) or repl:find('\n.BI .' .. c .. ' ', 1, true),
        'no .' .. c .. ' in THE REPL')
    end
  end)

  it('carries the version luatls reports, and documents exit code 9 for a bad option', function()
    local version = read('src/luatls.h'):match('#define LT_VERSION "([^"]+)"')
    assert.truthy(text():find('\n.TH LUATLS 1 "[^"]*" "luatls ' .. version:gsub('%.', '%%.') .. '"'))
    local _, code = H.sh(H.LUATLS .. ' --no-such-option 2>/dev/null')
    assert.equal(9, code)
    assert.truthy(section('EXIT STATUS'):find('\n.B 9\n', 1, true))
  end)
end)
