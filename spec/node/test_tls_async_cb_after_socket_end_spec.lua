-- from test/parallel/test-tls-async-cb-after-socket-end.js
local tls = require('tls')
local crypto = require('crypto')
local N = require('node.common')

describe('test-tls-async-cb-after-socket-end', function()
  it('a resumeSession callback answered after the client is gone changes nothing', function()
    local r = { secure = 0, new = 0, resume = 0 }
    H.run(5000, function(done)
      local session_cb, client
      local function nxt()
        if not client or not session_cb then return end
        client:destroy()
        setTimeout(function()
          r.late = session_cb()
          r.called_late = true
          done()
        end, 100)
      end
      local server
      server = N.server({ secureOptions = crypto.constants.SSL_OP_NO_TICKET }, function() r.secure = r.secure + 1 end,
        function(port)
          local opts = { maxVersion = 'TLSv1.2', port = port, host = '127.0.0.1', rejectUnauthorized = false }
          local s1
          s1 = tls.connect(opts, function()
            opts.session = s1:getSession()
            s1:destroy()
            local s2
            s2 = tls.connect(opts, function() s2:destroy() end)
            s2:on('error', function() end)
            s2:on('connect', function() client = s2; nxt() end)
          end)
        end)
      server:on('newSession', function(_, _, cb) r.new = r.new + 1; cb() end)
      server:on('resumeSession', function(_, cb)
        r.resume = r.resume + 1
        session_cb = cb
        nxt()
      end)
      local close_server = done
      done = function() server:close(close_server) end
    end)
    assert.equal(1, r.secure)
    assert.equal(1, r.new)
    assert.equal(1, r.resume)
    assert.is_true(r.called_late)
  end)
end)
