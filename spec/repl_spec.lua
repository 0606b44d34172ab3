-- The REPL driven through a real pseudo-terminal (util-linux `script`), step
-- by step: each line is typed once the output it waits for has appeared.

local history = os.tmpname()

-- Starts a REPL session; steps are { expect = text } or { send = keys }.
-- Calls finish(exit_code, whole_output) when the session ends.
local function session(steps, finish, extra_env)
  local env = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME'), TERM = 'xterm',
    LUATLS_HISTORY = history, NO_COLOR = '1' }
  for k, v in pairs(extra_env or {}) do env[k] = v end
  local child = H.spawn('script', { '-qfec', 'exec ' .. H.LUATLS, '/dev/null' }, function(code, out)
    finish(code, out)
  end, { env = env })
  if os.getenv('REPL_SPEC_DEBUG') then
    child.stdout:on('data', function(d) io.stderr:write((d:gsub('\27', 'ESC'))) end)
  end
  local seen, from, i = '', 1, 1
  local function advance()
    while i <= #steps do
      local step = steps[i]
      if step.send then
        child.stdin:write(step.send)
        i = i + 1
      else
        local s, e = seen:find(step.expect, from, true)
        if not s then return end
        from = e + 1
        i = i + 1
      end
    end
  end
  child.stdout:on('data', function(d)
    seen = seen .. d
    advance()
  end)
  child.steps_left = function() return #steps - i + 1 end
  -- for a session that times out: where it stopped and what it had shown
  child.where = function()
    local step = steps[i]
    local waiting_for = step and (step.expect and ('expect %q'):format(step.expect) or ('send %q'):format(step.send))
    return ('step %d of %d (%s); the output ends with %q'):format(i, #steps, tostring(waiting_for), seen:sub(-400))
  end
  return child
end

local function line(text) return { send = text .. '\r' } end
local function expect(text) return { expect = text } end

local function run_session(steps, extra_env)
  local code, out, left, child
  local ok, err = pcall(H.run, 20000, function(done)
    child = session(steps, function(c, o) code, out, left = c, o, child.steps_left(); done() end, extra_env)
  end)
  if not ok then error(tostring(err) .. (child and ('\n' .. child.where()) or ''), 0) end
  return code, out, left
end

describe('the REPL', function()
  setup(function() os.remove(history) end)
  teardown(function() os.remove(history) end)

  it('runs a TLS echo server and client in one session, printing echoed data as it arrives', function()
    local code, out, left = run_session({
      expect('.help for help'), expect('> '),
      line([[srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'), cert = fs.readFileSync('certs/server-cert.pem') }, function(c) c:pipe(c) end)]]),
      expect('> '),
      line([[srv:listen(0, '127.0.0.1', function() print('listening') end)]]),
      expect('listening'),
      line([[s = tls.connect(srv:address().port, 'localhost', { ca = fs.readFileSync('certs/ca-cert.pem') }, function() print('connected', s:getProtocol()) end)]]),
      expect('connected\tTLSv1.3'),
      line([[s:on('data', function(d) print('got', d) end)]]),
      expect('> '),
      line([[s:write('hello\n')]]),
      expect('true'),
      expect('got\thello'),
      line('1 + 1'),
      expect('2'),
      line('s.authorized'),
      expect('true'),
      line('srv'),
      expect('tls.Server { listening on 127.0.0.1:'),
      line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('got\thello', out)
    -- s:on(...) returns s for chaining: nothing is printed for it
    assert.is_nil(out:find('TLSSocket {', 1, true))
  end)

  it('continues an incomplete chunk on a .. prompt, and .break abandons one', function()
    local code, out, left = run_session({
      expect('> '),
      line('function double(x)'), expect('.. '),
      line('  return x * 2'), expect('.. '),
      line('end'), expect('> '),
      line('double(21)'), expect('42'),
      line('if true then'), expect('.. '),
      line('.break'), expect('> '),
      line('return 1, "two", nil'), expect("1\t'two'\tnil"),
      line('_'), expect('1'),
      line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('42', out)
  end)

  it('completes method names with Tab', function()
    local code, out, left = run_session({
      expect('> '),
      line('sock = tls.TLSSocket()'), expect('> '),
      { send = 'sock:getPeerC\t' }, expect('ertificate'),
      { send = '()\r' }, expect('nil'),
      { send = 'sock:getC\t\t' }, expect('sock:getCipher'),
      { send = '\21' },   -- Ctrl-U: drop the line
      -- two completions in one line: consol<Tab> -> console, .lo<Tab> -> .log
      { send = 'consol\t.lo\t("completed " .. 6 * 7)\r' }, expect('completed 42'),
      line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('sock:getCertificate', out)
  end)

  it('recalls history from an earlier session', function()
    local _, _, left1 = run_session({
      expect('> '),
      line('remembered = 6 * 7'), expect('> '),
      line('.exit'),
    })
    assert.equal(0, left1)
    local code, out, left2 = run_session({
      expect('> '),
      { send = '\27[A\27[A' }, expect('remembered = 6 * 7'),
      { send = '\r' }, expect('> '),
      line('remembered'), expect('42'),
      line('.exit'),
    })
    assert.equal(0, left2)
    assert.equal(0, code)
    assert.matches('42', out)
  end)

  it('reports errors in a line and in a callback, and goes on', function()
    local code, out, left = run_session({
      expect('> '),
      line('error("bad line")'), expect('bad line'),
      line([[setTimeout(function() error('boom in a timer') end, 10)]]),
      expect('boom in a timer'),
      line('1 + 2'), expect('3'),
      line('this is not lua'), expect('syntax error'),
      line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('stack traceback', out)
  end)

  it('clears the line on Ctrl-C, stops a running line, and exits on a second Ctrl-C', function()
    local code, out, left = run_session({
      expect('> '),
      { send = 'discarded' }, expect('discarded'),
      { send = '\3' }, expect('> '),
      line('print("spinning") while true do end'), expect('spinning\r\n'),
      { send = '\3' }, expect('interrupted!'),
      line('40 + 2'), expect('42'),
      { send = '\3' }, expect('To exit'),
      { send = '\3' },
    })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.is_nil(out:find('discarded\r\n%d'))
  end)

  it('saves the session with .save and runs a file with .load', function()
    local saved = os.tmpname()
    local code, _, left = run_session({
      expect('> '),
      line('answer = 41 + 1'), expect('> '),
      line('.save ' .. saved), expect('Session saved'),
      line('answer = nil'), expect('> '),
      line('.load ' .. saved), expect('> '),
      line('answer'), expect('42'),
      line('.help'), expect('.load F'), expect('> '),
      { send = '\4' },   -- Ctrl-D
    })
    local text = require('fs').readFileSync(saved)
    os.remove(saved)
    assert.equal(0, left)
    assert.equal(0, code)
    assert.matches('answer = 41 %+ 1', text)
  end)

  it('-i runs a script first, and piped input runs as a script with its exit status', function()
    local script = os.tmpname()
    require('fs').writeFileSync(script, 'from_script = "yes"\n')
    local H_LUATLS = H.LUATLS
    local code, left
    H.run(20000, function(done)
      local child = H.spawn('script', { '-qfec', 'exec ' .. H_LUATLS .. ' -i ' .. script, '/dev/null' },
        function(c) code = c; done() end,
        { env = { PATH = os.getenv('PATH'), TERM = 'xterm', LUATLS_HISTORY = history, NO_COLOR = '1' } })
      local seen, sent = '', false
      child.stdout:on('data', function(d)
        seen = seen .. d
        if not sent and seen:find('> ', 1, true) then
          sent = true
          child.stdin:write('from_script\r')
        elseif sent and seen:find("'yes'", 1, true) then
          child.stdin:write('.exit\r')
        end
      end)
      left = 0
    end)
    os.remove(script)
    assert.equal(0, left)
    assert.equal(0, code)
    local out, status = H.sh('printf "print(\'piped\')\\nprocess.exitCode = 4\\n" | ' .. H.LUATLS)
    assert.equal('piped\n', out)
    assert.equal(4, status)
  end)
end)
