-- from test/parallel/test-tls-wrap-event-emmiter.js
local tls = require('tls')
local events = require('events')

describe('test-tls-wrap-event-emmiter', function()
  it('a TLSSocket over a bare EventEmitter is a type error, not a crash', function()
    local ok, err = pcall(tls.TLSSocket, events.EventEmitter())
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  end)
end)
