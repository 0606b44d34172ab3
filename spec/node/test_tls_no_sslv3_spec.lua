-- from test/parallel/test-tls-no-sslv3.js
local N = require('node.common')

describe('test-tls-no-sslv3', function()
  it('an SSLv3 hello is refused: "version too low", or s_client cannot even offer it', function()
    local errors, code, stderr, secured = {}, nil, nil, false
    H.run(8000, function(done)
      local server = N.server({}, function() secured = true end, function(port, server)
        H.spawn('openssl', { 's_client', '-ssl3', '-connect', '127.0.0.1:' .. port }, function(c, _, err)
          code, stderr = c, err
          server:close(done)
        end).stdin:_end()
      end)
      server:on('tlsClientError', function(err) errors[#errors + 1] = err end)
    end)
    assert.is_false(secured)
    assert.equal(1, code)
    if stderr:find('[Uu]nknown option:? %-ssl3') or stderr:find("unknown option '%-ssl3'") then
      assert.equal(0, #errors)   -- this openssl cannot speak SSLv3 at all, as Node's test allows
    else
      assert.equal(1, #errors)
      assert.matches(':version too low', errors[1].message, 1, true)
    end
  end)
end)
