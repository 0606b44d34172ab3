-- from test/parallel/test-tls-client-destroy-soon.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-destroy-soon', function()
  it('end(big) then destroySoon(): the client still reads all 2 MiB before \'end\'', function()
    local big = string.rep('Y', 2 * 1024 * 1024)
    local read, ended, secured = 0, false, 0
    H.run(10000, function(done)
      N.server({}, function(s)
        secured = secured + 1
        s:_end(big)
        s:destroySoon()
      end, function(port, server)
        local c
        c = tls.connect({ port = port, rejectUnauthorized = false }, function()
          c:on('data', function(d) read = read + #d end)
          c:on('end', function() ended = true; server:close() end)
        end)
        c:on('close', function() done() end)
      end)
    end)
    assert.equal(1, secured)
    assert.is_true(ended)
    assert.equal(#big, read)
  end)
end)
