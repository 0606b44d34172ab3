-- The REPL's screen: one prompt, always, and every kind of output (print,
-- io.write, the standard files, C code's stderr) above it.
local R = require('repl_session')

local function has_line(screen, text)
  for _, l in ipairs(screen) do if l == text then return true end end
  return false
end

local function show(screen) return '\n' .. table.concat(screen, '\n') end

describe('the REPL screen', function()
  teardown(function() os.remove(R.history) end)

  it('draws one prompt after a value, an error and .help, and edits what it shows', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line('1'), R.expect('1\r\n'), R.pause(150),
      -- typed after a value: ← ← ← and an insertion, then Enter
      R.send("'abcdef'\27[D\27[D\27[DX"), R.pause(150), R.send('\r'), R.expect("'abcdXef'\r\n"),
      R.line('error("oops")'), R.expect('oops'), R.pause(150),
      R.send("'ghi'\27[DY"), R.pause(150), R.send('\r'), R.expect("'ghiY'\r\n"),
      R.line('.help'), R.expect('.load'), R.pause(150),
      -- Tab after .help
      R.send('consol\t'), R.expect('e'), R.send('.log("tab ok")\r'), R.expect('tab ok\r\n'),
      R.pause(150),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.is_nil(out:find('> > ', 1, true), 'a prompt drawn twice:\n' .. out:gsub('\27', 'ESC'))
    local screen = R.screen(out)
    assert.is_true(has_line(screen, "> 'abcdXef'"), show(screen))
    assert.is_true(has_line(screen, "> 'ghiY'"), show(screen))
    assert.is_true(has_line(screen, '> console.log("tab ok")'), show(screen))
    -- every prompt on the screen is a line that was typed, or the last one
    for n, l in ipairs(screen) do
      if l:match('^> ') then assert.is_nil(l:match('^> > '), show(screen)) end
      if l == '> ' then assert.equal(#screen, n, show(screen)) end
    end
  end)

  it('puts io.write, io.stdout, io.stderr and print from a callback above the line being typed', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[setTimeout(function() io.write('late') io.stdout:write(' one') io.stderr:write(' two\n') print('three') end, 300)]]),
      R.expect('Timeout'), R.expect('> '),
      R.send('6 *'), R.expect('three'), R.pause(150),
      R.send(' 7\r'), R.expect('42\r\n'),
      -- output of a line that does not end its line: the prompt still starts on its own
      R.line([[io.write('no newline')]]), R.expect('no newline'), R.pause(150),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local screen = R.screen(out)
    assert.is_true(has_line(screen, 'late one two'), show(screen))
    assert.is_true(has_line(screen, 'three'), show(screen))
    assert.is_true(has_line(screen, '> 6 * 7'), show(screen))
    assert.is_true(has_line(screen, '42'), show(screen))
    assert.is_true(has_line(screen, 'no newline'), show(screen))
    assert.is_nil(out:find('file %('), 'io.write printed its file')
  end)

  it("puts C code's stderr (OpenSSL's trace) above the prompt", function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem') }, function(c) c:pipe(c) end)]]),
      R.expect('> '),
      R.line([[srv:listen(0, '127.0.0.1', function() print('listening') end)]]), R.expect('listening'),
      R.line([[s = tls.connect(srv:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') }, function() print('secure') end)]]),
      R.expect('secure'), R.pause(100),
      R.line([[s:on('data', function(d) print('echo', d) end)]]), R.expect('> '),
      R.line([[s:enableTrace()]]), R.expect('> '),
      R.line([[setTimeout(function() s:write('ping') end, 200)]]), R.expect('> '),
      R.send('x ='), R.expect('echo\tping'), R.pause(200),
      R.send(' 5\r'), R.expect('> '),
      R.line('x'), R.expect('5\r\n'),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local screen = R.screen(out, 200)
    assert.matches('Sent Record', out)
    assert.is_true(has_line(screen, 'Sent Record'), show(screen))
    assert.is_true(has_line(screen, '> x = 5'), show(screen))
    -- the trace came before the echo it caused, and the prompt after both
    local sent, echo
    for n, l in ipairs(screen) do
      if l == 'Sent Record' and not sent then sent = n end
      if l == 'echo\tping' then echo = n end
    end
    assert.is_true(sent < echo, show(screen))
  end)
end)
