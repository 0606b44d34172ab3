-- What every fault spec (../shared/research/reliability.md, F1-F25) checks
-- after its fault: the process survived, the next good client completes a
-- handshake and echoes 1 MiB byte-exact, and the open fds are back to baseline.
local tls = require('tls')
local net = require('net')
local stream = require('stream')

local F = {}

F.CA = H.cert('ca-cert.pem')
F.MIB = 1024 * 1024

F.fds = require('scripts.fds')

function F.fd_count(pid) return (F.fds(pid)) end

-- what differs between two fd lists, for a failure message
function F.fd_diff(before, after)
  local out = {}
  for fd, t in pairs(after) do if before[fd] ~= t then out[#out + 1] = ('+%d %s'):format(fd, t) end end
  for fd, t in pairs(before) do if after[fd] ~= t then out[#out + 1] = ('-%d %s'):format(fd, t) end end
  table.sort(out)
  return table.concat(out, ', ')
end

-- the bytes a TLS client sends first, captured through a memory transport
function F.client_hello(options)
  local hello
  H.run(5000, function(done)
    local d = stream.Duplex()
    d._write = function(_, chunk) hello = hello or chunk end
    local o = { socket = d, servername = 'localhost', ca = F.CA }
    for k, v in pairs(options or {}) do o[k] = v end
    local c = tls.connect(o)
    c:on('error', function() end)
    setImmediate(function() c:destroy(); done() end)
  end)
  return hello
end

local function be16(n) return string.pack('>I2', n) end

-- A TLS 1.2 ClientHello built by hand, for what no real client sends:
-- sni is the server_name extension body (nil: none), extra more extensions.
function F.raw_hello(sni, extra)
  local ext = { be16(10) .. be16(4) .. be16(2) .. be16(0x0017),   -- supported_groups: P-256
    be16(11) .. be16(2) .. '\1\0',                                  -- ec_point_formats
    be16(13) .. be16(4) .. be16(2) .. be16(0x0401) }               -- signature_algorithms
  if sni then table.insert(ext, 1, be16(0) .. be16(#sni) .. sni) end
  ext = table.concat(ext) .. (extra or '')
  local body = be16(0x0303) .. string.rep('\42', 32) .. '\0' .. be16(4) .. be16(0xc02f) .. be16(0x009c)
    .. '\1\0' .. be16(#ext) .. ext
  local hs = '\1' .. string.pack('>I3', #body) .. body
  return '\22\3\1' .. be16(#hs) .. hs
end

-- the server_name extension body for a list of (type, name) entries
function F.sni(...)
  local list = {}
  for _, name in ipairs({ ... }) do list[#list + 1] = '\0' .. be16(#name) .. name end
  list = table.concat(list)
  return be16(#list) .. list
end

-- the extension types of the ServerHello at the start of a server's reply
function F.server_hello_extensions(reply)
  assert(reply:byte(1) == 22 and reply:byte(6) == 2, 'not a ServerHello')
  local p = 44 + 1 + reply:byte(44) + 2 + 1   -- past version, random, session id, cipher, compression
  local len
  len, p = string.unpack('>I2', reply, p)
  local stop, types = p + len, {}
  while p < stop do
    local t, n
    t, n, p = string.unpack('>I2I2', reply, p)
    types[#types + 1] = t
    p = p + n
  end
  return types
end

-- the next good client: 1 MiB out, the same 1 MiB back; k(byte_exact)
function F.good_client(port, k)
  local payload = {}
  for i = 1, F.MIB // 64 do payload[i] = ('%063d\n'):format(i) end
  payload = table.concat(payload)
  local got, n = {}, 0
  local c
  c = tls.connect({ port = port, host = 'localhost', servername = 'localhost', ca = F.CA },
    function() c:write(payload) end)
  c:on('data', function(d)
    got[#got + 1] = d
    n = n + #d
    if n >= F.MIB then c:_end() end
  end)
  c:on('error', function() end)
  c:on('close', function() k(table.concat(got) == payload) end)
end

-- Runs one fault against an echo server: provoke(port, server, events, next),
-- where next() sends the good client. Returns the server's events (socket
-- errors and tlsClientErrors, in order), whether the 1 MiB came back, and the
-- fd count against the baseline.
function F.fault(server_opts, provoke, timeout)
  local base, before = F.fds()
  local events, echoed = {}, nil
  H.run(timeout or 20000, function(done)
    local server = tls.createServer(H.tls_options(server_opts), function(s)
      s:on('error', function(e) events[#events + 1] = { 'socket error', e.code } end)
      s:pipe(s)
    end)
    server:on('tlsClientError', function(e) events[#events + 1] = { 'tlsClientError', e.code, e.message } end)
    server:listen(0, '127.0.0.1', function()
      local port = server:address().port
      provoke(port, server, events, function()
        F.good_client(port, function(ok)
          echoed = ok
          server:close(done)
        end)
      end)
    end)
  end)
  collectgarbage()
  local n, after = F.fds()
  if n ~= base then io.stderr:write('fds changed: ', F.fd_diff(before, after), '\n') end
  return events, echoed, n - base
end

-- a raw TCP client that sends bytes (or nothing) and then reads until the
-- server closes; k(everything the server sent)
function F.raw(port, bytes, k)
  local c = net.connect(port, '127.0.0.1')
  local got = {}
  c:on('connect', function() if bytes then c:_end(bytes) end end)
  c:on('data', function(d) got[#got + 1] = d end)
  c:on('error', function() end)
  c:on('close', function() k(table.concat(got)) end)
end

-- a luatls client that expects to fail; k(error code or nil, socket)
function F.client(port, options, k)
  local o = { port = port, host = 'localhost', servername = 'localhost', ca = F.CA }
  for key, v in pairs(options or {}) do o[key] = v end
  local c = tls.connect(o)
  local code
  c:on('error', function(e) code = code or e.code or tostring(e.message) end)
  c:on('data', function() end)
  c:on('secureConnect', function() c:_end() end)
  c:on('close', function() k(code, c) end)
  return c
end

return F
