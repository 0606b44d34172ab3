-- Drives the REPL through a real pseudo-terminal (util-linux `script`), step
-- by step: each step waits for the output before it, as a person would.
--   local R = require('repl_session')
--   local code, out, left = R.run({ R.expect('> '), R.line('1 + 1'), R.expect('2'), R.line('.exit') })
-- Steps: { expect = text } waits for text (after what earlier steps matched);
-- { send = keys } types; { wait = function(seen, from) -> bool } waits for a
-- condition on the whole output; { pause = ms } lets time pass; { call = fn(child) }.
local R = {}

R.history = os.tmpname()

local function env_for(extra)
  -- values print without colours unless a spec asks for them (NO_COLOR = false)
  local env = { PATH = os.getenv('PATH'), HOME = os.getenv('HOME'), TERM = 'xterm',
    LUATLS_HISTORY = R.history, NO_COLOR = '1' }
  for k, v in pairs(extra or {}) do env[k] = v or nil end
  return env
end

-- starts `script` running luatls with args; finish(code, output) when it ends
function R.session(steps, finish, options)
  options = options or {}
  local cmd = 'exec ' .. H.LUATLS .. (options.args and (' ' .. options.args) or '')
  if options.cols then cmd = 'stty cols ' .. options.cols .. ' rows 40; ' .. cmd end
  local child = H.spawn('script', { '-qfec', cmd, '/dev/null' }, function(code, out)
    finish(code, out)
  end, { env = env_for(options.env) })
  if os.getenv('REPL_SPEC_DEBUG') then
    child.stdout:on('data', function(d) io.stderr:write((d:gsub('\27', 'ESC'))) end)
  end
  local seen, from, i = '', 1, 1
  local timer, poll
  local advance
  -- a condition may come true without output (another process): look again soon
  local function look_again()
    if poll then return end
    poll = setTimeout(function() poll = nil; advance() end, 50)
  end
  function advance()
    while i <= #steps do
      local step = steps[i]
      if step.send then
        child.stdin:write(step.send)
        i = i + 1
      elseif step.call then
        step.call(child, seen)
        i = i + 1
      elseif step.pause then
        if timer then return end
        timer = setTimeout(function()
          timer = nil
          i = i + 1
          advance()
        end, H.ms(step.pause))
        return
      elseif step.wait then
        if not step.wait(seen, from) then return look_again() end
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
  child.seen = function() return seen end
  advance()
  return child
end

-- runs a session to its end: exit code, whole output, steps not reached
function R.run(steps, options)
  local code, out, left
  H.run((options and options.timeout) or 20000, function(done)
    local child
    child = R.session(steps, function(c, o) code, out, left = c, o, child.steps_left(); done() end, options)
  end)
  return code, out, left
end

function R.line(text) return { send = text .. '\r' } end
function R.expect(text) return { expect = text } end
function R.send(keys) return { send = keys } end
function R.pause(ms) return { pause = ms } end

-- waits for a line of output (not typed text) that starts with text
function R.printed(text, cols)
  return { wait = function(seen)
    for _, l in ipairs(R.screen(seen, cols or 400)) do
      if l:sub(1, #text) == text then return true end
    end
    return false
  end }
end

-- the output without escape sequences and carriage returns: what the lines say
function R.plain(out)
  return (out:gsub('\27%[[%d;?]*[%a@]', ''):gsub('\27[()][%w]', ''):gsub('[\r\7]', ''))
end

-- What a terminal shows at the end: the output played on a screen of cols
-- columns (enough of VT100 for libedit and the REPL: cursor moves, erases).
function R.screen(out, cols)
  cols = cols or 80
  local rows, r, c = { {} }, 1, 1
  local function row(n) rows[n] = rows[n] or {} return rows[n] end
  local i = 1
  while i <= #out do
    local ch = out:sub(i, i)
    if ch == '\27' then
      local params, final = out:match('^%[([%d;?]*)([%a@])', i + 1)
      if params then
        i = i + 2 + #params
        local n = tonumber(params:match('^%d+')) or 1
        if final == 'A' then r = math.max(1, r - n)
        elseif final == 'B' then r = r + n
        elseif final == 'C' then c = c + n
        elseif final == 'D' then c = math.max(1, c - n)
        elseif final == 'K' then
          local t = row(r)
          for k = c, cols do t[k] = nil end
        elseif final == 'J' then
          local t = row(r)
          for k = c, cols do t[k] = nil end
          for k = r + 1, #rows do rows[k] = {} end
        elseif final == 'G' then c = n
        elseif final == 'H' then
          local a, b = params:match('^(%d*);?(%d*)$')
          r, c = tonumber(a) or 1, tonumber(b) or 1
        elseif final == 'P' then
          local t = row(r)
          for k = c, cols do t[k] = t[k + n] end
        elseif final == '@' then
          local t = row(r)
          for k = cols, c + n, -1 do t[k] = t[k - n] end
          for k = c, c + n - 1 do t[k] = ' ' end
        end
      else
        i = i + 1
        local two = out:sub(i, i)
        if two == '(' or two == ')' then i = i + 1 end
      end
    elseif ch == '\r' then c = 1
    elseif ch == '\n' then r = r + 1
    elseif ch == '\b' then c = math.max(1, c - 1)
    elseif ch == '\7' then -- bell
    else
      if c > cols then r, c = r + 1, 1 end
      row(r)[c] = ch
      c = c + 1
    end
    i = i + 1
  end
  local lines = {}
  for n = 1, #rows do
    local t, last = rows[n] or {}, 0
    for k in pairs(t) do if k > last then last = k end end
    local parts = {}
    for k = 1, last do parts[k] = t[k] or ' ' end
    lines[n] = table.concat(parts)
  end
  while #lines > 0 and lines[#lines] == '' do lines[#lines] = nil end
  return lines
end

return R
