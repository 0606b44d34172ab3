-- from test/parallel/test-tls-connect-hwm-option.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-connect-hwm-option', function()
  it('highWaterMark sets readableHighWaterMark: 128000, the 64 KiB default, or 0', function()
    local got = {}
    H.run(5000, function(done)
      local clients, secured = 3, 0
      local server
      server = N.server({}, function()
        secured = secured + 1
        clients = clients - 1
        if clients == 0 then server:close(done) end
      end, function(port)
        for name, hwm in pairs({ high = 128000, default = false, zero = 0 }) do
          local c
          c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, highWaterMark = hwm or nil }, function()
            got[name] = c.readableHighWaterMark
            c:_end()
          end)
        end
      end)
    end)
    assert.same({ high = 128000, default = 64 * 1024, zero = 0 }, got)
  end)
end)
