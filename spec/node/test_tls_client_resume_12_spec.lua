-- from test/parallel/test-tls-client-resume-12.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-client-resume-12', function()
  it('TLS 1.2: getSession() equals the \'session\' event\'s, emitted once, and it resumes', function()
    local r = { sessions = 0 }
    H.run(8000, function(done)
      local server = tls.Server(N.opts({ maxVersion = 'TLSv1.2' }), function(s) s:_end('Goodbye') end)
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
          r.protocol = c1:getProtocol()
          r.reused1 = c1:isSessionReused()
          sessionx = c1:getSession()
          if session1 then reconnect() end
        end)
        c1:once('session', function(s)
          session1 = s
          if sessionx then reconnect() end
        end)
        c1:on('session', function() r.sessions = r.sessions + 1 end)
        c1:on('close', function() r.closed_sessions = r.sessions end)
        c1:resume()
      end)
    end)
    assert.equal('TLSv1.2', r.protocol)
    assert.is_false(r.reused1)
    assert.is_true(r.same)
    assert.equal(1, r.closed_sessions)
    assert.is_true(r.reused2)
  end)
end)
