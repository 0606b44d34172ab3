-- Node's REPL and -e globals: the core modules in the REPL, in -e, -p and
-- piped input, not in script files; -p prints; _ and _error in the REPL.
local R = require('repl_session')

local NAMES = { 'tls', 'net', 'fs', 'util', 'events', 'crypto', 'child_process', 'dns' }
local TYPES = 'print(' .. table.concat((function()
  local t = {}
  for i, n in ipairs(NAMES) do t[i] = 'type(' .. n .. ')' end
  return t
end)(), ', ') .. ')'
local ALL_TABLES = ('table\t'):rep(#NAMES - 1) .. 'table\n'

describe('globals', function()
  teardown(function() os.remove(R.history) end)

  it('are the core modules in -e, -p and piped input, and not in script files', function()
    local out, code = H.sh(H.LUATLS .. " -e '" .. TYPES .. "'")
    assert.equal(0, code)
    assert.equal(ALL_TABLES, out)
    out, code = H.sh('echo \'' .. TYPES .. '\' | ' .. H.LUATLS)
    assert.equal(0, code)
    assert.equal(ALL_TABLES, out)
    local script = H.script(TYPES)
    out, code = H.sh(H.LUATLS .. ' ' .. script)
    os.remove(script)
    assert.equal(0, code)
    assert.equal(('nil\t'):rep(#NAMES - 1) .. 'nil\n', out)
    -- dns is Node's dns.lookup
    out = H.sh(H.LUATLS .. [[ -e 'dns.lookup("127.0.0.1", function(err, a, f) print(err, a, f) end)']])
    assert.equal('nil\t127.0.0.1\t4\n', out)
  end)

  it('-p prints the value of its code, as console.log does', function()
    assert.equal('42\n', (H.sh(H.LUATLS .. " -p '6 * 7'")))
    assert.equal('TLSv1.2\n', (H.sh(H.LUATLS .. " -p 'tls.DEFAULT_MIN_VERSION'")))
    assert.equal('1\n', (H.sh(H.LUATLS .. " -p 'a = 1; a'")))
    assert.equal("{ 1, 'two' }\n", (H.sh(H.LUATLS .. [[ -p '{ 1, "two" }']])))
    assert.equal('3\t4\n', (H.sh(H.LUATLS .. " -p 'return 3, 4'"):gsub(' ', '\t')))
    local out, code = H.sh(H.LUATLS .. " -p 'setTimeout(function() print(\"later\") end, 10) return \"first\"'")
    assert.equal(0, code)
    assert.equal('first\nlater\n', out)
  end)

  it('are the core modules in the REPL, with _ and _error', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line(TYPES), R.expect(ALL_TABLES:gsub('\n', '\r\n')),
      R.line('6 * 7'), R.expect('42'),
      R.line('_ + 1'), R.expect('43'),
      R.line([[error({ code = 'E_LINE' })]]), R.expect('Uncaught'), R.expect('> '),
      R.line('_error.code'), R.expect("'E_LINE'"),
      R.line([[setTimeout(function() error({ code = 'E_TIMER' }) end, 10)]]), R.expect('Uncaught'), R.pause(100),
      R.line('_error.code'), R.expect("'E_TIMER'"),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches("'E_TIMER'", out)
  end)
end)
