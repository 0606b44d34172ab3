-- server:drain() (a listener sharing its address, closing without migration)
-- takes in what was queued when it started, not every connection that keeps
-- arriving meanwhile: a flood of clients cannot keep close() from returning.
local core = require('luatls.core')
local net = require('net')

describe('a listener draining its queue', function()
  it('accepts only what was queued when the drain began', function()
    local drained, accepted, made = nil, 0, 0
    H.run(20000, function(done)
      local h = assert(core.tcp_listen('127.0.0.1', 0, 511, nil, 'drain'))
      local _, port = h:sockname()
      local clients = {}
      local function client()
        local c = net.connect(port, '127.0.0.1')
        c:on('error', function() end)
        clients[#clients + 1] = c
        return c
      end
      -- started only now, so that the loop accepts nothing before the drain
      local ready = H.countdown(5, function()
        h:start(function(_, stream)
          accepted = accepted + 1
          stream:close()
          -- each connection taken in brings another, as a flood would
          if drained == nil and made < 200 then made = made + 1; client() end
        end)
        drained = h:drain()
        h:close()
        for _, c in ipairs(clients) do c:destroy() end
        done()
      end)
      for _ = 1, 5 do client():on('connect', ready) end
    end)
    assert.equal(5, drained)
    assert.equal(5, accepted)
  end)

  it('a listener closed by a connection it takes in while draining, then closed again', function()
    local drained, seen = nil, 0
    H.run(20000, function(done)
      local h = assert(core.tcp_listen('127.0.0.1', 0, 511, nil, 'drain'))
      local _, port = h:sockname()
      local clients = {}
      local ready = H.countdown(3, function()
        h:start(function(_, stream)
          seen = seen + 1
          stream:close()
          if drained == nil then h:close(); h:close() end
        end)
        drained = h:drain()
        h:close()
        assert.is_nil(h:sockname())
        for _, c in ipairs(clients) do c:destroy() end
        done()
      end)
      for i = 1, 3 do
        clients[i] = net.connect(port, '127.0.0.1')
        clients[i]:on('error', function() end)
        clients[i]:on('connect', ready)
      end
    end)
    assert.equal(1, drained)
    assert.equal(1, seen)
  end)
end)
