-- from test/parallel/test-tls-invoke-queued.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-invoke-queued', function()
  it('write callbacks run in order; a write queued before destroy() is still sent', function()
    local received, cbs = '', {}
    H.run(5000, function(done)
      local server
      server = N.server({}, function(c)
        c:write('hello ', nil, function()
          cbs[#cbs + 1] = 'hello'
          c:write('world!', nil, function() cbs[#cbs + 1] = 'world'; c:destroy() end)
          c:write(' gosh', nil, function() cbs[#cbs + 1] = 'gosh' end)
        end)
        server:close()
      end, function(port)
        local c
        c = tls.connect(port, '127.0.0.1', { rejectUnauthorized = false }, function()
          c:on('data', function(d) received = received .. d end)
          c:on('end', function() cbs[#cbs + 1] = 'end' end)
        end)
        c:on('close', function() done() end)
      end)
    end)
    assert.equal('hello world! gosh', received)
    assert.same({ 'hello', 'world', 'gosh', 'end' }, cbs)
  end)
end)
