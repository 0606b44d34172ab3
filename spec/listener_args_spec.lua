-- What listeners receive: 'drop' carries both ends as Node 20's does, and the
-- callbacks a Lua script cannot reach through `this` get their object.
local net = require('net')
local tls = require('tls')

local function has_node()
  local _, code = H.sh('command -v node >/dev/null')
  return code == 0
end

describe("server 'drop'", function()
  -- one connection is held, the next is dropped; returns what 'drop' gave
  -- and the dropped client's own port
  local function drop_once(listen_args, connect_args)
    local info, nargs, client_port
    H.run(5000, function(done)
      local held
      local server = net.createServer(function(s) s:on('data', function() end) end)
      server.maxConnections = 1
      server:on('drop', function(...)
        nargs = select('#', ...)
        info = ...
        held:destroy()
        server:close(done)
      end)
      server:listen(table.unpack(listen_args(function()
        held = net.connect(connect_args(server), function()
          local b = net.connect(connect_args(server), function(sock) client_port = sock.localPort end)
          b:on('error', function() end)
          b:on('data', function() end)
        end)
        held:on('error', function() end)
      end)))
    end)
    return info, nargs, client_port
  end

  it('carries localAddress, localPort, localFamily, remoteAddress, remotePort, remoteFamily (side by side)', function()
    local server_port
    local info, nargs, client_port = drop_once(function(cb) return { 0, '127.0.0.1', cb } end,
      function(server) server_port = server:address().port; return { port = server_port, host = '127.0.0.1' } end)
    assert.equal(1, nargs)
    assert.same({ localAddress = '127.0.0.1', localPort = server_port, localFamily = 'IPv4',
      remoteAddress = '127.0.0.1', remotePort = client_port, remoteFamily = 'IPv4' }, info)
    if has_node() then
      local out
      H.run(10000, function(done)
        H.spawn('node', { '-e', [[
          const net = require('net');
          const server = net.createServer((s) => s.resume());
          server.maxConnections = 1;
          let held, port, b;
          server.on('drop', function (d) {
            console.log(JSON.stringify({ n: arguments.length, keys: Object.keys(d).sort(),
              local: d.localAddress === '127.0.0.1' && d.localPort === port && d.localFamily === 'IPv4',
              remote: d.remoteAddress === '127.0.0.1' && d.remotePort === b.localPort && d.remoteFamily === 'IPv4' }));
            held.destroy(); server.close();
          });
          server.listen(0, '127.0.0.1', () => {
            port = server.address().port;
            held = net.connect(port, '127.0.0.1', () => {
              b = net.connect(port, '127.0.0.1');
              b.on('error', () => {});
            });
          });
        ]] }, function(code, stdout, err)
          assert.equal(0, code, err)
          out = stdout
          done()
        end)
      end)
      local keys = {}
      for k in pairs(info) do keys[#keys + 1] = ('"%s"'):format(k) end
      table.sort(keys)
      assert.equal(('{"n":1,"keys":[%s],"local":true,"remote":true}\n'):format(table.concat(keys, ',')), out)
    end
  end)

  it('has no argument for a Unix socket, as in Node', function()
    local path = os.tmpname()
    os.remove(path)
    path = path .. '.sock'
    local info, nargs = drop_once(function(cb) return { path, cb } end, function() return path end)
    assert.is_nil(info)
    assert.equal(0, nargs)
  end)
end)

describe('callbacks receive their object (Lua has no `this`)', function()
  it("net.connect's and socket:connect's callback and 'connect' listeners get the socket; listen's callback gets the server", function()
    local seen = {}
    H.run(5000, function(done)
      local server
      server = net.createServer(function(s) s:on('data', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function(srv)
        seen.listen = srv == server
        local port = server:address().port
        local c1
        c1 = net.connect(port, '127.0.0.1', function(sock)
          seen.connect_cb = sock == c1
          sock:write('hello')
        end)
        c1:on('connect', function(sock) seen.connect_event = sock == c1 end)
        c1:on('data', function() end)
        c1:on('close', function()
          local c2 = net.Socket()
          c2:connect({ port = port, host = '127.0.0.1' }, function(sock)
            seen.method_cb = sock == c2
            sock:_end()
          end)
          c2:on('data', function() end)
          c2:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ listen = true, connect_cb = true, connect_event = true, method_cb = true }, seen)
  end)

  it("tls.connect's callback ('secureConnect') gets the socket; a tls server's listen callback gets the server", function()
    local seen, got = {}, nil
    H.run(5000, function(done)
      local server
      server = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        s:on('data', function(d) s:_end('echo ' .. d) end)
      end)
      server:listen(0, '127.0.0.1', function(srv)
        seen.listen = srv == server
        -- the idiom of the docs: no outer local is needed to write in the callback
        tls.connect({ port = server:address().port, host = '127.0.0.1', servername = 'localhost',
          ca = H.cert('ca-cert.pem') }, function(socket)
          seen.authorized = socket.authorized
          socket:write('hi')
          socket:on('data', function(d) got = d end)
          socket:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ listen = true, authorized = true }, seen)
    assert.equal('echo hi', got)
  end)
end)
