-- from test/parallel/test-tls-socket-allow-half-open-option.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')

describe('test-tls-socket-allow-half-open-option', function()
  it('TLSSocket\'s allowHalfOpen without a socket: false by default, true when asked', function()
    assert.is_false(tls.TLSSocket().allowHalfOpen)
    assert.is_true(tls.TLSSocket(nil, { allowHalfOpen = true }).allowHalfOpen)
  end)

  it('over a given socket or duplex the option is ignored', function()
    local made = {
      tls.TLSSocket(net.Socket(), { allowHalfOpen = true }),
      tls.TLSSocket(stream.Duplex({ allowHalfOpen = false }), { allowHalfOpen = true }),
    }
    local seen = {}
    for i, s in ipairs(made) do seen[i] = s.allowHalfOpen; s:destroy() end
    assert.same({ false, false }, seen)
    H.run(2000, function(done) setImmediate(done) end)   -- the 'close' events, then no handle is left
  end)
end)
