-- A TLS socket hands a read to Lua as soon as the kernel had nothing more,
-- without another SSL_read that would only meet EAGAIN: bytes that arrive
-- later, records held in OpenSSL's buffer, and a close_notify in the same
-- segment as data must still all be seen, in order, on TLS 1.2 and 1.3.
local tls = require('tls')

local function client(port, version, ready)
  return tls.connect(port, '127.0.0.1', { ca = H.cert('ca-cert.pem'), servername = 'localhost',
    minVersion = version, maxVersion = version }, ready)
end

local function message(i) return ('%04d:'):format(i) .. ('m'):rep(i % 97) .. '\n' end

describe('reads that drain the socket', function()
  for _, version in ipairs({ 'TLSv1.2', 'TLSv1.3' }) do
    it(version .. ': 300 request/response rounds, each a small record that drains the socket', function()
      local answers, want = {}, {}
      for i = 1, 300 do want[i] = message(i) end
      H.run(10000, function(done)
        local server
        server = H.serve({}, function(s)
          s:setNoDelay(true)
          s:on('data', function(d) s:write(d) end)
          s:on('end', function() s:_end() end)
        end, function(_, port)
          local c
          local i, pending = 1, ''
          c = client(port, version, function()
            c:setNoDelay(true)
            c:write(want[1])
          end)
          c:on('data', function(d)
            pending = pending .. d
            while i <= 300 and #pending >= #want[i] do
              answers[i] = pending:sub(1, #want[i])
              pending = pending:sub(#want[i] + 1)
              i = i + 1
              if i <= 300 then c:write(want[i]) else c:_end() end
            end
          end)
          c:on('close', function() server:close(done) end)
        end)
      end)
      assert.equal(300, #answers)
      assert.same(want, answers)
    end)

    it(version .. ': data and close_notify in one segment: all the data, then end', function()
      local payload = ('0123456789abcdef'):rep(700)   -- 11,200 bytes: one record, less than a full one
      local got, order = {}, {}
      H.run(10000, function(done)
        local server
        server = H.serve({}, function(s)
          s:on('data', function(d)
            got[#got + 1] = d
            if order[#order] ~= 'data' then order[#order + 1] = 'data' end
          end)
          s:on('end', function()
            order[#order + 1] = 'end'
            s:_end()
            server:close(done)
          end)
        end, function(_, port)
          local c
          c = client(port, version, function() c:_end(payload) end)
          c:on('error', function() end)
        end)
      end)
      assert.equal(payload, table.concat(got))
      assert.same({ 'data', 'end' }, order)
    end)

    it(version .. ': 400 records queued in the kernel while the server paused all arrive', function()
      local sent, got = {}, {}
      H.run(15000, function(done)
        local server, accepted, written
        local function resume_when_ready()
          if accepted and written then accepted:resume() end
        end
        server = H.serve({}, function(s)
          s:pause()
          accepted = s
          s:on('data', function(d) got[#got + 1] = d end)
          s:on('end', function()
            s:_end()
            server:close(done)
          end)
          resume_when_ready()
        end, function(_, port)
          local c
          local i = 0
          -- each write waits for the previous one's callback: one record, one segment each
          local function next_write()
            i = i + 1
            if i > 400 then
              written = true
              resume_when_ready()
              c:_end()
              return
            end
            sent[i] = message(i)
            c:write(sent[i], next_write)
          end
          c = client(port, version, function()
            c:setNoDelay(true)
            next_write()
          end)
          c:on('error', function() end)
        end)
      end)
      assert.equal(table.concat(sent), table.concat(got))
    end)
  end
end)
