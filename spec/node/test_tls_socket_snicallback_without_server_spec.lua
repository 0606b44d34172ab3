-- from test/parallel/test-tls-socket-snicallback-without-server.js
local tls = require('tls')
local stream = require('stream')

describe('test-tls-socket-snicallback-without-server', function()
  it('a server TLSSocket without a server asks its own SNICallback', function()
    local names = {}
    H.run(5000, function(done)
      local a, b = stream.Duplex(), stream.Duplex()
      a._write = function(_, chunk) b:push(chunk) end
      b._write = function(_, chunk) a:push(chunk) end
      local server = tls.TLSSocket(b, { isServer = true, SNICallback = function(name) names[#names + 1] = name; done() end })
      -- Node writes a browser's captured hello; here a client's, made on the spot
      local c = tls.connect({ socket = a, servername = 'www.google.com', rejectUnauthorized = false })
      c:on('error', function() end)
      server:on('error', function() end)
      local finish = done
      done = function() c:destroy(); server:destroy(); finish() end
    end)
    assert.same({ 'www.google.com' }, names)
  end)
end)
