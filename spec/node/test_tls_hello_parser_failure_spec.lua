-- from test/parallel/test-tls-hello-parser-failure.js
local net = require('net')
local N = require('node.common')

describe('test-tls-hello-parser-failure', function()
  it('a client sending 1 MiB of junk gets an error, then \'close\' with hadError', function()
    local errored, had_error = false, nil
    H.run(5000, function(done)
      local server
      server = N.server({}, function() end, function(port)
        local bonkers = ('*'):rep(1024 * 1024)
        local client
        client = net.connect(port, '127.0.0.1', function() client:write(bonkers) end)
        local again = setImmediate(function() client:write(bonkers) end)
        client:once('error', function()
          errored = true
          clearImmediate(again)
          client:destroy()
          server:close()
        end)
        client:on('close', function(h) had_error = h; done() end)
      end)
      server:on('tlsClientError', function() end)
    end)
    assert.is_true(errored)
    assert.is_true(had_error)
  end)
end)
