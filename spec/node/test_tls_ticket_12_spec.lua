-- from test/parallel/test-tls-ticket-12.js
local tls = require('tls')
local N = require('node.common')

-- servers that share ticket keys; clients go round them, each resuming the session
-- the previous connection received
local function run(max_version)
  local keys = require('crypto').randomBytes(48)
  local reused, counts, secure_order = {}, {}, {}
  H.run(10000, function(done)
    local servers, ports = {}, {}
    local ready = H.countdown(3, function()
      local session, i = nil, 0
      local function nxt()
        i = i + 1
        if i > 6 then
          local all = H.countdown(3, done)
          for _, s in ipairs(servers) do s:close(all) end
          return
        end
        local idx = (i - 1) % 3 + 1
        local c
        c = tls.connect({ port = ports[idx], host = '127.0.0.1', rejectUnauthorized = false, session = session,
          maxVersion = max_version }, function()
          reused[i] = c:isSessionReused()
        end)
        c:on('session', function(s) session = s end)
        c:on('data', function() end)
        c:on('close', nxt)
      end
      nxt()
    end)
    for idx = 1, 3 do
      counts[idx] = 0
      local s = tls.createServer(N.opts({ ticketKeys = keys, maxVersion = max_version }), function(c)
        counts[idx] = counts[idx] + 1
        secure_order[#secure_order + 1] = idx
        c:_end()
      end)
      servers[idx] = s
      N.listen(s, function(port) ports[idx] = port; ready() end)
    end
  end)
  return reused, counts, keys, secure_order
end

describe('test-tls-ticket-12', function()
  it('servers sharing ticketKeys resume each other\'s sessions (TLS 1.2)', function()
    local reused, counts = run('TLSv1.2')
    assert.same({ false, true, true, true, true, true }, reused)
    assert.same({ 2, 2, 2 }, counts)
  end)
end)
