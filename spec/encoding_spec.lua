-- luatls.encoding: Node's Buffer encodings and StringDecoder over Lua
-- strings. Expected values are Node v20's (Buffer.from(s, enc),
-- buf.toString(enc), new StringDecoder(enc)).
local encoding = require('luatls.encoding')
local StringDecoder = require('string_decoder').StringDecoder

local function unhex(h) return (h:gsub('..', function(x) return string.char(tonumber(x, 16)) end)) end
local function hex(s) return (s:gsub('.', function(c) return ('%02x'):format(c:byte()) end)) end

describe('luatls.encoding', function()
  it('encode is Buffer.from(text, encoding)', function()
    local cases = {
      { 'abz1', 'hex', 'ab' }, { 'abc', 'hex', 'ab' }, { 'ABcd', 'hex', 'abcd' }, { 'a', 'hex', '' },
      { 'aGVs bG8=', 'base64', '68656c6c6f' }, { 'aGVsbG8', 'base64', '68656c6c6f' },
      { 'aGV-_w', 'base64', '68657eff' }, { 'aGV+/w==', 'base64url', '68657eff' },
      { 'aGVsbG8=aGk=', 'base64', '68656c6c6f' }, { '!!aGk', 'base64', '6869' }, { 'a', 'base64', '' },
      { 'café', 'latin1', '636166e9' }, { 'café', 'binary', '636166e9' }, { 'café', 'ascii', '636166e9' },
      { '€', 'latin1', 'ac' }, { '😀', 'latin1', '3d00' }, { '😀', 'utf16le', '3dd800de' },
      { 'hi', 'UCS-2', '68006900' }, { 'héllo', 'UTF-8', '68c3a96c6c6f' },
    }
    for _, c in ipairs(cases) do
      assert.equal(c[3], hex(encoding.encode(c[1], c[2])), c[1] .. ' as ' .. c[2])
    end
  end)

  it('decode is buf.toString(encoding); invalid UTF-8 becomes U+FFFD per maximal subpart', function()
    local b = unhex('e941ff80')
    assert.equal('iA\127\0', encoding.decode(b, 'ascii'))
    assert.equal('éAÿ\194\128', encoding.decode(b, 'latin1'))
    assert.equal('e941ff80', encoding.decode(b, 'hex'))
    assert.equal('6UH/gA==', encoding.decode(b, 'base64'))
    assert.equal('6UH_gA', encoding.decode(b, 'base64url'))
    local R = '\239\191\189'
    assert.equal(R .. 'A' .. R .. R, encoding.decode(b, 'utf8'))
    assert.equal(R .. R .. 'A' .. R .. R, encoding.decode(unhex('e08041f09f98c3'), 'utf8'))
    assert.equal(R:rep(3) .. 'A' .. R:rep(6), encoding.decode(unhex('eda08041f4908080c0af'), 'utf8'))
    assert.equal('😀' .. R .. 'A', encoding.decode(unhex('3dd800de3dd84100'), 'utf16le'))
    assert.equal('valid ✓ text', encoding.decode('valid ✓ text', 'utf8'))
  end)

  it("StringDecoder holds incomplete characters and base64 groups back, as Node's", function()
    local function run(enc, chunks)
      local d = StringDecoder(enc)
      local out = {}
      for i, c in ipairs(chunks) do out[i] = d:write(unhex(c)) end
      out[#out + 1] = d:end_()
      return out
    end
    local R = '\239\191\189'
    assert.same({ '', '€A', '' }, run('utf8', { 'e282', 'ac41' }))
    assert.same({ '', '', '€', '' }, run('utf8', { 'e2', '82', 'ac' }))
    assert.same({ '', R .. 'A', '' }, run('utf8', { 'e282', '41' }))
    assert.same({ '', '', R }, run('utf8', { 'f09f', '98' }))
    assert.same({ '', R .. R .. 'A', '' }, run('utf8', { 'e0', '8041' }))
    assert.same({ 'AQID', '', 'BAUG', 'Bw==' }, run('base64', { '01020304', '05', '0607' }))
    assert.same({ 'AQID', '', 'BAU' }, run('base64url', { '01020304', '05' }))
    assert.same({ '0102', 'ff', '' }, run('hex', { '0102', 'ff' }))
    assert.equal('😀A', table.concat(run('utf16le', { '3d', 'd800', 'de41', '00' })))
    assert.equal('é', table.concat(run('latin1', { 'e9' })))
  end)

  it('knows the names Node knows, in any case, and refuses others with ERR_UNKNOWN_ENCODING', function()
    for _, name in ipairs({ 'utf8', 'UTF-8', 'hex', 'Base64', 'base64url', 'latin1', 'binary', 'ascii',
      'utf16le', 'utf-16le', 'ucs2', 'ucs-2' }) do
      assert.is_true(encoding.isEncoding(name), name)
    end
    assert.is_false(encoding.isEncoding('utf7'))
    local ok, err = pcall(encoding.encode, 'x', 'utf7')
    assert.is_false(ok)
    assert.equal('ERR_UNKNOWN_ENCODING', err.code)
    assert.equal('Unknown encoding: utf7', err.message)
    ok, err = pcall(StringDecoder, 'nope')
    assert.is_false(ok)
    assert.equal('ERR_UNKNOWN_ENCODING', err.code)
  end)
end)
