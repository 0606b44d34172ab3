-- The REPL's chunk rewriting, without a terminal.
local chunk = require('luatls.repl_chunk')

describe('REPL chunks', function()
  local function rw(code) return chunk.rewrite_locals(code, 'S') end

  it('moves top-level locals to the scope, after their values are computed', function()
    assert.equal('S.x = 1', rw('local x = 1'))
    assert.equal('S.a, S.b = f()', rw('local a, b = f()'))
    assert.equal('S.a = nil', rw('local a'))
    assert.equal('S.a, S.b = nil', rw('local a, b'))
    assert.equal('S.k  = 1', rw('local k <const> = 1'))
    assert.equal('function S.f(n) return n end', rw('local function f(n) return n end'))
    assert.equal('f() S.y = 2', rw('f() local y = 2'))
  end)

  it('leaves locals inside blocks and functions, <close> ones, strings and comments alone', function()
    for _, code in ipairs({
      'do local x = 1 end',
      'function f() local x = 1 end',
      'for i = 1, 2 do local x = i end',
      'if a then local x = 1 else local y = 2 end',
      'repeat local x = 1 until x',
      'local h <close> = nil',
      's = "local x = 1"',
      's = [[local x = 1]]',
      '-- local x = 1',
      '--[==[ local x = 1 ]==]',
      't = { f = function() local z end }',
    }) do
      assert.equal(code, rw(code))
    end
    assert.equal('do local x = 1 end S.y = 2', rw('do local x = 1 end local y = 2'))
    assert.equal('f = function() local x end S.y = 2', rw('f = function() local x end local y = 2'))
  end)

  it('lexes numbers, long strings and operators', function()
    local toks, closed = chunk.tokens('x = 0x1p-4 + 1e+10 .. [==[a]]b]==] ... a.b:c() // 2')
    assert.is_true(closed)
    local vals = {}
    for i, t in ipairs(toks) do vals[i] = t.v end
    assert.same({ 'x', '=', '0x1p-4', '+', '1e+10', '..', '[==[a]]b]==]', '...', 'a', '.', 'b', ':', 'c',
      '(', ')', '//', '2' }, vals)
    assert.is_false(select(2, chunk.tokens('s = [[open')))
    assert.is_false(select(2, chunk.tokens('s = "open')))
  end)

  it('finds where a chunk of statements could end with an expression', function()
    local splits = chunk.splits('a = 1; a')
    assert.same({ 'a = 1; ', 'a' }, splits[1])
    for _, sp in ipairs(chunk.splits('x = f(a, b) t.k')) do
      assert.is_nil(sp[2]:match('^k'), 'a field name is not an expression')
    end
  end)
end)
