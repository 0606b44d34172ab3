-- Code pasted into the REPL runs as it would from a file: top-level locals
-- are seen by the lines after them, and every file of examples/ pasted whole
-- prints what the file prints when luatls runs it.
local R = require('repl_session')
local fs = require('fs')

local function has_line(screen, text)
  for _, l in ipairs(screen) do if l == text then return true end end
  return false
end

local function show(screen) return '\n' .. table.concat(screen, '\n') end

-- what a terminal sends when text is pasted: the lines, each ended by CR
local function paste(text) return { send = text:gsub('\r?\n', '\r') } end

-- ports, sizes and temporary names differ from run to run
local function normal(line)
  return (line:gsub('\r', ''):gsub('/tmp/lua_%w+', 'TMP'):gsub('%d+', '#'))
end

local function lines_of(text)
  local t = {}
  for l in text:gmatch('[^\n]+') do t[#t + 1] = normal(l) end
  return t
end

-- the screen, normalised, once all the expected lines are on it
local function wait_for(expected)
  return { wait = function(seen)
    local screen = R.screen(seen, 400)
    local have = {}
    for _, l in ipairs(screen) do have[normal(l)] = true end
    for _, l in ipairs(expected) do if not have[l] then return false end end
    return true
  end }
end

local function run_file(name, env)
  local prefix = ''
  for k, v in pairs(env or {}) do prefix = prefix .. k .. '=' .. v .. ' ' end
  local out, code = H.sh(prefix .. 'timeout 20 ' .. H.LUATLS .. ' examples/' .. name .. '.lua 2>&1')
  assert.equal(0, code, out)
  return lines_of(out)
end

local function assert_all_on(screen, expected)
  local have = {}
  for _, l in ipairs(screen) do have[normal(l)] = true end
  for _, l in ipairs(expected) do assert.is_true(have[l] ~= nil, 'missing "' .. l .. '" in' .. show(screen)) end
end

describe('pasting into the REPL', function()
  teardown(function() os.remove(R.history) end)

  it('keeps top-level locals for the lines after them, and prints a last expression after statements', function()
    local code, out, left = R.run({
      R.expect('> '),
      paste([[
local x = 20
local function double(n) return n * 2 end
local a, b <const> = 1, 2
local t = {}
function t.f() return x + a end
x + 1
double(x)
t.f()
a = 1; a
print(b)
local y
y = 3; y * 2
]]),
      R.expect('6\r\n'),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local screen = R.screen(out)
    for _, want in ipairs({ '> x + 1', '21', '> double(x)', '40', '> t.f()', '> a = 1; a', '1', '2', '6' }) do
      assert.is_true(has_line(screen, want), want .. ' not on' .. show(screen))
    end
    -- no line of the paste was taken for the start of a longer chunk
    assert.is_nil(out:find('.. ', 1, true))
    assert.is_nil(R.plain(out):find('Uncaught', 1, true), R.plain(out))
  end)

  -- the examples that end by themselves: the same lines as when the file runs
  for _, name in ipairs({ 'alpn', 'demo', 'keylog', 'ocsp-stapling', 'psk', 'session-cache', 'sni-server' }) do
    it('runs examples/' .. name .. '.lua pasted whole, as the file runs', function()
      local expected = run_file(name)
      assert.is_true(#expected > 0)
      local code, out, left = R.run({
        R.expect('> '),
        paste(fs.readFileSync('examples/' .. name .. '.lua')),
        wait_for(expected),
        R.line('.exit'),
      })
      assert.equal(0, left)
      assert.equal(0, code)
      local screen = R.screen(out, 400)
      assert_all_on(screen, expected)
      assert.is_nil(R.plain(out):find('Uncaught', 1, true), R.plain(out))
    end)
  end

  it('runs the servers of examples/ pasted whole, and they serve, until the REPL exits', function()
    -- echo-server.lua, served to the echo-client.lua file
    local port = tostring(H.free_port())
    local client_out
    local code, out, left = R.run({
      R.expect('> '),
      paste(fs.readFileSync('examples/echo-server.lua')),
      R.printed('server bound'),
      { call = function()
        H.spawn(H.LUATLS, { 'examples/echo-client.lua', 'pasted' }, function(c, o)
          client_out = { c, o }
        end, { env = { PATH = os.getenv('PATH'), PORT = port } })
      end },
      R.printed('server connected authorized'),
      { wait = function() return client_out ~= nil end },
      R.line('.exit'),
    }, { env = { PORT = port } })
    assert.equal(0, left)
    assert.equal(0, code)
    assert.same({ 0, 'client connected authorized\nwelcome!\npasted\nserver ends connection\n' }, client_out)
    assert.is_nil(R.plain(out):find('Uncaught', 1, true), R.plain(out))

    -- starttls-server.lua and tls-proxy.lua start listening
    for name, says in pairs({ ['starttls-server'] = 'listening on', ['tls-proxy'] = 'proxy on' }) do
      code, out, left = R.run({
        R.expect('> '),
        paste(fs.readFileSync('examples/' .. name .. '.lua')),
        R.printed(says),
        R.line('.exit'),
      }, { env = { PORT = tostring(H.free_port()) } })
      assert.equal(0, left, name)
      assert.equal(0, code, name)
      assert.is_nil(R.plain(out):find('Uncaught', 1, true), R.plain(out))
    end
  end)

  it('runs the clients of examples/ pasted whole against the servers of examples/', function()
    for _, pair in ipairs({ { 'echo-server', 'echo-client', 'server bound' },
                            { 'starttls-server', 'starttls-client', 'listening on' } }) do
      local port = tostring(H.free_port())
      local env = { PATH = os.getenv('PATH'), PORT = port }
      -- what the client file prints against a server file
      local expected
      H.run(20000, function(done)
        local server = H.spawn(H.LUATLS, { 'examples/' .. pair[1] .. '.lua' }, function() done() end, { env = env })
        local seen, started = '', false
        server.stdout:on('data', function(d)
          seen = seen .. d
          if started or not seen:find(pair[3], 1, true) then return end
          started = true
          H.spawn(H.LUATLS, { 'examples/' .. pair[2] .. '.lua' }, function(c, o, e)
            assert.equal(0, c, e)
            expected = lines_of(o)
            server:kill()
          end, { env = env })
        end)
      end)
      assert.is_true(#expected > 0)
      -- the same client pasted into the REPL
      local server, ready
      local code, out, left = R.run({
        { call = function()
          server = H.spawn(H.LUATLS, { 'examples/' .. pair[1] .. '.lua' }, nil, { env = env })
          server.stdout:on('data', function(d) if d:find(pair[3], 1, true) then ready = true end end)
        end },
        { wait = function() return ready end },
        R.expect('> '),
        paste(fs.readFileSync('examples/' .. pair[2] .. '.lua')),
        wait_for(expected),
        { call = function() server:kill() end },
        R.line('.exit'),
      }, { env = { PORT = port } })
      assert.equal(0, left, pair[2])
      assert.equal(0, code, pair[2])
      assert_all_on(R.screen(out, 400), expected)
      assert.is_nil(R.plain(out):find('Uncaught', 1, true), R.plain(out))
    end
  end)
end)
