-- from test/parallel/test-tls-finished.js
local tls = require('tls')
local N = require('node.common')

local function scenario(before)
    local msg = {}
    H.run(5000, function(done)
      local server
      server = N.server({}, function(alice)
        msg.server = { alice = alice:getFinished(), bob = alice:getPeerFinished() }
        server:close(done)
      end, function(port)
        local bob
        bob = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          msg.client = { alice = bob:getPeerFinished(), bob = bob:getFinished() }
          bob:_end()
        end)
        if before then msg.before = { alice = bob:getPeerFinished(), bob = bob:getFinished() } end
      end)
    end)
    return msg
end

describe('test-tls-finished', function()
  it('getFinished()/getPeerFinished() once secure: the same messages seen from both ends', function()
    local msg = scenario(false)
    for _, side in ipairs({ 'server', 'client' }) do
      for _, who in ipairs({ 'alice', 'bob' }) do
        assert.is_string(msg[side][who])
        assert.is_true(#msg[side][who] > 0)
      end
    end
    assert.equal(msg.server.alice, msg.client.alice)
    assert.equal(msg.server.bob, msg.client.bob)
  end)

  it('before the handshake both are nil', function()
    local msg = scenario(true)
    assert.is_nil(msg.before.alice)
    assert.is_nil(msg.before.bob)
  end)
end)
