-- Uncaught errors point at the user's code: the runtime's own frames
-- (events.lua, timers.lua, tick.lua, runtime.lua, net.lua, tls.lua, ...) are
-- left out unless --trace-internals or LUATLS_TRACE_INTERNALS=1 asks for them.
local R = require('repl_session')

local INTERNAL = { 'events%.lua', 'timers%.lua', 'tick%.lua', 'runtime%.lua', 'net%.lua', 'tls%.lua', 'repl%.lua' }

local function assert_no_internals(out)
  for _, name in ipairs(INTERNAL) do assert.is_nil(out:find(name), name .. ' in:\n' .. out) end
end

local function run(script, flags, env)
  local path = H.script(script)
  local out, code = H.sh((env or '') .. ' ' .. H.LUATLS .. ' ' .. (flags or '') .. ' ' .. path .. ' 2>&1')
  os.remove(path)
  return out:gsub(path:gsub('%p', '%%%0'), 'SCRIPT'), code
end

describe('uncaught errors', function()
  teardown(function() os.remove(R.history) end)

  local SCRIPT = [[
local EventEmitter = require('events')
local e = EventEmitter()
setTimeout(function()
  e:emit('error', require('luatls.errors').new('E_USER', 'from the script'))
end, 1)
]]

  it("show the user's file and line first, without the runtime's frames", function()
    local out, code = run(SCRIPT)
    assert.equal(1, code)
    assert.matches("^Uncaught Error %[E_USER%]: from the script", out)
    assert.matches('stack traceback:\n\tSCRIPT:4: in', out)
    assert_no_internals(out)
    -- a message that names a place in the runtime names the user's line first
    out = run([[local e = require('events')() e:on('x', print) e.emit(nil, 'x')]])
    assert.matches('^Uncaught Error: SCRIPT:1: bad argument .* %(in events%.lua:%d+%)', out)
    assert_no_internals(out:gsub('%(in events%.lua:%d+%)', ''))
  end)

  it('show the runtime\'s frames with --trace-internals or LUATLS_TRACE_INTERNALS=1', function()
    local out = run(SCRIPT, '--trace-internals')
    assert.matches('events%.lua:%d+:', out)
    assert.matches('timers%.lua:%d+:', out)
    out = run(SCRIPT, nil, 'LUATLS_TRACE_INTERNALS=1')
    assert.matches('events%.lua:%d+:', out)
  end)

  it('of the runtime alone say so, and show the error\'s fields', function()
    local out, code = run(([[require('net').connect(%d, '127.0.0.1')]]):format(H.free_port()))
    assert.equal(1, code)
    assert.matches('Uncaught Error %[ECONNREFUSED%]: connect ECONNREFUSED', out)
    assert.matches("syscall = 'connect'", out)
    assert.matches('port = %d+', out)
    assert.matches('%-%-trace%-internals shows them', out)
    assert_no_internals(out)
  end)

  it('in the REPL, of a line and of a callback, show the user\'s frames only', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line([[function boom() error('boom in a function') end]]), R.expect('> '),
      R.line([[setTimeout(function() boom() end, 10)]]), R.expect('boom in a function'), R.expect('> '),
      R.line([[e = events() e:emit('error', { code = 'E_EMIT' })]]), R.expect('E_EMIT'), R.expect('> '),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local plain = R.plain(out)
    assert.matches("Uncaught Error: stdin:1: boom in a function\nstack traceback:\n\t%[C%]: in function 'error'\n\tstdin:1: in function 'boom'\n\tstdin:1: in [^\n]+\n>", plain)
    assert.matches("Uncaught { code = 'E_EMIT' }\nstack traceback:\n\tstdin:1: in main chunk\n>", plain)
    assert_no_internals(plain)
  end)
end)
