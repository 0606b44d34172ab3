-- from test/parallel/test-tls-set-encoding.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-set-encoding', function()
  it('setEncoding(\'ascii\') on a TLS client: data arrive as text, whole', function()
    local message = 'hello world\n'
    local buffer
    H.run(5000, function(done)
      N.server({}, function(s) s:_end(message) end, function(port, server)
        local client
        client = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false })
        client:setEncoding('ascii')
        client:on('data', function(d) buffer = (buffer or '') .. d end)
        client:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal(message, buffer)
  end)
end)
