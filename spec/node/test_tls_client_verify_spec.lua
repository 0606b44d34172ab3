-- from test/parallel/test-tls-client-verify.js
local tls = require('tls')
local N = require('node.common')

-- servers: signed by the CA / self-signed / signed by the intermediate (sent alone)
local SERVERS = {
  { key = 'server-key.pem', cert = 'server-cert.pem' },
  { key = 'selfsigned-key.pem', cert = 'selfsigned-cert.pem' },
  { key = 'chain-server-key.pem', cert = 'chain-server-cert.pem' },
}

local function run_case(ca)
  local out = {}
  H.run(10000, function(done)
    local i = 0
    local function next_server()
      i = i + 1
      if i > #SERVERS then return done() end
      local server = tls.createServer({ key = H.cert(SERVERS[i].key), cert = H.cert(SERVERS[i].cert) },
        function(s) s:_end('hello world\n') end)
      N.listen(server, function(port)
        local got, authorized = '', nil
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', ca = ca, key = N.CLIENT_KEY, cert = N.CLIENT_CERT,
          rejectUnauthorized = false }, function()
          authorized = c.authorized or c.authorizationError == 'ERR_TLS_CERT_ALTNAME_INVALID'
          server:close()
        end)
        c:on('data', function(d) got = got .. d end)
        c:on('end', function() out[i] = { authorized, got } end)
        c:on('close', next_server)
      end)
    end
    next_server()
  end)
  return out
end

describe('test-tls-client-verify', function()
  it('rejectUnauthorized=false: authorized tells which servers the ca list verifies', function()
    local hello = 'hello world\n'
    assert.same({ { true, hello }, { false, hello }, { false, hello } }, run_case({ N.CA }))
    assert.same({ { false, hello }, { false, hello }, { false, hello } }, run_case({}))
    assert.same({ { true, hello }, { false, hello }, { true, hello } }, run_case({ N.CA, H.cert('intermediate-cert.pem') }))
  end)
end)
