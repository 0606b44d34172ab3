-- from test/parallel/test-tls-socket-default-options.js
local tls = require('tls')
local N = require('node.common')

-- a client TLSSocket made directly, then connect(port): its 'secure' event and verify result
local function test(client_opts)
  local r = {}
  H.run(5000, function(done)
    local server
    server = N.server({}, function(conn)
      local recv = ''
      conn:on('data', function(d) recv = recv .. d end)
      conn:on('end', function() r.server_recv = recv; server:close(done) end)
    end, function(port)
      local s = tls.TLSSocket(nil, client_opts)
      s:connect(port, '127.0.0.1')
      s:on('connect', function() s:_end('hello') end)
      s:on('secure', function() r.verify = s.authorizationError or 'none' end)
      s:on('error', function(e) r.error = e end)
    end)
  end)
  return r
end

describe('test-tls-socket-default-options', function()
  it('new TLSSocket(nil, options):connect(): \'secure\' comes whatever the verification; the caller checks it', function()
    local unverified = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
    for _, case in ipairs({
      { nil, unverified }, { {}, unverified },
      { { secureContext = tls.createSecureContext({ ca = N.CA }) }, 'none' },
      { { ca = N.CA }, 'none' },
      { { secureContext = tls.createSecureContext(), ca = N.CA }, unverified },
    }) do
      local r = test(case[1])
      assert.is_nil(r.error)
      assert.equal(case[2], r.verify)
      assert.equal('hello', r.server_recv)
    end
  end)
end)
