-- from test/parallel/test-tls-client-resume.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-resume', function()
  it('the session from the \'session\' event resumes; getSession() right after a TLS 1.3 handshake is another one', function()
    local r = { sessions = 0, secured = 0 }
    H.run(8000, function(done)
      local server = tls.Server(N.opts(), function(s) r.secured = r.secured + 1; s:_end('Goodbye') end)
      N.listen(server, function(port)
        local sessionx, session1
        local function reconnect()
          r.same = sessionx == session1
          local c2
          c2 = tls.connect({ port = port, rejectUnauthorized = false, session = session1 }, function()
            r.reused2 = c2:isSessionReused()
          end)
          c2:on('close', function() server:close(done) end)
          c2:resume()
        end
        local c1
        c1 = tls.connect({ port = port, rejectUnauthorized = false }, function()
          r.tls13 = c1:getProtocol() == 'TLSv1.3'
          r.reused1 = c1:isSessionReused()
          sessionx = c1:getSession()
          assert.is_string(sessionx)
          if session1 then reconnect() end
        end)
        c1:on('data', function() r.data1 = true end)
        c1:once('session', function(s)
          session1 = s
          if sessionx then reconnect() end
        end)
        c1:on('session', function() r.sessions = r.sessions + 1 end)
        c1:on('close', function() r.closed_sessions = r.sessions end)
        c1:resume()
      end)
    end)
    assert.is_false(r.reused1)
    assert.is_true(r.data1)
    assert.is_true(r.tls13)
    assert.is_false(r.same)
    assert.equal(2, r.closed_sessions)
    assert.is_true(r.reused2)
    assert.equal(2, r.secured)
  end)
end)
