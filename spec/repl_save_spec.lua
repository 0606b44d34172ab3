-- .save writes a script that runs: what the session did, without the lines
-- that failed, printing what the REPL printed.
local R = require('repl_session')

describe('.save in the REPL', function()
  teardown(function() os.remove(R.history) end)

  it('writes a file that luatls runs, printing the values the session printed', function()
    local saved = os.tmpname()
    local code, _, left = R.run({
      R.expect('> '),
      R.line('local x = 20'), R.expect('> '),
      R.line('x + 1'), R.expect('21'),
      R.line([[error('bad line')]]), R.expect('bad line'),
      R.line('this is not lua'), R.expect('syntax error'),
      R.line('y = x * 2'), R.expect('> '),
      R.line('y'), R.expect('40'),
      R.line([[print('printed')]]), R.expect('printed\r\n'),
      R.line('_ * 2'), R.expect('80'),
      R.line('tls.DEFAULT_MIN_VERSION'), R.expect("'TLSv1.2'"),
      R.line('s = setmetatable({}, { __index = { on = function(self) return self end } })'), R.expect('> '),
      R.line('s:on()'), R.expect('> '),
      R.line([[return 1, 'two']]), R.expect("1\t'two'"),
      R.line([[io.write('written\n')]]), R.expect('written'),
      R.line('for i = 1, 2 do'), R.expect('.. '), R.line('  print(i)'), R.expect('.. '), R.line('end'),
      R.expect('2\r\n'),
      R.line('z = 1; z + 1'), R.expect('2\r\n'),
      R.line('.save ' .. saved), R.expect('Session saved'),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local text = require('fs').readFileSync(saved)
    local printed, status = H.sh(H.LUATLS .. ' ' .. saved .. ' 2>&1')
    os.remove(saved)
    assert.equal(0, status, printed .. '\n' .. text)
    assert.equal("21\n40\nprinted\n80\n'TLSv1.2'\n1\t'two'\nwritten\n1\n2\n2\n", printed, text)
    assert.is_nil(text:find('bad line', 1, true))
    assert.is_nil(text:find('this is not lua', 1, true))
    assert.matches('local x = 20', text)
  end)
end)
