-- from test/parallel/test-tls-session-cache.js
local crypto = require('crypto')
local N = require('node.common')

-- openssl s_client -reconnect: one full handshake and five resumed ones, the sessions kept by
-- the server's newSession/resumeSession listeners (tickets off) or by OpenSSL's cache
local function run(with_hooks, tickets)
  local store, r = {}, { new = 0, resume = 0, connections = 0 }
  H.run(15000, function(done)
    local server = N.server({ secureOptions = (not tickets) and crypto.constants.SSL_OP_NO_TICKET or nil,
      maxVersion = 'TLSv1.2' }, function(s) r.connections = r.connections + 1; s:on('data', function() end); s:_end('hello') end,
      function(port, server)
        H.spawn('openssl', { 's_client', '-tls1_2', '-connect', '127.0.0.1:' .. port, '-reconnect' },
          function(_, out) r.out = out; server:close(done) end).stdin:_end()
      end)
    if with_hooks then
      server:on('newSession', function(id, data, cb) r.new = r.new + 1; store[id] = data; cb() end)
      server:on('resumeSession', function(id, cb) r.resume = r.resume + 1; cb(nil, store[id]) end)
    end
  end)
  local _, reused = r.out:gsub('\nReused, ', '')
  r.reused = reused
  return r
end

describe('test-tls-session-cache', function()
  it('session ids with the script\'s cache: one new session, five resumed', function()
    local r = run(true, false)
    assert.equal(6, r.connections)
    assert.equal(5, r.reused)
    assert.equal(1, r.new)
    assert.equal(5, r.resume)
  end)

  it('tickets: five resumed without asking the script', function()
    local r = run(true, true)
    assert.equal(5, r.reused)
    assert.equal(0, r.resume)
  end)

  it('session ids with OpenSSL\'s own cache', function()
    local r = run(false, false)
    assert.equal(5, r.reused)
  end)
end)
