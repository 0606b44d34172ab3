-- The examples of doc/stream.md run as they are, and print what their
-- `-->` comments say.
local fs = require('fs')

local function examples(path)
  local text = fs.readFileSync(path)
  local list = {}
  for block in text:gmatch('```lua\n(.-)```') do
    local want = {}
    for line in block:gmatch('[^\n]*') do
      local out = line:match('%-%-> ?(.*)$')
      if out then want[#want + 1] = out end
    end
    list[#list + 1] = { code = block, want = table.concat(want, '\n') .. (#want > 0 and '\n' or '') }
  end
  return list
end

describe('doc/stream.md', function()
  for i, ex in ipairs(examples('doc/stream.md')) do
    it(('example %d prints what it says'):format(i), function()
      local path = H.script(ex.code)
      local out, code = H.sh(('timeout 20 %s %s 2>&1'):format(H.LUATLS, path))
      os.remove(path)
      assert.equal(0, code, out)
      assert.equal(ex.want, out)
    end)
  end
end)
