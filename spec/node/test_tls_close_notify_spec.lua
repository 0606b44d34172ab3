-- from test/parallel/test-tls-close-notify.js
local tls = require('tls')

-- Node's test makes its server send close_notify without a TCP FIN through the internal
-- c._handle.shutdownSSL(); luatls has no such call, so the server here is Node itself
local SERVER = [[
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({ key: fs.readFileSync('certs/server-key.pem'),
  cert: fs.readFileSync('certs/server-cert.pem') }, (c) => {
  if (c._handle.shutdownSSL() !== 1) c._handle.shutdownSSL();
  c.on('close', () => server.close());
}).listen(0, '127.0.0.1', () => console.log(server.address().port));
]]

describe('test-tls-close-notify', function()
  it('a close_notify alone, without the TCP end, still gives the client \'end\'', function()
    local ended, secured = false, false
    H.run(10000, function(done)
      local child = H.spawn('node', { '-e', SERVER }, function() done() end)
      local started = false
      child.stdout:on('data', function(d)
        if started then return end
        started = true
        local c
        c = tls.connect(tonumber(d:match('%d+')), '127.0.0.1', { rejectUnauthorized = false }, function()
          secured = true
          c:on('end', function() ended = true; c:destroy() end)
        end)
      end)
    end)
    assert.is_true(secured)
    assert.is_true(ended)
  end)
end)
