-- from test/parallel/test-tls-interleave.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-interleave', function()
  it('writes queued before and after the handshake arrive in order, both ways', function()
    local writes = { 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J' }
    local server_got, client_got = '', ''
    H.run(5000, function(done)
      N.server({}, function(c)
        for _, w in ipairs(writes) do c:write(w) end
        c:on('data', function(d) server_got = server_got .. d; if #server_got == #writes then c:_end() end end)
      end, function(port, server)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        for i = 1, 5 do c:write(writes[i]) end
        c:on('secureConnect', function() for i = 6, 10 do c:write(writes[i]) end end)
        c:on('data', function(d) client_got = client_got .. d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal(table.concat(writes), server_got)
    assert.equal(table.concat(writes), client_got)
  end)
end)
