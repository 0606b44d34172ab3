-- from test/parallel/test-tls-no-cert-required.js
local tls = require('tls')

describe('test-tls-no-cert-required', function()
  it('servers without key or certificate can be made and listen', function()
    local listened = 0
    H.run(5000, function(done)
      local finish = H.countdown(3, done)
      for _, s in ipairs({ tls.createServer(), tls.createServer({}), tls.createServer(function() end) }) do
        s:listen(0, '127.0.0.1', function() listened = listened + 1; s:close(finish) end)
      end
    end)
    assert.equal(3, listened)
  end)
end)
