-- Every code block of README.md and doc/*.md runs as printed: scripts run, fragments
-- compile, shell commands that start luatls run (with their printed output compared),
-- and REPL transcripts are typed into a real pseudo-terminal and the screen compared.
-- What a block is and the markers that say how to run it: spec/docs_blocks.lua.
local D = require('docs_blocks')
local R = require('repl_session')
local tls = require('tls')
local net = require('net')
local fs = require('fs')

local ROOT = R.root()
local BIN = H.LUATLS:sub(1, 1) == '/' and H.LUATLS or ROOT .. '/' .. H.LUATLS
-- a block has BASE seconds (stretched by LUATLS_TIMEOUT_SCALE, as H.ms does) for each step
local BASE = 15
local SECONDS = BASE * (tonumber(os.getenv('LUATLS_TIMEOUT_SCALE')) or 1)

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function slurp(path)
  local f = io.open(path, 'rb')
  if not f then return '' end
  local s = f:read('a')
  f:close()
  return s
end

local temps = {}
local function tempdir()
  local out = H.sh('mktemp -d')
  local dir = out:match('^(%S+)')
  temps[#temps + 1] = dir
  return dir
end

-- one scratch directory per page, for the blocks marked `in scratch`
local scratch = {}
local function scratch_dir(b)
  if not scratch[b.file] then scratch[b.file] = tempdir() end
  return scratch[b.file]
end

-- a directory with the repository's certs/ and examples/ in it (for files a block writes)
local function sandbox()
  local dir = tempdir()
  H.sh(('ln -s %s/certs %s/examples %s/'):format(ROOT, ROOT, dir))
  return dir
end

local function env(extra)
  local e = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME'), LANG = os.getenv('LANG') }
  for k, v in pairs(extra or {}) do e[k] = v end
  return e
end

-- the command line of a lua block: luatls, or lua5.4 with the rock's paths
local function lua_command(o)
  if o.lua54 then
    return ('env LUA_PATH=%s LUA_CPATH=%s lua5.4'):format(quote(ROOT .. '/lua/?.lua;' .. ROOT .. '/lua/?/init.lua;;'),
      quote(ROOT .. '/build/lib/?.so;;'))
  end
  return BIN
end

-- the directory a lua block runs in: the page's scratch directory, or a sandbox
local function script_dir(b)
  return b.options.scratch and scratch_dir(b) or sandbox()
end

-- runs the script file path of block b in dir, inside the loop; PORT in its environment
local function spawn_script(b, dir, path, port, on_close)
  return H.spawn('sh', { '-c', ('cd %s && exec %s %s'):format(quote(dir), lua_command(b.options), path) },
    on_close, { env = env({ PORT = port and tostring(port) }) })
end

-- the block's text with build/luatls meaning the executable under test
local function shell_text(text)
  if H.LUATLS == 'build/luatls' then return text end
  return (text:gsub('%f[%w/]build/luatls%f[^%w/]', H.LUATLS))
end

-- a temporary file holding text
local function script_file(_, text)
  local path = os.tmpname()
  fs.writeFileSync(path, text)
  temps[#temps + 1] = path
  return path
end

local function check_output(b, out, err)
  assert.equal('', err, b.name .. ' wrote on stderr')
  local missing = D.check_arrows(D.arrows(b.text), out)
  assert(not missing, ('%s: the doc says it prints %q, but it printed:\n%s'):format(b.name, tostring(missing), out))
end

-- Calls connected(socket) once a client reaches port (retrying while nothing listens yet),
-- or failed(err) when the deadline passes.
local function connect_when_listening(port, o, ca, connected, failed)
  local deadline = os.time() + SECONDS
  local function try()
    local socket, ok_event
    if o.tcp then
      socket = net.connect({ port = port, host = '127.0.0.1' })
      ok_event = 'connect'
    else
      socket = tls.connect({ port = port, host = '127.0.0.1', servername = 'localhost', ca = ca,
        key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') })
      ok_event = 'secureConnect'
    end
    local settled = false
    socket:on(ok_event, function() settled = true; connected(socket) end)
    socket:on('error', function(err)
      if settled then return end
      settled = true
      socket:destroy()
      if err.code == 'ECONNREFUSED' and os.time() < deadline then
        setTimeout(try, 100)
      else
        failed(err)
      end
    end)
  end
  try()
end

-- a line sent to a server, then what comes back until it closes, echoes or goes quiet
local function exchange(socket, finished)
  local got, over = '', false
  local quiet
  local function finish()
    if over then return end
    over = true
    if quiet then clearTimeout(quiet) end
    socket:destroy()
    finished(got)
  end
  socket:on('data', function(d)
    got = got .. d
    if got:find('ping\n', 1, true) then finish() end
  end)
  socket:on('end', finish)
  socket:on('close', finish)
  socket:write('ping\n')
  quiet = setTimeout(finish, 500)
end

local function run_script(b)
  local o = b.options
  local dir = script_dir(b)
  local port = o.port and H.free_port()
  local path = script_file(b, D.substitute(b.text, o.port, port))
  local errfile = os.tmpname()
  temps[#temps + 1] = errfile
  local out, code = H.sh(('cd %s && %stimeout %d %s %s 2>%s </dev/null'):format(quote(dir),
    port and ('PORT=%d '):format(port) or '', SECONDS, lua_command(o), path, errfile))
  local err = slurp(errfile)
  assert.equal(0, code, ('%s exited with %s\nstdout:\n%s\nstderr:\n%s'):format(b.name, code, out, err))
  check_output(b, out, err)
end

-- the script is a server: start it, talk to it, stop it by its PID
local function run_server(b)
  local o = b.options
  local dir = script_dir(b)
  local port = o.port and H.free_port()
  local path = script_file(b, D.substitute(b.text, o.port, port))
  local problem, reply, server_err
  H.run((BASE + 5) * 1000, function(done)
    local stopping = false
    local server = spawn_script(b, dir, path, port, function(code, out, err, sig)
      server_err = err
      if not stopping then
        problem = ('the server ended by itself (%s, %s):\n%s%s'):format(code, sig, out, err)
      end
      done()
    end)
    local function stop()
      stopping = true
      server:kill()
    end
    local ca = { H.cert('ca-cert.pem') }
    if o.scratch and fs.existsSync(dir .. '/ca-cert.pem') then ca[2] = fs.readFileSync(dir .. '/ca-cert.pem') end
    local function talk(p)
      connect_when_listening(p, o, ca, function(socket)
        if not o.tcp and not socket.authorized then problem = 'not authorized: ' .. tostring(socket.authorizationError) end
        exchange(socket, function(got) reply = got; stop() end)
      end, function(err) problem = 'could not connect: ' .. tostring(err); stop() end)
    end
    if port then
      talk(port)
    else
      local seen = ''
      server.stdout:on('data', function(d)
        if seen:find('\n') then return end
        seen = seen .. d
        local first = seen:match('^([^\n]*)\n')
        if first then
          local p = tonumber(first:match('(%d+)%s*$'))
          if not p then problem = 'no port at the end of its first line: ' .. first; return stop() end
          talk(p)
        end
      end)
    end
  end)
  assert(not problem, b.name .. ': ' .. tostring(problem))
  assert.equal('', server_err, b.name .. ' wrote on stderr')
  assert(reply and reply ~= '', b.name .. ': the server answered nothing')
end

-- the script is a client: serve an echo (or a discard) on PORT, run it to its end
local function run_client(b)
  local o = b.options
  assert(o.port, b.name .. ': a client needs `on PORT`')
  local code, out, err
  local dir = script_dir(b)
  H.run((BASE + 5) * 1000, function(done)
    local function serve(socket)
      socket:on('error', function() end)
      if o.discard then
        socket:on('data', function() end)
        socket:on('end', function() socket:_end() end)
      else
        socket:pipe(socket)
      end
    end
    local server = o.tcp and net.createServer(serve) or tls.createServer(H.tls_options(), serve)
    server:listen(0, '127.0.0.1', function()
      local port = server:address().port
      local path = script_file(b, D.substitute(b.text, o.port, port))
      spawn_script(b, dir, path, port, function(c, so, se)
        code, out, err = c, so, se
        server:close(done)
      end)
    end)
  end)
  assert.equal(0, code, ('%s exited with %s\nstdout:\n%s\nstderr:\n%s'):format(b.name, code, out, err))
  check_output(b, out, err)
end

local function run_fragment(b)
  local f, err = load(b.text, '=' .. b.name, 't')
  if not f then
    f = load('return ' .. b.text, '=' .. b.name, 't')
  end
  assert(f, ('%s does not compile: %s'):format(b.name, tostring(err)))
end

-- Starts the shell command cmd (exec'd, so that its PID is the command's) in dir with PORT
-- in its environment, and calls ready() once port accepts connections, or failed(why).
-- Returns a function that stops it by its PID and hands its stderr to a callback.
local function start_background(cmd, dir, port, ready, failed)
  local stopping, stopped, child = false
  child = H.spawn('sh', { '-c', ('cd %s && exec %s'):format(quote(dir), cmd) }, function(code, out, err)
    if stopping then
      if stopped then stopped(err) end
    else
      failed(('`%s` ended by itself (%s):\n%s%s'):format(cmd, code, out, err))
    end
  end, { env = env({ PORT = tostring(port) }) })
  local deadline = os.time() + SECONDS
  local function probe()
    if stopping then return end
    local s = net.connect({ port = port, host = '127.0.0.1' })
    s:on('connect', function() s:destroy(); ready() end)
    s:on('error', function(err)
      if os.time() < deadline then setTimeout(probe, 100) else failed('nothing listens: ' .. tostring(err)) end
    end)
  end
  probe()
  return function(on_stopped)
    stopping, stopped = true, on_stopped
    child:kill()
  end
end

-- REPL transcripts: each input typed once the screen above it is what the doc shows
local function run_repl(b)
  local o = b.options
  local lines, args = {}, ''
  for i, l in ipairs(b.lines) do lines[i] = l end
  if lines[1] and lines[1]:match('^%$ ') then
    local cmd = table.remove(lines, 1):sub(3)
    args = assert(cmd:match('^build/luatls%s*(.*)$'), b.name .. ': a transcript starts with $ build/luatls')
  end
  local port = o.port and H.free_port()
  for i, l in ipairs(lines) do lines[i] = D.substitute(l, o.port, port) end
  -- the port in the command line too (`luatls connect localhost:8000`)
  args = D.substitute(args, o.port, port)
  local inputs = {}
  for k, l in ipairs(lines) do
    local prompt, text = l:match('^(> ?)(.*)$')
    if not prompt then prompt, text = l:match('^(%.%. ?)(.*)$') end
    if prompt then inputs[#inputs + 1] = { at = k, prompt = prompt:sub(1, 1) == '>' and '> ' or '.. ', text = text } end
  end
  assert(#inputs > 0, b.name .. ': no input')
  local expected = lines
  if inputs[#inputs].text ~= '.exit' then
    expected = {}
    for i, l in ipairs(lines) do expected[i] = l end
    expected[#expected + 1] = '> .exit'
    inputs[#inputs + 1] = { at = #expected, prompt = '> ', text = '.exit' }
  end
  local slow = {}
  local function ready(before, prompt)
    local since
    return { wait = function(seen)
      since = since or os.time()
      if D.match_then_prompt(before, R.screen(seen, 400), prompt) then return true end
      -- a screen that differs is reported at the end; after one, do not wait long for more
      if os.time() - since > (#slow > 0 and 1 or SECONDS) then slow[#slow + 1] = #before; return true end
      return false
    end }
  end
  local steps = {}
  for _, input in ipairs(inputs) do
    steps[#steps + 1] = ready(table.move(expected, 1, input.at - 1, 1, {}), input.prompt)
    steps[#steps + 1] = { send = input.text .. '\r' }
  end
  local code, out, problem
  local dir = sandbox()
  H.run(BASE * (#inputs + 2) * 1000, function(done)
    local stop
    local function session()
      R.session(steps, function(c, output)
        code, out = c, output
        if stop then stop() end
        done()
      end, { cols = 400, args = args ~= '' and args or nil, cwd = dir })
    end
    if o.with then
      stop = start_background(BIN .. ' ' .. o.with, ROOT, port, session, function(why)
        problem = why
        done()
      end)
    else
      session()
    end
  end)
  assert(not problem, b.name .. ': ' .. tostring(problem))
  local screen = R.screen(out or '', 400)
  assert(D.match(expected, screen), b.name .. ': the screen is not what the doc shows\n' .. D.diff(expected, screen)
    .. (#slow > 0 and '\n(gave up waiting after line ' .. table.concat(slow, ', ') .. ')' or ''))
  assert.equal(0, code, b.name .. ': the REPL exited with ' .. tostring(code))
end

-- `$ command` transcripts: every command in one sh, its output compared
local function run_transcript(b)
  local o = b.options
  local port = o.port and H.free_port()
  local commands = {}
  local continued = false
  for _, l in ipairs(b.lines) do
    l = D.substitute(l, o.port, port)
    if continued then
      commands[#commands].cmd = commands[#commands].cmd .. '\n' .. l
      continued = l:match('\\$') ~= nil
    elseif l:match('^%$ ') then
      commands[#commands + 1] = { cmd = l:sub(3), out = {} }
      continued = l:match('\\$') ~= nil
    else
      assert(#commands > 0, b.name .. ': output before the first $ command')
      local out = commands[#commands].out
      out[#out + 1] = l
    end
  end
  local script = { '__s=0' }
  for i, c in ipairs(commands) do
    script[#script + 1] = ("printf '\\n\\036%d\\n'; (exit $__s); %s\n__s=$?"):format(i, shell_text(c.cmd))
  end
  script[#script + 1] = "printf '\\n\\036end\\n'"
  local dir = o.scratch and scratch_dir(b) or ROOT
  local all = H.sh(('cd %s && %stimeout %d sh -c %s </dev/null 2>&1'):format(quote(dir),
    port and ('PORT=%d '):format(port) or '', SECONDS * #commands, quote(table.concat(script, '\n'))))
  for i, c in ipairs(commands) do
    local printed = all:match('\n\30' .. i .. '\n(.-)\n\30') or ''
    printed = printed:gsub('\n+$', '')
    local got = printed == '' and {} or D.split_lines(printed)
    local want = {}
    for _, l in ipairs(c.out) do want[#want + 1] = l end
    while #want > 0 and want[#want] == '' do want[#want] = nil end
    assert(D.match(want, got), ('%s: $ %s\n%s'):format(b.name, c.cmd, D.diff(want, got)))
  end
end

-- a list of commands: sh -e runs them; the first one in the background if marked so
local function run_sh(b)
  local o = b.options
  local dir = o.scratch and scratch_dir(b) or ROOT
  local port = o.port and H.free_port()
  local text = shell_text(D.substitute(b.text, o.port, port))
  local prefix = ('cd %s && '):format(quote(dir)) .. (port and ('export PORT=%d; '):format(port) or '')
  if not o.background then
    local out, code = H.sh(prefix .. ('timeout %d sh -ec %s </dev/null 2>&1'):format(SECONDS * 4, quote(text)))
    assert.equal(0, code, ('%s failed:\n%s'):format(b.name, out))
    return
  end
  assert(port, b.name .. ': a server in the background needs `on PORT`')
  local first, rest = text:match('^%s*([^\n]-)%s*\n(.*)$')
  local problem, code, out, server_err
  H.run(BASE * 5000, function(done)
    local stop
    stop = start_background(first, dir, port, function()
      H.spawn('sh', { '-c', ('cd %s && exec sh -e -c %s </dev/null'):format(quote(dir), quote(rest)) }, function(c, so, se)
        code, out = c, so .. se
        stop(function(err) server_err = err; done() end)
      end, { env = env({ PORT = tostring(port) }) })
    end, function(why)
      problem = why
      done()
    end)
  end)
  assert(not problem, b.name .. ': ' .. tostring(problem))
  assert.equal(0, code, ('%s failed:\n%s'):format(b.name, out))
  assert.equal('', server_err, b.name .. ': the server wrote on stderr')
end

teardown(function()
  for _, p in ipairs(temps) do os.execute('rm -rf ' .. quote(p)) end
end)

describe('docs_blocks', function()
  local function page(text)
    local path = script_file(nil, text)
    local blocks = D.blocks(path)
    for _, b in ipairs(blocks) do b.kind = D.kind(b) end
    return blocks
  end

  it('tells the kinds of blocks apart, by fence, content and marker', function()
    local kinds = {}
    for i, b in ipairs(page(table.concat({
      '```lua', 'print(1)', '```',
      '<!-- fragment -->', '```lua', 'f(...)', '```',
      '<!-- run: server on 8443, tcp -->', '', '```lua', 'x()', '```',
      '```sh', 'make test', '```',
      '```sh', 'PORT=1 build/luatls x.lua', '```',
      '```sh', 'echo 1 | luatls', '```',
      '<!-- skip: the package -->', '```sh', 'luatls x.lua', '```',
      '```sh', '$ build/luatls -p 1', '1', '```',
      '```', '$ build/luatls', '> 1', '1', '```',
      '```text', '> 1', '```',
      '```', 'a diagram', '```',
      '```json', '{}', '```',
    }, '\n'))) do kinds[i] = b.kind end
    assert.same({ 'lua', 'fragment', 'lua', 'other', 'sh', 'sh', 'skip', 'transcript', 'repl', 'repl', 'other',
      'other' }, kinds)
  end)

  it('reads the options of a marker and refuses words it does not know', function()
    assert.same({ server = true, port = 8443, tcp = true }, D.options('run: server on 8443, tcp'))
    assert.same({ client = true, port = 9, tcp = true, discard = true }, D.options('run: client on 9, tcp, discard'))
    assert.same({ with = 'examples/echo-server.lua', port = 8000 }, D.options('run: with examples/echo-server.lua on 8000'))
    assert.same({ lua54 = true, server = true, port = 8443 }, D.options('run: server on 8443 with lua5.4'))
    assert.same({ background = true, port = 8000 }, D.options('run: on 8000, first line in the background'))
    assert.same({ scratch = true }, D.options('run: in scratch'))
    assert.same({ server = true, printed = true, tcp = true }, D.options('run: server on a printed port, tcp'))
    assert.has_error(function() D.options('run: server on 8443 quickly') end)
    assert.has_error(function() D.options('fragmnet') end)
  end)

  it('matches output with placeholders and elided lines', function()
    assert.is_true(D.match({ 'port <port> of <version>' }, { 'port 8443 of 3.0.19' }))
    assert.is_false(D.match({ 'port <port>' }, { 'port x' }))
    assert.is_true(D.match({ '<Buffer 30 <bytes> 05 00 ... <n> more bytes>' }, { '<Buffer 30 82 04 35 05 00 ... 1031 more bytes>' }))
    assert.is_true(D.match({ 'a (b) [c] 100% x.y' }, { 'a (b) [c] 100% x.y' }))
    assert.is_true(D.match({ 'first', '...', 'last' }, { 'first', 'x', 'y', 'last' }))
    assert.is_true(D.match({ 'first', '...', 'last' }, { 'first', 'last' }))
    assert.is_false(D.match({ 'first', '...', 'last' }, { 'first', 'x' }))
    assert.is_false(D.match({ 'a' }, { 'a', 'b' }))
    assert.is_true(D.match_then_prompt({ '> 1', '1' }, { '> 1', '1', '> ' }, '> '))
    assert.is_false(D.match_then_prompt({ '> 1', '1' }, { '> 1', '> ' }, '> '))
  end)

  it('finds the output a script claims in its --> comments', function()
    local arrows = D.arrows("print(1, 2)   --> 1  2\nprint('a') print('b')   --> a / b\n-- a comment\n")
    assert.same({ '1 2', 'a b' }, arrows)
    assert.is_nil(D.check_arrows(arrows, '1\t2\na\nb\n'))
    assert.equal('a b', D.check_arrows(arrows, '1\t2\nb\na\n'))
  end)
end)

describe('documentation', function()
  local all = D.all()
  local count = {}
  for _, b in ipairs(all) do count[b.kind] = (count[b.kind] or 0) + 1 end

  teardown(function()
    if os.getenv('DOCS_SPEC_COUNTS') then
      io.stderr:write(('\ndocs_spec: %d lua blocks run (%d of them servers or clients), %d fragments compiled, '
        .. '%d sh blocks run, %d sh transcripts and %d REPL transcripts replayed, %d sh blocks skipped, '
        .. '%d other blocks\n'):format(count.lua or 0, count.netted or 0, count.fragment or 0, count.sh or 0,
        count.transcript or 0, count.repl or 0, count.skip or 0, count.other or 0))
    end
  end)

  for _, b in ipairs(all) do
    local o = b.options
    if b.kind == 'lua' and (o.server or o.client) then count.netted = (count.netted or 0) + 1 end
    if b.kind == 'lua' then
      local what = o.server and 'serves' or o.client and 'connects' or 'runs'
      it(b.name .. ' ' .. what, function()
        if o.server then run_server(b) elseif o.client then run_client(b) else run_script(b) end
      end)
    elseif b.kind == 'fragment' then
      it(b.name .. ' (a fragment) compiles', function() run_fragment(b) end)
    elseif b.kind == 'repl' then
      it(b.name .. ' (a REPL transcript) replays', function() run_repl(b) end)
    elseif b.kind == 'transcript' then
      it(b.name .. ' (a shell transcript) prints what it shows', function() run_transcript(b) end)
    elseif b.kind == 'sh' then
      it(b.name .. ' (shell commands) run', function() run_sh(b) end)
    end
  end
end)
