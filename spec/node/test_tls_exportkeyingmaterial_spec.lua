-- from test/parallel/test-tls-exportkeyingmaterial.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

local function scenario()
    local r = {}
    local function code_of(f, ...)
      local ok, err = pcall(f, ...)
      return not ok and err.code or 'no error'
    end
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s)
        local t = tls.TLSSocket(s, { isServer = true, server = server, secureContext = tls.createSecureContext(N.opts()) })
        local ok, err = pcall(t.exportKeyingMaterial, t, 128, 'label')
        r.before = not ok and { err.code, err.message }
        t:on('secure', function()
          local label = 'client finished'
          r.plain = t:exportKeyingMaterial(128, label)
          r.ctx = t:exportKeyingMaterial(128, label, '\0\1\2\3')
          r.empty = t:exportKeyingMaterial(128, label, '')
          r.codes = {
            code_of(t.exportKeyingMaterial, t, 128, label, 1234),
            code_of(t.exportKeyingMaterial, t, 10, nil),
            code_of(t.exportKeyingMaterial, t, 'length', 1234),
            code_of(t.exportKeyingMaterial, t, -3, 'a'),
            code_of(t.exportKeyingMaterial, t, 0, 'a'),
          }
          t:_end()
          server:close(done)
        end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function() c:_end() end)
      end)
    end)
    assert.equal(128, #r.plain)
    assert.equal(128, #r.ctx)
    assert.are_not.equal(r.plain, r.ctx)
    assert.equal(128, #r.empty)
    -- Node refuses a string context (it wants a Buffer); in Lua a string is the buffer
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE',
      'ERR_OUT_OF_RANGE' }, r.codes)
    return r
end

describe('test-tls-exportkeyingmaterial', function()
  it('exportKeyingMaterial once secure: lengths, contexts and argument checks', function()
    scenario()
  end)

  it('before the handshake it raises ERR_TLS_INVALID_STATE', function()
    assert.same({ 'ERR_TLS_INVALID_STATE', 'TLS socket connection must be securely established' }, scenario().before)
  end)
end)
