-- from test/parallel/test-tls-keylog-tlsv13.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-keylog-tlsv13', function()
  it('five NSS key log lines on each end of a TLS 1.3 handshake', function()
    local server_lines, client_lines, socket_arg = {}, {}, nil
    H.run(5000, function(done)
      local server
      server = N.server({ minVersion = 'TLSv1.3' }, function(s) s:_end() end, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('keylog', function(line) client_lines[#client_lines + 1] = line end)
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
      server:on('keylog', function(line, s) server_lines[#server_lines + 1] = line; socket_arg = s end)
    end)
    assert.equal(5, #server_lines)
    assert.equal(5, #client_lines)
    assert.is_table(socket_arg)
    -- the same secrets on both ends, in the order each end made them
    table.sort(server_lines)
    table.sort(client_lines)
    for i, line in ipairs(server_lines) do
      assert.matches('^[A-Z_0-9]+ %x+ %x+\n$', line)
      assert.equal(line, client_lines[i])
    end
  end)
end)
