-- from test/parallel/test-tls-sni-option.js
local tls = require('tls')
local N = require('node.common')

local WRONG_KEY, WRONG_CERT = H.cert('wronghost-key.pem'), H.cert('wronghost-cert.pem')
local SELF_KEY, SELF_CERT = H.cert('selfsigned-key.pem'), H.cert('selfsigned-cert.pem')

-- contexts chosen by an SNICallback that answers 100 ms later
local CONTEXTS = {
  ['a.example.com'] = { key = WRONG_KEY, cert = WRONG_CERT, ca = { N.CA } },
  ['b.example.com'] = { key = WRONG_KEY, cert = WRONG_CERT },
  ['c.another.com'] = { empty = true },
}

local function attempt(client_opts)
  local r = {}
  H.run(5000, function(done)
    local server = tls.createServer(N.opts({ requestCert = true, rejectUnauthorized = false,
      SNICallback = function(name, cb)
        local context = CONTEXTS[name]
        setTimeout(function()
          if not context then cb(nil, nil)
          elseif context.empty then cb(nil, {})
          else cb(nil, tls.createSecureContext(context)) end
        end, 100)
      end }), function(c) r.server = { sni = c.servername, authorized = c.authorized } end)
    server:on('tlsClientError', function(err) r.server_error = err.message end)
    N.listen(server, function(port)
      local c
      c = tls.connect(N.merge(client_opts, { port = port, host = '127.0.0.1', rejectUnauthorized = false }), function()
        r.client = c.authorizationError == 'ERR_TLS_CERT_ALTNAME_INVALID'
        c:_end()
      end)
      c:on('error', function(e) r.client_error = e.message end)
      c:on('close', function() server:close(done) end)
    end)
  end)
  return r
end

describe('test-tls-sni-option', function()
  it('an asynchronous SNICallback picks each context, and each context\'s ca judges client certificates', function()
    local r = attempt({ key = SELF_KEY, cert = SELF_CERT, ca = { N.CA }, servername = 'a.example.com' })
    assert.same({ true, { sni = 'a.example.com', authorized = false } }, { r.client, r.server })
    r = attempt({ key = N.CLIENT_KEY, cert = N.CLIENT_CERT, ca = { N.CA }, servername = 'a.example.com' })
    assert.same({ true, { sni = 'a.example.com', authorized = true } }, { r.client, r.server })
    r = attempt({ key = SELF_KEY, cert = SELF_CERT, ca = { N.CA }, servername = 'b.example.com' })
    assert.same({ true, { sni = 'b.example.com', authorized = false } }, { r.client, r.server })
    -- no context for the name: the server's own certificate, which this client does not trust
    r = attempt({ key = WRONG_KEY, cert = WRONG_CERT, ca = { SELF_CERT }, servername = 'c.wrong.com' })
    assert.same({ false, { sni = 'c.wrong.com', authorized = false } }, { r.client, r.server })
    assert.is_nil(r.server_error)
    assert.is_nil(r.client_error)
  end)

  it('an empty options table as the context is an "Invalid SNI context"', function()
    local r = attempt({ key = WRONG_KEY, cert = WRONG_CERT, ca = { N.CA }, servername = 'c.another.com' })
    assert.is_nil(r.server)
    assert.equal('Invalid SNI context', r.server_error)
    assert.equal('Client network socket disconnected before secure TLS connection was established', r.client_error)
  end)
end)
