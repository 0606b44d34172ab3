-- from test/parallel/test-tls-cert-regression.js
local tls = require('tls')

describe('test-tls-cert-regression', function()
  it('a server made from a PEM key and certificate listens and closes, twice', function()
    -- Node's test embeds an old 1024-bit certificate; here a fresh one of the same size,
    -- accepted at security level 1 (Debian's default level, 2, refuses 1024-bit keys)
    local key = H.sh('openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null')
    local path = os.tmpname()
    local f = io.open(path, 'w'); f:write(key); f:close()
    local cert = H.sh('openssl req -x509 -new -key ' .. path .. ' -days 2 -subj /CN=localhost 2>/dev/null')
    os.remove(path)
    local closed = 0
    H.run(5000, function(done)
      local function test(cb)
        local server
        server = tls.createServer({ cert = cert, key = key, ciphers = 'DEFAULT:@SECLEVEL=1' })
        server:listen(0, '127.0.0.1', function() server:close(function() closed = closed + 1; cb() end) end)
      end
      test(function() test(done) end)
    end)
    assert.equal(2, closed)
  end)
end)
