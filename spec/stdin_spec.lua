-- process.stdin: a readable stream over fd 0 for pipes, files and terminals;
-- 'data', 'end', pause/resume, setEncoding, read(); fd 0's flags restored at
-- exit; refused in the REPL, whose line editor owns the terminal.
local fs = require('fs')
local R = require('repl_session')

-- runs `luatls -e CODE` with input written to its stdin (a pipe); the output
local function with_pipe(code, input, timeout)
  local r
  H.run(timeout or 20000, function(done)
    local child = H.spawn(H.LUATLS, { '-e', code }, function(c, o, e)
      r = { code = c, out = o, err = e }
      done()
    end)
    if input then child.stdin:_end(input) end
  end)
  return r
end

local COUNT = [[
local n, chunks, ends = 0, 0, 0
local parts = {}
process.stdin:on('data', function(d) n = n + #d; chunks = chunks + 1; parts[#parts + 1] = d end)
process.stdin:on('end', function() ends = ends + 1 end)
process.stdin:on('close', function()
  io.stdout:write(table.concat(parts))
  io.stderr:write(('bytes %d ends %d chunks>0 %s tty %s fd %s\n'):format(n, ends, tostring(chunks > 0),
    tostring(process.stdin.isTTY), tostring(process.stdin.fd)))
end)
]]

describe('process.stdin', function()
  it('from a pipe: every byte, then one end and close', function()
    local data = {}
    for i = 1, 250000 do data[i] = string.char((i * 31) % 256) end
    data = table.concat(data)
    local r = with_pipe(COUNT, data)
    assert.equal(0, r.code)
    assert.is_true(r.out == data)
    assert.equal(('bytes %d ends 1 chunks>0 true tty nil fd 0\n'):format(#data), r.err)
  end)

  it('from a file, and from /dev/null', function()
    local file = os.tmpname()
    fs.writeFileSync(file, ('0123456789'):rep(20000))
    local script = H.script(COUNT)
    local out, code = H.sh(H.LUATLS .. ' ' .. script .. ' < ' .. file .. ' 2>&1 >/dev/null')
    assert.equal(0, code)
    assert.equal('bytes 200000 ends 1 chunks>0 true tty nil fd 0\n', out)
    out, code = H.sh(H.LUATLS .. ' ' .. script .. ' < /dev/null 2>&1 >/dev/null')
    assert.equal(0, code)
    assert.equal('bytes 0 ends 1 chunks>0 false tty nil fd 0\n', out)
    os.remove(file)
    os.remove(script)
  end)

  it('is paused until asked: a script that never reads does not wait for input', function()
    -- the pipe stays open: only a stdin that does not hold the loop lets this end
    local r
    H.run(20000, function(done)
      H.spawn(H.LUATLS, { '-e', "print(process.stdin.readableFlowing, process.stdin:isPaused(), "
        .. "#require('luatls.core').handles(true))" },
        function(c, o)
          r = { code = c, out = o }
          done()
        end)
    end)
    assert.equal(0, r.code)
    -- and fd 0 is not opened for the loop: no handle
    assert.equal('nil\tfalse\t0\n', r.out)
  end)

  it('pause() stops the data until resume(); nothing is lost', function()
    local r = with_pipe([[
local n, paused_seen = 0, false
process.stdin:on('data', function(d)
  n = n + #d
  if not paused_seen then
    paused_seen = true
    process.stdin:pause()
    local during = n
    setTimeout(function()
      assert(n == during, 'data while paused')
      print('paused', process.stdin:isPaused())
      process.stdin:resume()
    end, 50)
  end
end)
process.stdin:on('end', function() print('total', n) end)
]], ('x'):rep(500000))
    assert.equal(0, r.code, r.err)
    assert.equal('paused\ttrue\ntotal\t500000\n', r.out)
  end)

  it('setEncoding: hex, and utf8 that keeps characters whole', function()
    local r = with_pipe("process.stdin:setEncoding('hex') process.stdin:on('data', function(d) io.write(d) end)", 'AB\n')
    assert.equal('41420a', r.out)
    -- 'é' is two bytes; a decoder keeps a split one for the next chunk
    r = with_pipe([[
process.stdin:setEncoding('utf8')
local all = {}
process.stdin:on('data', function(d) assert(utf8.len(d), 'a character was split') all[#all + 1] = d end)
process.stdin:on('end', function() print(utf8.len(table.concat(all))) end)
]], ('é'):rep(100000))
    assert.equal(0, r.code, r.err)
    assert.equal('100000\n', r.out)
  end)

  it("'readable' and read()", function()
    local r = with_pipe([[
local got = {}
process.stdin:on('readable', function()
  while true do
    local d = process.stdin:read()
    if d == nil then break end
    got[#got + 1] = d
  end
end)
process.stdin:on('end', function() print(table.concat(got)) end)
]], 'read me')
    assert.equal('read me\n', r.out)
  end)

  it('pipe() to a writable', function()
    local r = with_pipe([[
local stream = require('stream')
local got = {}
local sink = stream.Writable({ write = function(_, chunk, _, cb) got[#got + 1] = chunk; cb() end })
sink:on('finish', function() print(#table.concat(got)) end)
process.stdin:pipe(sink)
]], ('z'):rep(123456))
    assert.equal('123456\n', r.out)
  end)

  it('with fd 0 closed: an empty stdin (fd 0 is /dev/null, as in Node), not the loop\'s own descriptor', function()
    local script = H.script(COUNT)
    local out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' ' .. script .. ' <&- 2>&1 >/dev/null')
    os.remove(script)
    assert.equal(0, code)
    assert.equal('bytes 0 ends 1 chunks>0 false tty nil fd 0\n', out)
  end)

  it('from a socket, and from a descriptor open for writing only (an error, then close)', function()
    local script = H.script(COUNT .. "process.stdin:on('error', function(e) io.stderr:write(e.code, '\\n') end)")
    local out, code = H.sh("python3 -c 'import socket, subprocess, sys; a, b = socket.socketpair(); "
      .. "p = subprocess.Popen(sys.argv[1:], stdin=b); b.close(); a.sendall(b\"hello\"); a.shutdown(socket.SHUT_WR); "
      .. "sys.exit(p.wait(timeout=20))' " .. H.LUATLS .. ' ' .. script .. ' 2>&1 >/dev/null')
    assert.equal(0, code)
    assert.equal('bytes 5 ends 1 chunks>0 true tty nil fd 0\n', out)
    local tmp = os.tmpname()
    out, code = H.sh('timeout 20 ' .. H.LUATLS .. ' ' .. script .. ' 0>' .. tmp .. ' 2>&1 >/dev/null')
    os.remove(tmp)
    os.remove(script)
    assert.equal(0, code)
    assert.equal('EBADF\nbytes 0 ends 0 chunks>0 false tty nil fd 0\n', out)
  end)

  it("fd 0's flags are restored at exit: the next reader of the pipe blocks again", function()
    local out, code = H.sh('printf abc | (' .. H.LUATLS .. [[ -e "process.stdin:on('data', function() end)"; ]]
      .. [[python3 -c 'import fcntl, os; print(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK)')]])
    assert.equal(0, code)
    assert.equal('0\n', out)
  end)

  it('on a terminal: isTTY, and typed lines arrive', function()
    local code, out = R.run({
      R.expect('ready'), R.send('typed line\r'), R.expect('got: typed line'), R.send('\4'),
    }, { args = [[-e "print('ready') process.stdin:on('data', function(d) print('got: ' .. d:gsub('\n', '')) end) ]]
      .. [[process.stdin:on('end', function() print('tty', process.stdin.isTTY) end)"]] })
    assert.equal(0, code)
    assert.matches('tty\ttrue', R.plain(out))
  end)

  it("in the REPL, the line editor owns the terminal: process.stdin raises", function()
    local code, out = R.run({
      R.expect('> '), R.line('print(select(2, pcall(function() return process.stdin end)).code)'),
      R.expect('ERR_STDIN_OWNED_BY_REPL'), R.line('.exit'),
    })
    assert.equal(0, code)
    assert.matches('ERR_STDIN_OWNED_BY_REPL', R.plain(out))
  end)
end)
