-- from test/parallel/test-tls-connect-abort-controller.js
local tls = require('tls')
local util = require('util')
local N = require('node.common')

-- As Node's test: each way of aborting, one after the other, against one server. `make`
-- builds the socket from the signal; `abort` aborts the controller at the right moment.
-- Node checks the count of the signal's 'abort' listeners right after the socket is made,
-- and that events.once(socket, 'close') rejects with an AbortError (an 'error' before 'close').
local function case(make, before, after)
  return function(port, r, nxt)
    local ac = util.AbortController()
    if before then before(ac) end
    local socket = make({ port = port, host = 'localhost', signal = ac.signal, rejectUnauthorized = false })
    r.listeners = r.listeners or {}
    table.insert(r.listeners, ac.signal:listenerCount('abort'))
    local err
    socket:on('error', function(e) err = err or e end)
    socket:on('close', function()
      r.errors = r.errors or {}
      table.insert(r.errors, err and err.name or 'no error')
      nxt()
    end)
    if after then after(ac) end
  end
end

local connect = function(o) return tls.connect(o) end
local construct = function(o) return tls.TLSSocket(nil, o) end
local pre = function(ac) ac:abort() end
local post = function(ac) ac:abort() end
local tick = function(ac) setImmediate(function() ac:abort() end) end

describe('test-tls-connect-abort-controller', function()
  it('tls.connect and tls.TLSSocket with an AbortSignal: aborted before, after or a tick after, the socket fails with AbortError', function()
    local cases = {
      case(connect, nil, post),       -- postAbort
      case(connect, pre, nil),        -- preAbort
      case(connect, nil, tick),       -- tickAbort
      case(construct, pre, nil),      -- testConstructor
      case(construct, nil, post),     -- testConstructorPost
      case(construct, nil, tick),     -- testConstructorPostTick
    }
    local r = {}
    H.run(8000, function(done)
      N.server({}, function() end, function(port, server)
        local steps = {}
        for i, c in ipairs(cases) do steps[i] = function(nxt) c(port, r, nxt) end end
        N.series(steps, function() server:close(done) end)
      end)
    end)
    assert.same({ 1, 0, 1, 0, 1, 1 }, r.listeners)
    assert.same({ 'AbortError', 'AbortError', 'AbortError', 'AbortError', 'AbortError', 'AbortError' }, r.errors)
  end)
end)
