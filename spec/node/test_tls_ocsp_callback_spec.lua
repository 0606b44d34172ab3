-- from test/parallel/test-tls-ocsp-callback.js
local tls = require('tls')
local N = require('node.common')

local function attempt(response, requestOCSP)
  local r = { requests = 0 }
  H.run(5000, function(done)
    local server = N.server({ ca = N.CA }, function(s) s:_end('hello world') end, function(port, server)
      local c
      c = tls.connect({ port = port, host = '127.0.0.1', ca = N.CA, servername = 'localhost', requestOCSP = requestOCSP },
        function() r.secure = true end)
      c:on('OCSPResponse', function(resp) r.response = resp or 'none' end)
      c:on('data', function(d) r.data = d end)
      c:on('close', function() server:close(done) end)
    end)
    server:on('OCSPRequest', function(cert, issuer, cb)
      r.requests = r.requests + 1
      r.cert_is_string = type(cert) == 'string'
      r.issuer_is_string = type(issuer) == 'string'
      setImmediate(function() cb(nil, response) end)
    end)
  end)
  return r
end

describe('test-tls-ocsp-callback', function()
  it('a stapled response reaches a client that asked; none when the server has none', function()
    local staple = H.cert('server-ocsp.der')
    local r = attempt(staple, true)
    assert.same({ 1, true, staple, 'hello world' }, { r.requests, r.cert_is_string, r.response, r.data })
    r = attempt(nil, true)
    assert.same({ 1, 'none', 'hello world' }, { r.requests, r.response, r.data })
    r = attempt(staple, false)
    assert.same({ 0, nil, 'hello world' }, { r.requests, r.response, r.data })
  end)

  it('the OCSPRequest listener gets the issuer\'s certificate, found in the ca option', function()
    assert.is_true(attempt(H.cert('server-ocsp.der'), true).issuer_is_string)
  end)
end)
