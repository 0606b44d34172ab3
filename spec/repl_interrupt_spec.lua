-- Ctrl-C stops whatever Lua code is running: a line, or a callback that
-- never returns (a timer, a 'data' listener); the REPL goes on.
local R = require('repl_session')

describe('Ctrl-C in the REPL', function()
  teardown(function() os.remove(R.history) end)

  it('stops a runaway timer callback with an interrupted error, and the REPL lives', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[setTimeout(function() print('spinning') while true do end end, 50)]]),
      R.expect('spinning'), R.pause(200),
      R.send('\3'), R.expect('interrupted!'),
      R.line('6 * 7'), R.expect('42'),
      -- the prompt's own Ctrl-C still works afterwards
      R.send('dropped'), R.expect('dropped'), R.send('\3'), R.expect('> '),
      R.line('"still here"'), R.expect("'still here'"),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('stdin:1: interrupted!', out)
  end)

  it("stops a runaway 'data' listener; the socket's error is reported and the loop goes on", function()
    -- the data may arrive before the listener: 'data' then comes from the nextTick callback
    -- that resumes the stream, queued by the line itself (the case below)
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[srv = net.createServer(function(c) c:write('hi') end)]]), R.expect('> '),
      R.line([[srv:listen(0, '127.0.0.1', function() print('listening') end)]]), R.expect('listening'),
      R.line([[c = net.connect(srv:address().port, '127.0.0.1')]]), R.expect('> '),
      R.line([[c:on('data', function(d) print('got', d) while true do end end)]]),
      R.expect('got\thi'), R.pause(200),
      R.send('\3'), R.expect('interrupted!'),
      R.line([[t = setTimeout(function() print('timer ran') end, 10)]]), R.expect('timer ran'),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('stdin:1: interrupted!', out)
  end)

  it('stops a runaway nextTick callback that a line queued', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[process.nextTick(function() print('spinning') while true do end end)]]),
      R.expect('spinning'), R.pause(200),
      R.send('\3'), R.expect('interrupted!'),
      R.line('6 * 7'), R.expect('42'),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('interrupted!', out)
  end)
end)
