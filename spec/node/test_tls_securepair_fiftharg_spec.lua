-- from test/parallel/test-tls-securepair-fiftharg.js
local tls = require('tls')
local stream = require('stream')
local N = require('node.common')

describe('test-tls-securepair-fiftharg', function()
  it('createSecurePair\'s fifth argument gives options: its SNICallback sees the hello\'s name', function()
    local names = {}
    H.run(5000, function(done)
      local pair = tls.createSecurePair(tls.createSecureContext(N.opts()), true, false, false, {
        SNICallback = function(servername) names[#names + 1] = servername; done() end,
      })
      -- a browser's hello for www.google.com in Node's fixture; here a client's, made on the spot
      local wire = stream.Duplex()
      wire._write = function(_, chunk) pair.encrypted:write(chunk) end
      local c = tls.connect({ socket = wire, servername = 'www.google.com', rejectUnauthorized = false })
      c:on('error', function() end)
      local finish = done
      done = function() c:destroy(); pair.cleartext:destroy(); finish() end
    end)
    assert.same({ 'www.google.com' }, names)
  end)
end)
