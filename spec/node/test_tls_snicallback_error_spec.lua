-- from test/parallel/test-tls-snicallback-error.js
local tls = require('tls')
local net = require('net')

local BAD = { 'fhqwhgads', 42, {}, { 1 } }

describe('test-tls-snicallback-error', function()
  it('createServer refuses an SNICallback that is not a function', function()
    for _, cb in ipairs(BAD) do
      local ok, err = pcall(tls.createServer, { SNICallback = cb })
      assert.is_false(ok)
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    end
  end)

  it('so does a server TLSSocket', function()
    for _, cb in ipairs(BAD) do
      local s = net.Socket()
      local ok, err = pcall(tls.TLSSocket, s, { isServer = true, SNICallback = cb })
      assert.is_false(ok)
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    end
  end)
end)
