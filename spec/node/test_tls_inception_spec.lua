-- from test/parallel/test-tls-inception.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-inception', function()
  it('TLS inside TLS: a proxy relays an inner TLS connection over its own', function()
    local body = string.rep('A', 40 * 1024)
    local got, inner_authorized = {}, nil
    H.run(10000, function(done)
      -- b: the real server; a: a TLS proxy that forwards to b in plain TCP
      local net = require('net')
      N.server({}, function(s) s:_end(body) end, function(b_port, b_server)
        N.server({}, function(s)
          local dest = net.connect(b_port, '127.0.0.1')
          s:pipe(dest)
          dest:pipe(s)
          dest:on('end', function() s:destroy() end)
        end, function(a_port, a_server)
          local outer
          outer = tls.connect({ port = a_port, host = '127.0.0.1', rejectUnauthorized = false }, function()
            local inner
            inner = tls.connect({ socket = outer, servername = 'localhost', ca = N.CA }, function()
              inner_authorized = inner.authorized
            end)
            inner:on('data', function(d) got[#got + 1] = d end)
            inner:on('close', function()
              outer:destroy()
              a_server:close()
              b_server:close()
              done()
            end)
          end)
        end)
      end)
    end)
    assert.is_true(inner_authorized)
    assert.equal(body, table.concat(got))
  end)
end)
