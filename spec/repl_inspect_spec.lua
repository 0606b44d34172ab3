-- Values as Node's util.inspect shows them, in util.inspect and in the REPL.
local R = require('repl_session')
local util = require('util')
local errors = require('luatls.errors')

describe('util.inspect', function()
  it('shows binary strings as Buffers, and text as strings', function()
    local der = '\x30\x82\x04\x35' .. ('\x00\x01'):rep(540)
    assert.equal('<Buffer 30 82 04 35 00 01 ... 1078 more bytes>', util.inspect(der, { maxBufferLength = 6 }))
    assert.matches('^<Buffer 30 82 04 35 00 01 00 01', util.inspect(der))
    assert.matches('%.%.%. 1034 more bytes>$', util.inspect(der))
    assert.equal('<Buffer ff fe>', util.inspect('\xff\xfe'))
    assert.equal("'café\\n'", util.inspect('café\n'))
    assert.equal("{ raw = <Buffer 00> }", util.inspect({ raw = '\0' }))
  end)

  it('cuts long sequences, tables and strings', function()
    local t = {}
    for i = 1, 120 do t[i] = i end
    local s = util.inspect(t)
    assert.matches('%.%.%. 20 more items\n}$', s)
    assert.is_nil(s:find('101'))
    assert.matches('^{\n +1, +2, ', s)   -- grouped in columns, as Node does
    assert.equal('{ 1, 2, ... 118 more items }', util.inspect(t, { maxArrayLength = 2 }))
    local k = {}
    for i = 1, 5 do k['k' .. i] = i end
    assert.equal('{ k1 = 1, k2 = 2, ... 3 more items }', util.inspect(k, { maxArrayLength = 2 }))
    assert.equal("'abc'... 7 more characters", util.inspect('abcdefghij', { maxStringLength = 3 }))
  end)

  it('names functions', function()
    assert.equal('[Function: print]', util.inspect(print))
    assert.equal('[Function: connect]', util.inspect(require('tls').connect))
    assert.equal('[Function (anonymous)]', util.inspect(function() end))
    assert.equal('{ handler = [Function: handler] }', util.inspect({ handler = function() end }))
    assert.equal('[class TLSSocket extends Socket]', util.inspect(require('tls').TLSSocket))
  end)

  it("shows an error's message and its code, errno, syscall, path, address and port", function()
    local e = errors.new('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1',
      { errno = -111, syscall = 'connect', address = '127.0.0.1', port = 1, stack = 'x' })
    assert.equal("Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:1 {\n  errno = -111,\n  code = 'ECONNREFUSED',\n"
      .. "  syscall = 'connect',\n  address = '127.0.0.1',\n  port = 1\n}", util.inspect(e))
    assert.equal("Error [ENOENT]: open x { errno = -2, code = 'ENOENT', path = 'x' }",
      util.inspect(errors.new('ENOENT', 'open x', { errno = -2, path = 'x' }), { breakLength = 200 }))
    assert.equal('Error: plain', util.inspect(errors.new(nil, 'plain')))
  end)

  it("takes Node's options: depth, breakLength, colors", function()
    local t = { a = { b = { c = { d = 1 } } } }
    assert.equal('{ a = { b = { c = [Object] } } }', util.inspect(t))
    assert.equal('{ a = [Object] }', util.inspect(t, { depth = 0 }))
    assert.equal('{ a = { b = { c = { d = 1 } } } }', util.inspect(t, { depth = math.huge }))
    assert.equal('{\n  x = 1,\n  y = 2\n}', util.inspect({ x = 1, y = 2 }, { breakLength = 10 }))
    assert.equal("{ \27[33m1\27[39m, \27[32m'x'\27[39m, \27[33mtrue\27[39m }", util.inspect({ 1, 'x', true }, { colors = true }))
    assert.equal('\27[1mnil\27[22m', util.inspect(nil, { colors = true }))
  end)
end)

describe('the REPL shows', function()
  teardown(function() os.remove(R.history) end)

  it("certificates readably, thrown tables inspected, and values in colour on a terminal", function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem') }, function(c) end)]]),
      R.expect('> '),
      R.line([[srv:listen(0, '127.0.0.1', function() print('listening') end)]]), R.printed('listening'),
      R.line([[s = tls.connect(srv:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') }, function() print('secure') end)]]),
      R.printed('secure'),
      R.line([[c = s:getPeerCertificate()]]), R.expect('> '),
      R.line('c.raw'), R.expect('more bytes>'),
      R.line('c'), R.expect('fingerprint256'), R.expect('> '),
      R.line([[error({ code = 'E_THROWN', list = { 1, 2 } })]]), R.expect('Uncaught'), R.expect('> '),
      R.line('srv:close() s:destroy()'), R.expect('> '),
      R.line('.exit'),
    }, { env = { NO_COLOR = false } })
    assert.equal(0, left)
    assert.equal(0, code)
    local plain = R.plain(out)
    assert.matches('<Buffer 30 82 %x%x %x%x [%x ]+ %.%.%. %d+ more bytes>', plain)
    assert.matches('raw = <Buffer 30 82', plain)
    assert.matches("Uncaught { code = 'E_THROWN', list = { 1, 2 } }", plain)
    assert.is_nil(plain:find('table: 0x', 1, true))
    -- strings are green and numbers yellow, as in Node's REPL
    assert.matches("\27%[32m'US'\27%[39m", out)
    assert.matches('bits = \27%[33m2048', out)
  end)
end)
