-- from test/parallel/test-tls-connect-stream-writes.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local N = require('node.common')

describe('test-tls-connect-stream-writes', function()
  it('a client over a Duplex that relays a net socket: 50 writes then end arrive whole', function()
    local received, sent = {}, {}
    H.run(5000, function(done)
      local server
      server = N.server({ ciphers = 'AES256-GCM-SHA384', maxVersion = 'TLSv1.2' }, function(s)
        s:on('data', function(d) received[#received + 1] = d end)
        s:on('close', function() done() end)
      end, function(port)
        local raw = net.connect(port, '127.0.0.1')
        local p = stream.Duplex()
        p._write = function(_, chunk) raw:write(chunk) end
        p._final = function() raw:_end() end
        raw:on('data', function(d) p:push(d) end)
        raw:on('end', function() p:push(nil) end)
        local socket
        socket = tls.connect({ socket = p, rejectUnauthorized = false }, function()
          for _ = 1, 50 do
            socket:write('hello world')
            sent[#sent + 1] = 'hello world'
          end
          socket:_end()
          server:close()
        end)
      end)
    end)
    assert.equal(table.concat(sent), table.concat(received))
    assert.equal(50 * #'hello world', #table.concat(received))
  end)
end)
