-- from test/parallel/test-tls-client-renegotiation-limit.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-renegotiation-limit', function()
  it('one renegotiation past CLIENT_RENEG_LIMIT is a session attack; the client closes without error', function()
    local saved = tls.CLIENT_RENEG_LIMIT
    local results = {}
    local ok, err = pcall(H.run, 15000, function(done)
      local limits, n = { 0, 1, 2, 3, 5, 10, 16 }, 0
      local function test_next()
        n = n + 1
        if n > #limits then return done() end
        tls.CLIENT_RENEG_LIMIT = limits[n]
        local r = { limit = limits[n], renegs = 0 }
        results[n] = r
        N.server({ maxVersion = 'TLSv1.2' }, function(conn)
          conn:on('error', function(e) r.server_error = e.message; conn:destroy() end)
          conn:pipe(conn)
        end, function(port, server)
          local c
          local function spam()
            c:write('')
            c:renegotiate({}, function(e)
              if e then return end   -- see the pending case below
              if r.renegs > tls.CLIENT_RENEG_LIMIT then r.within = false end
              spam()
            end)
            r.renegs = r.renegs + 1
          end
          c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, spam)
          c:on('error', function(e) r.client_error = e end)
          c:on('close', function(had) r.had_error = had; server:close(); process.nextTick(test_next) end)
        end)
      end
      test_next()
    end)
    tls.CLIENT_RENEG_LIMIT = saved
    assert(ok, err)
    assert.equal(7, #results)
    for _, r in ipairs(results) do
      assert.equal(r.limit + 1, r.renegs)
      assert.matches('TLS session renegotiation attack', r.server_error)
      assert.is_nil(r.client_error)
      assert.is_false(r.had_error)
      assert.is_nil(r.within)
    end
  end)

  it('the renegotiate callback is only called for renegotiations that succeeded', function()
    local saved = tls.CLIENT_RENEG_LIMIT
    local r = { renegs = 0 }
    local ok, err = pcall(H.run, 8000, function(done)
      tls.CLIENT_RENEG_LIMIT = 2
      N.server({ maxVersion = 'TLSv1.2' }, function(conn)
        conn:on('error', function() conn:destroy() end)
        conn:pipe(conn)
      end, function(port, server)
        local c
        local function spam()
          c:write('')
          c:renegotiate({}, function(e)
            r.cb_error = r.cb_error or e
            if r.renegs > tls.CLIENT_RENEG_LIMIT then r.within = false end
            if not e then spam() end
          end)
          r.renegs = r.renegs + 1
        end
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, spam)
        c:on('close', function() server:close(done) end)
      end)
    end)
    tls.CLIENT_RENEG_LIMIT = saved
    assert(ok, err)
    assert.is_nil(r.cb_error)
    assert.is_nil(r.within)
  end)
end)
