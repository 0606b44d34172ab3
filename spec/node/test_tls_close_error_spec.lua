-- from test/parallel/test-tls-close-error.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-close-error', function()
  it('a client that fails verification gets \'error\' then \'close\' with hadError', function()
    local errors, had_error, connected = 0, nil, false
    H.run(8000, function(done)
      N.server({}, function() end, function(port, server)
        local c = tls.connect(port, '127.0.0.1', function() connected = true end)
        c:on('error', function() errors = errors + 1 end)
        c:on('close', function(err) had_error = err; server:close(done) end)
      end)
    end)
    assert.is_false(connected)
    assert.equal(1, errors)
    assert.is_truthy(had_error)
  end)
end)
