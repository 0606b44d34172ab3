-- from test/parallel/test-tls-net-connect-prefer-path.js
local tls = require('tls')
local net = require('net')
local N = require('node.common')

local function name(lib) return lib == net and 'net' or 'tls' end

-- a server of lib (net or tls) on a TCP port (tcp) or a Unix socket path, that answers
-- every connection with its library's name and its port, or its path
local function server_of(lib, tcp, ready)
  local server
  local function handler(socket)
    local a = server:address()
    socket:write(name(lib) .. ':' .. tostring(type(a) == 'table' and a.port or a))
    socket:_end()
  end
  if lib == tls then server = tls.createServer(N.opts(), handler) else server = net.createServer(handler) end
  local target
  if tcp then
    target = 0
  else
    target = os.tmpname()
    os.remove(target)
  end
  server:listen(target, function() ready(server) end)
end

-- connect with path, port and host all given; the answer must come from the path's server
local function attempt(lib)
  local r = {}
  H.run(5000, function(done)
    server_of(lib, true, function(tcp_server)
      server_of(lib, false, function(unix_server)
        r.path = unix_server:address()
        local client
        client = lib.connect({ path = unix_server:address(), port = tcp_server:address().port, host = 'localhost',
          rejectUnauthorized = false }, function()
          local bufs = {}
          client:on('data', function(d) bufs[#bufs + 1] = d end)
          client:on('end', function()
            r.resp = table.concat(bufs)
            tcp_server:close()
            unix_server:close(done)
          end)
        end)
      end)
    end)
  end)
  return r
end

describe('test-tls-net-connect-prefer-path', function()
  it('with path, port and host given, net.connect and tls.connect use the path', function()
    for _, lib in ipairs({ net, tls }) do
      local r = attempt(lib)
      assert.equal(name(lib) .. ':' .. r.path, r.resp)
    end
  end)
end)
