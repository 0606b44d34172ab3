-- Tab offers what can be typed: no keywords after `.` or `:`, no class
-- machinery or _-prefixed internals, fields of require('mod'), lazy fields.
local R = require('repl_session')

local function has_line(screen, text)
  for _, l in ipairs(screen) do if l == text then return true end end
  return false
end

describe('Tab completion in the REPL', function()
  teardown(function() os.remove(R.history) end)

  it('offers methods that can be typed after :', function()
    local code, out, left = R.run({
      R.expect('> '),
      R.line('sock = tls.TLSSocket()'), R.expect('> '),
      R.send('sock:\t\t'), R.expect('sock:write'), R.pause(100), R.send('\21'), R.pause(100),
      R.send('sock:en\t'), R.expect('ableTrace'), R.send('\21'), R.pause(100),
      R.send('sock:_\t'), R.expect('end'), R.pause(100), R.send('\21'),
      R.line('.exit'),
    }, { cols = 400 })
    assert.equal(0, left)
    assert.equal(0, code)
    local plain = R.plain(out)
    local list = assert(plain:match('> sock:\n(.-)> sock:'), plain)
    assert.matches('sock:_end', list)
    assert.matches('sock:getPeerCertificate', list)
    for _, bad in ipairs({ 'sock:end', 'sock:new', 'sock:init', 'sock:extend', 'sock:__tostring', 'sock:_describe',
                           'sock:instanceof', 'sock:super' }) do
      assert.is_nil(list:find(bad .. '%f[^%w_]'), bad .. ' offered:\n' .. list)
    end
  end)

  it("completes the fields of require('tls'), and lazy fields such as tls.rootCertificates", function()
    local code, out, left = R.run({
      R.expect('> '),
      R.send([[require("tls").createSecureC]] .. '\t'), R.expect('ontext'), R.send('\21'), R.pause(100),
      R.send([[x = require('tls').getC]] .. '\t'), R.expect('iphers'), R.send('\21'), R.pause(100),
      R.send('#tls.rootC\t'), R.expect('ertificates'), R.send('\r'), R.expect('> '),
      R.line('.exit'),
    })
    assert.equal(0, left)
    assert.equal(0, code)
    local screen = R.screen(out, 200)
    assert.is_true(has_line(screen, '> #tls.rootCertificates'), table.concat(screen, '\n'))
    assert.matches('\n%d+\r?\n', R.plain(out))
  end)
end)
