-- from test/parallel/test-tls-fast-writing.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-fast-writing', function()
  it('a client writing as fast as write() and \'drain\' allow: the server reads every byte', function()
    local chunk = string.rep('x', 16 * 1024)
    local received, gotdrain = 0, false
    H.run(10000, function(done)
      local total = 400
      N.server({}, function(s)
        s:on('data', function(d) received = received + #d end)
        s:on('end', function() s:_end() end)
      end, function(port, server)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          local n = 0
          local function write()
            while n < total do
              n = n + 1
              if not c:write(chunk) then return end
            end
            c:_end()
          end
          c:on('drain', function() gotdrain = true; write() end)
          write()
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_true(gotdrain)
    assert.equal(400 * #chunk, received)
  end)
end)
