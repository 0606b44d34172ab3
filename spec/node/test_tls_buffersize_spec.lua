-- from test/parallel/test-tls-buffersize.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-buffersize', function()
  it('bufferSize counts bytes written and not yet sent, 0 again once finished', function()
    local r = { sizes = {} }
    H.run(5000, function(done)
      local server
      server = N.server({}, function(socket)
        local str = ''
        socket:on('data', function(d) str = str .. d end)
        socket:on('end', function() r.str = str; server:close(done) end)
      end, function(port)
        local client
        client = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          r.initial = client.bufferSize
          for i = 1, 9 do
            client:write('a')
            r.sizes[i] = client.bufferSize
          end
          client:on('finish', function() r.final = client.bufferSize end)
          client:_end()
        end)
      end)
    end)
    assert.equal(0, r.initial)
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9 }, r.sizes)
    assert.equal(0, r.final)
    assert.equal(('a'):rep(9), r.str)
  end)
end)
