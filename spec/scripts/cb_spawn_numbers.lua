-- F29: child_process.spawn with numbers as arguments. Each number becomes a
-- string for argv; that string must live until posix_spawnp has copied it,
-- though no Lua value holds it. Runs printf '%s\n' 1 2 ... N and prints
-- whether its output is exactly the N numbers, one per line.
package.path = 'spec/scripts/?.lua;' .. package.path
local cp = require('child_process')
local C = require('cb_common')

local N = tonumber(arg[1]) or 20000
C.guard(10000)
local args = { '%s\n' }
for i = 1, N do args[#args + 1] = i end   -- numbers: no string for them exists yet
local out = {}
local child = cp.spawn('printf', args)
child.stdout:on('data', function(d) out[#out + 1] = d end)
child:on('close', function(code)
  local got = table.concat(out)
  local lines, first_bad = 0, nil
  for line in got:gmatch('([^\n]*)\n') do
    lines = lines + 1
    if not first_bad and line ~= tostring(lines) then first_bad = lines .. ':' .. line:sub(1, 20) end
  end
  C.say('exit', code)
  C.say('lines', lines)
  C.say('first-wrong-line', first_bad or 'none')
  C.say('exact', first_bad == nil and lines == N and got:sub(-1) == '\n')
end)
