-- from test/parallel/test-tls-client-mindhsize.js
local tls = require('tls')
local N = require('node.common')

local function dh1024()
  return (H.sh('openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_1024_160 2>/dev/null'))
end

-- Debian's OpenSSL is at security level 2, where both ends refuse a 1024-bit group before
-- minDHSize is looked at: the 1024-bit case lowers it to 1 on both sides (Node's OpenSSL is at 1)
local function attempt(dhparam, seclevel1)
  local ok, err = false, nil
  local level = seclevel1 and ':@SECLEVEL=1' or ''
  H.run(8000, function(done)
    N.server({ dhparam = dhparam, ciphers = 'DHE-RSA-AES128-GCM-SHA256' .. level }, function(conn) conn:_end() end,
      function(port, server)
        local c = tls.connect({ minDHSize = 2048, port = port, rejectUnauthorized = false, maxVersion = 'TLSv1.2',
            ciphers = seclevel1 and 'DEFAULT' .. level or nil },
          function() ok = true; server:close() end)
        c:on('error', function(e) err = e; server:close() end)
        c:on('close', function() done() end)
      end)
  end)
  return ok, err
end

describe('test-tls-client-mindhsize', function()
  it('minDHSize 2048 refuses a 1024-bit group (ERR_TLS_DH_PARAM_SIZE) and accepts a 2048-bit one', function()
    local ok, err = attempt(dh1024(), true)
    assert.is_false(ok)
    assert.equal('ERR_TLS_DH_PARAM_SIZE', err.code)
    ok, err = attempt(H.cert('dhparam.pem'))
    assert.is_true(ok)
    assert.is_nil(err)
  end)

  it('DH parameters under 1024 bits are refused when the server is made', function()
    local ok, err = pcall(tls.createServer, N.opts({ dhparam = H.cert('dhparam-small.pem') }))
    assert.is_false(ok)
    assert.matches('DH parameter is less than 1024 bits', err.message)
  end)

  it('a bad minDHSize raises ERR_OUT_OF_RANGE or ERR_INVALID_ARG_TYPE', function()
    for _, v in ipairs({ 0, -1, -math.huge, 0 / 0 }) do
      local ok, err = pcall(tls.connect, { minDHSize = v })
      assert.is_false(ok)
      assert.equal('ERR_OUT_OF_RANGE', err.code)
    end
    for _, v in ipairs({ true, false, {}, '', '1' }) do
      local ok, err = pcall(tls.connect, { minDHSize = v })
      assert.is_false(ok)
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    end
  end)
end)
