-- from test/parallel/test-tls-dhe.js
local tls = require('tls')
local N = require('node.common')

local DHE, ECDHE = 'DHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256'

-- s_client against a server with these DH parameters: its stdout
local function probe(dhparam, seclevel)
  local out
  H.run(8000, function(done)
    N.server({ ciphers = DHE .. ':' .. ECDHE .. (seclevel or ''), dhparam = dhparam, maxVersion = 'TLSv1.2' },
      function(conn) conn:_end() end, function(port, server)
        H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port, '-cipher', DHE .. ':' .. ECDHE .. ':@SECLEVEL=1' },
          function(_, stdout) out = stdout; server:close(done) end).stdin:_end()
      end)
  end)
  return out
end

local function dh1024()
  return (H.sh('openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 2>/dev/null'))
end

describe('test-tls-dhe', function()
  it('without dhparam DHE is off and ECDHE is chosen', function()
    assert.matches('Cipher    : ' .. ECDHE, probe(nil), 1, true)
  end)

  it('dhparam \'auto\' picks a group as strong as the key (2048 bits)', function()
    local out = probe('auto')
    assert.matches('Server Temp Key: DH, 2048 bits', out, 1, true)
    assert.matches('Cipher    : ' .. DHE, out, 1, true)
  end)

  it('parameters under 1024 bits are refused', function()
    local ok, err = pcall(tls.createServer, N.opts({ ciphers = DHE, dhparam = H.cert('dhparam-small.pem') }))
    assert.is_false(ok)
    assert.matches('DH parameter is less than 1024 bits', err.message)
  end)

  it('custom 1024- and 2048-bit parameters are used', function()
    -- Debian's OpenSSL refuses 1024-bit groups below security level 1; Node's own library allows them
    local out = probe(dh1024(), ':@SECLEVEL=1')
    assert.matches('Server Temp Key: DH, 1024 bits', out, 1, true)
    assert.matches('Cipher    : ' .. DHE, out, 1, true)
    out = probe(H.cert('dhparam.pem'))
    assert.matches('Server Temp Key: DH, 2048 bits', out, 1, true)
    assert.matches('Cipher    : ' .. DHE, out, 1, true)
  end)

  it('invalid parameters are discarded and ECDHE stays on', function()
    local bad = '-----BEGIN DH PARAMETERS-----\nMIGHAoGBAP//////////\n-----END DH PARAMETERS-----\n'
    assert.matches('Cipher    : ' .. ECDHE, probe(bad), 1, true)
  end)
end)
