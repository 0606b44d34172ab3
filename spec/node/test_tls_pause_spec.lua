-- from test/parallel/test-tls-pause.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-pause', function()
  it('a paused server stops reading; the client\'s writes fill up until resume(), then all arrive', function()
    local size = 1024 * 1024
    local sent, received, paused_seen = 0, 0, false
    H.run(10000, function(done)
      N.server({}, function(s)
        s:pause()
        setTimeout(function()
          paused_seen = s:isPaused()
          s:on('data', function(d) received = received + #d end)
          s:resume()
        end, 100)
        s:on('end', function() s:_end() end)
      end, function(port, server)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          local chunk = string.rep('x', 64 * 1024)
          local function send()
            while sent < size do
              sent = sent + #chunk
              if not c:write(chunk) then return c:once('drain', send) end
            end
            c:_end()
          end
          send()
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_true(paused_seen)
    assert.equal(size, sent)
    assert.equal(size, received)
  end)
end)
