-- from test/parallel/test-tls-alpn-server-client.js
local tls = require('tls')
local N = require('node.common')

-- one server, several clients in turn; each result is { server = alpn, client = alpn or error }
local function run(server_opts, clients)
  local results = {}
  H.run(8000, function(done)
    local idx = 0
    local server = tls.createServer(N.opts(server_opts), function(s)
      results[idx].server = s.alpnProtocol
    end)
    N.listen(server, function(port)
      local function next_client()
        idx = idx + 1
        if idx > #clients then return server:close(done) end
        results[idx] = {}
        local c
        c = tls.connect(N.merge(clients[idx], { port = port, host = '127.0.0.1', rejectUnauthorized = false }), function()
          results[idx].client = c.alpnProtocol
          c:_end()
        end)
        c:on('error', function(e) results[idx].error = e end)
        c:on('close', next_client)
      end
      next_client()
    end)
  end)
  return results
end

describe('test-tls-alpn-server-client', function()
  it('server and client with ALPN: the server picks its first protocol the client offers', function()
    local r = run({ ALPNProtocols = { 'a', 'b', 'c' } },
      { { ALPNProtocols = { 'a', 'b', 'c' } }, { ALPNProtocols = { 'c', 'b', 'e' } }, { ALPNProtocols = { 'x', 'y', 'c' } } })
    assert.same({ 'a', 'a' }, { r[1].server, r[1].client })
    assert.same({ 'b', 'b' }, { r[2].server, r[2].client })
    assert.same({ 'c', 'c' }, { r[3].server, r[3].client })
  end)

  it('server with ALPN, clients without: nothing negotiated', function()
    local r = run({ ALPNProtocols = { 'a', 'b', 'c' } }, { {}, {}, {} })
    for i = 1, 3 do assert.same({ false, false }, { r[i].server, r[i].client }) end
  end)

  it('server without ALPN, clients with it (or a misspelled option): nothing negotiated', function()
    local r = run({}, { { ALPNrotocols = { 'a', 'b', 'c' } }, { ALPNProtocols = { 'c', 'b', 'e' } },
      { ALPNProtocols = { 'first-priority-unsupported', 'x', 'y' } } })
    for i = 1, 3 do assert.same({ false, false }, { r[i].server, r[i].client }) end
  end)

  it('neither side: nothing negotiated', function()
    local r = run({}, { {}, {}, {} })
    for i = 1, 3 do assert.same({ false, false }, { r[i].server, r[i].client }) end
  end)

  it('no protocol in common is a fatal no_application_protocol alert (120)', function()
    local client_err, stderr
    H.run(8000, function(done)
      local server = tls.createServer(N.opts({ ALPNProtocols = { 'foo' } }), function() error('no connection expected') end)
      N.listen(server, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, ALPNProtocols = { 'bar' } },
          function() error('no secureConnect expected') end)
        c:on('error', function(e)
          client_err = e
          H.spawn('openssl', { 's_client', '-alpn', 'bar', '-connect', '127.0.0.1:' .. port }, function(_, _, err)
            stderr = err
            server:close(done)
          end).stdin:_end()
        end)
      end)
    end)
    -- Node's client sees ECONNRESET; luatls reports the alert itself (doc/tls.md, ALPN)
    assert.equal('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', client_err.code)
    assert.matches('alert number 120', stderr)
  end)

  it('ALPNCallback picks the client\'s second choice; none is a refused handshake', function()
    local calls = 0
    local r = run({ ALPNCallback = function(info) calls = calls + 1; return info.protocols[2] end },
      { { ALPNProtocols = { 'a', 'b', 'c' } }, { ALPNProtocols = { 'a' } } })
    assert.equal(2, calls)
    assert.same({ 'b', 'b' }, { r[1].server, r[1].client })
    assert.is_nil(r[2].server)
    assert.is_nil(r[2].client)
    assert.is_not_nil(r[2].error)
  end)

  it('an ALPNCallback result the client did not offer is ERR_TLS_ALPN_CALLBACK_INVALID_RESULT', function()
    local server_err, client_err, secured = nil, nil, false
    H.run(8000, function(done)
      local server = tls.createServer(N.opts({ ALPNCallback = function() return 'http/5' end }), function() secured = true end)
      server:on('tlsClientError', function(e) server_err = e end)
      N.listen(server, function(port)
        local c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false, ALPNProtocols = { 'http/1', 'h2' } })
        c:on('error', function(e) client_err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.is_false(secured)
    assert.equal('ERR_TLS_ALPN_CALLBACK_INVALID_RESULT', server_err.code)
    assert.is_not_nil(client_err)
  end)

  it('ALPNCallback together with ALPNProtocols is refused', function()
    local ok, err = pcall(tls.createServer, { ALPNCallback = function() return 'a' end, ALPNProtocols = { 'b', 'c' } })
    assert.is_false(ok)
    assert.equal('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS', err.code)
  end)
end)
