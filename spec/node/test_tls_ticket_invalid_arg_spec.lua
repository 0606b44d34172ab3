-- from test/parallel/test-tls-ticket-invalid-arg.js
local tls = require('tls')
local N = require('node.common')

describe('test-tls-ticket-invalid-arg', function()
  it('setTicketKeys refuses anything but 48 bytes', function()
    local server = tls.createServer(N.opts())
    for _, v in ipairs({ 'abc', 42, true, {} }) do
      local ok, err = pcall(server.setTicketKeys, server, v)
      assert.is_false(ok)
      assert.is_truthy(err.code == 'ERR_INVALID_ARG_TYPE' or err.code == 'ERR_INVALID_ARG_VALUE')
    end
    local ok, err = pcall(server.setTicketKeys, server, ('x'):rep(47))
    assert.is_false(ok)
    assert.matches('48', err.message)
  end)
end)
