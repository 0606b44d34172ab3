-- from test/parallel/test-tls-connect-given-socket.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

-- a server that ends every connection with 'Hello'; body(port, establish, finish)
local function scenario(body)
  local r = { secure = 0, ended = {}, state = {} }
  H.run(5000, function(done)
    local server
    server = N.server({}, function(s)
      s:on('error', function() end)
      s:_end('Hello')
    end, function(port)
      local function establish(sock, name)
        local c
        c = tls.connect({ rejectUnauthorized = false, socket = sock }, function()
          r.secure = r.secure + 1
          local data = ''
          c:on('data', function(d) data = data .. d end)
          c:on('end', function() r.ended[name] = data end)
        end)
        r.state[name] = { c.readable, c.writable }
        return c
      end
      body(port, establish, function() server:close(done) end)
    end)
  end)
  return r
end

describe('test-tls-connect-given-socket', function()
  it('a TLS socket destroyed at once, before its net socket connected', function()
    local r = scenario(function(port, establish, finish)
      local c = establish(net.connect(port, '127.0.0.1'), 'immediate')
      c:on('close', finish)
      c:destroy()
    end)
    assert.same({ true, true }, r.state.immediate)
    assert.equal(0, r.secure)
  end)

  it('a TLS socket destroyed from its net socket\'s connect listener', function()
    local r = scenario(function(port, establish, finish)
      local tls_sock
      local sock = net.connect(port, '127.0.0.1', function() tls_sock:destroy() end)
      tls_sock = establish(sock, 'outliving')
      tls_sock:on('close', finish)
    end)
    assert.same({ true, true }, r.state.outliving)
    assert.equal(0, r.secure)
  end)

  it('over a net socket already connected, and one still connecting', function()
    local r = scenario(function(port, establish, finish)
      local all = H.countdown(2, finish)
      local connected
      connected = net.connect(port, '127.0.0.1', function()
        establish(connected, 'connected'):on('close', all)
      end)
      establish(net.connect(port, '127.0.0.1'), 'connecting'):on('close', all)
    end)
    assert.same({ true, true }, r.state.connected)
    assert.same({ true, true }, r.state.connecting)
    assert.equal(2, r.secure)
    assert.same({ connected = 'Hello', connecting = 'Hello' }, r.ended)
  end)
end)
