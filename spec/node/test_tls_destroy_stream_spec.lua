-- from test/parallel/test-tls-destroy-stream.js
local tls = require('tls')
local net = require('net')
local stream = require('stream')
local N = require('node.common')

-- two duplexes joined back to back
local function duplex_pair()
  local a, b = stream.Duplex(), stream.Duplex()
  a._write = function(_, chunk) b:push(chunk) end
  b._write = function(_, chunk) a:push(chunk) end
  a._final = function() b:push(nil) end
  b._final = function() a:push(nil) end
  return a, b
end

local function scenario(hand_over)
    local r = { data = '' }
    H.run(5000, function(done)
      local function on_secure(s)
        s:on('close', function() r.server_closed = true end)
        s:on('error', function(e) if e.code ~= 'ERR_STREAM_DESTROYED' then r.server_error = e end end)
        s:write('Hello World')
        s:destroy()
      end
      local tls_server = tls.createServer(N.opts(), on_secure)
      local server
      server = net.createServer(function(conn)
        conn:on('error', function(e) r.conn_error = e end)
        conn:once('data', function(chunk)
          local client_side, server_side = duplex_pair()
          server_side:on('close', function() conn:destroy() end)
          client_side:pipe(conn)
          conn:pipe(client_side)
          conn:on('close', function() client_side:destroy() end)
          client_side:on('close', function() conn:destroy() end)
          process.nextTick(function() conn:unshift(chunk) end)
          hand_over(tls_server, server_side, on_secure)
        end)
      end)
      N.listen(server, function(port)
        local c
        c = tls.connect({ port = port, host = '127.0.0.1', rejectUnauthorized = false }, function()
          r.secure = true
          c:on('data', function(d) r.data = r.data .. d end)
          c:on('error', function(e) r.client_error = e end)
          c:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.is_true(r.secure)
    assert.is_true(r.server_closed)
    assert.is_nil(r.server_error)
    assert.is_nil(r.conn_error)
    assert.is_nil(r.client_error)
    assert.is_true(r.data == '' or r.data == 'Hello World')
end

describe('test-tls-destroy-stream', function()
  it('a server TLSSocket over a duplex that writes then destroys: the client closes cleanly', function()
    scenario(function(server, duplex, on_secure)
      local s = tls.TLSSocket(duplex, { isServer = true, server = server })
      s:on('secure', function() on_secure(s) end)
    end)
  end)

  it('the same with the duplex handed to the server by emit(\'connection\')', function()
    scenario(function(server, duplex) server:emit('connection', duplex) end)
  end)
end)
