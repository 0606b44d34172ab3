-- from test/parallel/test-tls-close-event-after-write.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-close-event-after-write', function()
  it('a server socket that wrote 1 MiB with end() still gets \'close\'', function()
    local closed, read = false, 0
    local size = 1024 * 1024
    H.run(10000, function(done)
      local cconn, sconn
      local function go()
        if cconn and sconn then
          cconn:resume()
          sconn:resume()
          sconn:_end(string.rep('\0', size))
        end
      end
      local server
      server = N.server({}, function(c)
        c:on('close', function() closed = true; server:close(done) end)
        sconn = c
        go()
      end, function(port)
        local c
        c = tls.connect(port, '127.0.0.1', { rejectUnauthorized = false }, function()
          cconn = c
          c:on('data', function(d)
            read = read + #d
            if read == size then c:_end() end
          end)
          go()
        end)
      end)
    end)
    assert.is_true(closed)
    assert.equal(size, read)
  end)
end)
