-- from test/parallel/test-tls-enable-keylog-cli.js
local N = require('node.common')

describe('test-tls-enable-keylog-cli', function()
  it('--tls-keylog=FILE appends every secret of the process\'s connections to FILE', function()
    local file = os.tmpname()
    local out, code = N.luatls({ '--tls-keylog=' .. file }, [[
      local tls, fs = require('tls'), require('fs')
      local server = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem'), maxVersion = 'TLSv1.2' }, function(s) s:_end('x') end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = '127.0.0.1', rejectUnauthorized = false })
        c:on('data', function() end)
        c:on('close', function() server:close() end)
      end)
    ]])
    local log = io.open(file):read('a')
    os.remove(file)
    assert.equal(0, code, out)
    local _, lines = log:gsub('CLIENT_RANDOM %x+ %x+\n', '')
    assert.equal(2, lines)   -- the client's and the server's line for the one TLS 1.2 handshake
  end)
end)
