-- from test/parallel/test-tls-disable-renegotiation.js
local tls = require('tls')
local N = require('node.common')

local function scenario()
    local r = { secure = 0, client_secure = 0, second_cb = false, throws = {} }
    H.run(8000, function(done)
      local server
      server = tls.Server(N.opts({ maxVersion = 'TLSv1.2' }), function(socket)
        socket:on('error', function(err)
          r.server_error = err
          socket:destroy()
          server:close()
        end)
        socket:on('data', function(chunk)
          socket:write(chunk)
          socket:disableRenegotiation()
        end)
        socket:on('secure', function() r.secure = r.secure + 1 end)
      end)
      N.listen(server, function(port)
        local options = { rejectUnauthorized = false, port = port, host = '127.0.0.1' }
        local client
        client = tls.connect(options, function()
          for _, args in ipairs({ {}, { function() end }, { {}, false } }) do
            local ok, err = pcall(client.renegotiate, client, table.unpack(args))
            r.throws[#r.throws + 1] = not ok and err.code or 'no error'
          end
          r.first_ok = client:renegotiate(options, function(err)
            r.first_err = err
            client:write('data', function()
              r.second_ok = client:renegotiate(options, function() r.second_cb = true end)
            end)
          end)
          client:on('secure', function() r.client_secure = r.client_secure + 1 end)
        end)
        client:on('data', function(d) r.echo = d end)   -- read, so that the end can be seen
        client:on('error', function(e) r.client_error = e end)
        client:on('close', function() r.client_closed = true; done() end)
      end)
    end)
    assert.same({ 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE' }, r.throws)
    assert.is_true(r.first_ok)
    assert.is_nil(r.first_err)
    assert.is_true(r.second_ok)
    assert.equal('ERR_TLS_RENEGOTIATION_DISABLED', r.server_error.code)
    assert.equal('TLS session renegotiation disabled for this socket', r.server_error.message)
    assert.is_true(r.client_secure >= 1)
    assert.is_true(r.client_closed)
    return r
end

describe('test-tls-disable-renegotiation', function()
  it('renegotiation works until disableRenegotiation(); then the server gets ERR_TLS_RENEGOTIATION_DISABLED', function()
    scenario()
  end)

  it('the refused renegotiation never calls its callback', function()
    assert.is_false(scenario().second_cb)
  end)
end)
