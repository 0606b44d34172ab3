-- TLS sockets over duplexes and taken-over net sockets when a script destroys
-- things from inside their own callbacks, and tls.Server:emit('connection', x)
-- with what is not a fresh socket: nothing crashes, leaks or hangs.
local tls = require('tls')
local net = require('net')
local stream = require('stream')

local C = H.cert
local CA = C('ca-cert.pem')
local CTX = tls.createSecureContext({ key = C('server-key.pem'), cert = C('server-cert.pem') })

local function joined()
  local a, b = stream.Duplex(), stream.Duplex()
  a._write = function(_, chunk, _, cb) b:push(chunk); cb() end
  b._write = function(_, chunk, _, cb) a:push(chunk); cb() end
  a._final = function(_, cb) b:push(nil); if cb then cb() end end
  b._final = function(_, cb) a:push(nil); if cb then cb() end end
  return a, b
end

-- a client over a and a server over b; hook(client, server, a, b) adds the hostile part
local function pair(hook, done)
  local a, b = joined()
  local server = tls.TLSSocket(b, { isServer = true, secureContext = CTX })
  local client = tls.connect({ socket = a, servername = 'localhost', ca = CA })
  client:on('error', function() end)
  server:on('error', function() end)
  local closed = H.countdown(2, done)
  -- the duplexes tell each other nothing of a destroy: one side's close ends the other
  client:on('close', function() server:destroy(); closed() end)
  server:on('close', function() client:destroy(); closed() end)
  hook(client, server, a, b)
end

describe('TLS over a duplex destroyed from inside its callbacks', function()
  it("the duplex's write destroys the TLS socket that writes to it", function()
    H.run(5000, function(done)
      pair(function(_, server, _, b)
        local w = b._write
        b._write = function(self, chunk, enc, cb)
          server:destroy()
          return w(self, chunk, enc, cb)
        end
      end, done)
    end)
  end)

  it("'secure' destroys the server's duplex, then the socket; 'data' destroys the client's", function()
    H.run(5000, function(done)
      pair(function(client, server, a, b)
        server:on('secure', function() b:destroy(); server:destroy(); server:destroy() end)
        client:on('data', function() a:destroy(); client:write('x') end)
      end, done)
    end)
  end)

  it("the client's 'secureConnect' destroys its duplex and writes", function()
    local wrote
    H.run(5000, function(done)
      pair(function(client, _, a)
        client:on('secureConnect', function() a:destroy(); wrote = client:write('after') end)
      end, done)
    end)
    assert.is_boolean(wrote)
  end)
end)

describe('a net.Socket taken over by a TLSSocket', function()
  it('written to and destroyed after the TLSSocket is destroyed', function()
    local results = {}
    H.run(5000, function(done)
      local server = tls.createServer({ key = C('server-key.pem'), cert = C('server-cert.pem') })
      server:on('tlsClientError', function() end)
      server:listen(0, '127.0.0.1', function()
        local raw = net.connect(server:address().port, '127.0.0.1')
        raw:on('connect', function()
          local t = tls.connect({ socket = raw, servername = 'localhost', ca = CA })
          t:on('error', function() end)
          t:on('secureConnect', function()
            t:destroy()
            local ok, err = pcall(raw.write, raw, 'raw bytes', function(e) results.cb = e and e.code end)
            results.write = { ok, err and err.code }
            raw:destroy()
            raw:destroy()
          end)
          t:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.is_string(results.cb)
  end)
end)

describe("tls.Server:emit('connection', x)", function()
  it('with a closed socket, a table that is not a stream, and the same socket twice', function()
    local errors_seen, got = 0, nil
    H.run(5000, function(done)
      local server = tls.createServer({ key = C('server-key.pem'), cert = C('server-cert.pem') })
      server:on('tlsClientError', function() errors_seen = errors_seen + 1 end)
      server:on('secureConnection', function(s) s:_end('hi') end)
      server:listen(0, '127.0.0.1', function()
        for _, odd in ipairs({ {}, { on = 1 }, setmetatable({}, { __index = function() error('no') end }) }) do
          pcall(server.emit, server, 'connection', odd)
        end
        local plain = net.createServer(function(sock)
          sock:destroy()
          pcall(server.emit, server, 'connection', sock)
        end)
        plain:listen(0, '127.0.0.1', function()
          local c = net.connect(plain:address().port, '127.0.0.1')
          c:on('error', function() end)
          c:on('close', function()
            local a, b = joined()
            pcall(server.emit, server, 'connection', b)
            pcall(server.emit, server, 'connection', b)
            local t = tls.connect({ socket = a, servername = 'localhost', ca = CA })
            t:on('error', function() end)
            t:on('data', function(d) got = d end)
            t:on('close', function() plain:close(function() server:close(done) end) end)
          end)
        end)
      end)
    end)
    assert.equal('hi', got)
  end)
end)
