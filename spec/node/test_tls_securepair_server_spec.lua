-- from test/parallel/test-tls-securepair-server.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

describe('test-tls-securepair-server', function()
  it('createSecurePair piped to a net socket serves openssl s_client: hello, then an echo', function()
    local r = {}
    H.run(8000, function(done)
      local server
      server = net.createServer(function(socket)
        -- Node's test also narrows the ciphers with context.setCiphers(), the native context's method
        local pair = tls.createSecurePair(tls.createSecureContext(N.opts()), true)
        r.writable = { pair.encrypted.writable, pair.cleartext.writable }
        pair.encrypted:pipe(socket)
        socket:pipe(pair.encrypted)
        pair:on('secure', function()
          pair.cleartext:write('hello\r\n')
          r.cipher = pair.cleartext:getCipher().name
        end)
        pair.cleartext:on('data', function(d) pair.cleartext:write(d) end)
        for _, e in ipairs({ pair.cleartext, pair.encrypted, socket }) do e:on('error', function() socket:destroy() end) end
      end)
      N.listen(server, function(port)
        local out = ''
        local child
        child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port }, function(code)
          r.code = code
          server:close(done)
        end)
        child.stdout:on('data', function(d)
          out = out .. d
          if not r.hello and out:find('hello') then r.hello = true; child.stdin:write('world\r\n'); r.sent = true end
          if not r.world and out:find('world') then r.world = true; child.stdin:_end() end
        end)
      end)
    end)
    assert.same({ true, true }, r.writable)
    assert.is_string(r.cipher)
    assert.is_true(r.hello)
    assert.is_true(r.sent)
    assert.is_true(r.world)
    assert.equal(0, r.code)
  end)
end)
