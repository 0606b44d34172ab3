-- `luatls serve --echo|--http-hello [--port N] [--host H] [--alpn LIST]`: a
-- TLS server to point clients at, with nothing to prepare. A CA is made in
-- memory for the run, the server's certificate comes from it (for localhost,
-- 127.0.0.1, ::1 and the host given), the CA's certificate is written to a
-- file, and the command lines that reach the server with it are printed.
local core = require('luatls.core')
local fs = require('fs')
local runtime = require('luatls.runtime')

local M = {}

M.USAGE = [==[
Usage: luatls serve (--echo | --http-hello) [options]

  --echo            send every byte back
  --http-hello      answer each HTTP/1.1 request with 200 and "hello from luatls"
  --port N          the port (default 0: a free one, printed)
  --host H          the address to listen on (default 127.0.0.1)
  --alpn LIST       ALPN protocols to agree to, comma-separated
                    (default none for --echo, http/1.1 for --http-hello)
  --ca-out FILE     write the CA certificate to FILE (default: a new
                    directory under $TMPDIR or /tmp)
  -q, --quiet       no line per connection on stderr

It prints the CA file's path and the luatls connect, openssl s_client and
(for --http-hello) curl command lines that reach the server, then serves
until killed.
]==]

local function usage_error(msg)
  io.stderr:write('luatls serve: ', msg, '\n')
  return nil, 9
end

function M.parse_args(args)
  local o = { port = 0, host = '127.0.0.1' }
  local VALUE = { port = true, host = true, alpn = true, ['ca-out'] = true }
  local i = 1
  while i <= #args do
    local a = args[i]
    local name, inline = a:match('^%-%-([%w%-]+)=(.*)$')
    name = name or a:match('^%-%-([%w%-]+)$')
    if a == '-h' or a == '--help' then
      io.stdout:write(M.USAGE)
      return nil, 0
    elseif a == '--echo' or a == '--http-hello' then
      if o.mode then return usage_error('--echo and --http-hello exclude each other') end
      o.mode = a:sub(3)
      i = i + 1
    elseif a == '-q' or a == '--quiet' then
      o.quiet = true
      i = i + 1
    elseif name and VALUE[name] then
      local v = inline or args[i + 1]
      if v == nil then return usage_error('--' .. name .. ' needs an argument') end
      o[name] = v
      i = i + (inline and 1 or 2)
    else
      return usage_error('bad option: ' .. a)
    end
  end
  if not o.mode then return usage_error('--echo or --http-hello is needed (luatls serve --help)') end
  local port = tonumber(o.port)
  if not port or port < 0 or port > 65535 or port % 1 ~= 0 then return usage_error('bad --port: ' .. o.port) end
  o.port = math.tointeger(port)
  if o.alpn then
    local list = {}
    for p in o.alpn:gmatch('[^,]+') do list[#list + 1] = p end
    o.alpn = list
  elseif o.mode == 'http-hello' then
    o.alpn = { 'http/1.1' }
  end
  return o
end

-- a directory of our own for the CA file
local function ca_path(o)
  if o['ca-out'] then return o['ca-out'] end
  local base = os.getenv('TMPDIR') or '/tmp'
  for _ = 1, 10 do
    local dir = ('%s/luatls-serve-%d-%d'):format(base, process.pid, math.random(1, 1 << 30))
    if os.execute(('mkdir -m 700 %q 2>/dev/null'):format(dir)) then return dir .. '/ca.pem' end
  end
  error('cannot make a directory under ' .. base, 0)
end

local BODY = 'hello from luatls\n'
local RESPONSE = ('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s'):format(#BODY, BODY)

-- answers every request whose header has come in full (no bodies expected)
local function http_hello(socket)
  local buf = ''
  socket:on('data', function(d)
    buf = buf .. d
    while true do
      local at = buf:find('\r\n\r\n', 1, true)
      if not at then break end
      local head = buf:sub(1, at)
      buf = buf:sub(at + 4)
      local close = head:lower():find('\nconnection:%s*close') ~= nil
      socket:write(RESPONSE)
      if close then socket:_end() return end
    end
  end)
  socket:on('end', function() socket:_end() end)
end

local function echo(socket)
  socket:on('data', function(d) socket:write(d) end)
  socket:on('end', function() socket:_end() end)
end

-- [::1] for addresses with colons, for URLs and host:port
local function bracket(h) return h:find(':', 1, true) and ('[' .. h .. ']') or h end

-- what a client connects to: the address listened on, or loopback for a wildcard
local function client_host(h)
  if h == '0.0.0.0' then return '127.0.0.1' end
  if h == '::' then return '::1' end
  return h
end

-- exe: the luatls executable, as it was run
function M.commands(o, port, path, exe)
  local h = client_host(o.host)
  local hp = bracket(h) .. ':' .. port
  local lines = {
    ('%s connect %s --ca %s%s'):format(exe or 'luatls', hp, path, o.alpn and (' --alpn ' .. table.concat(o.alpn, ',')) or ''),
  }
  -- curl speaks HTTP: for the echo, only the other two
  if o.mode == 'http-hello' then
    lines[#lines + 1] = ('curl --cacert %s https://%s/'):format(path, hp)
  end
  local sni = core.isip(h) == 0 and (' -servername ' .. h) or ''
  lines[#lines + 1] = ('openssl s_client -connect %s -CAfile %s%s%s'):format(hp, path, sni,
    o.alpn and (' -alpn ' .. table.concat(o.alpn, ',')) or '')
  return lines
end

function M.start(o)
  local tls = require('tls')
  local x509 = require('x509')
  local ca = x509.createCA({ subject = { CN = 'luatls serve CA', O = 'luatls' }, days = 7 })
  local names = { 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1' }
  local h = client_host(o.host)
  if h ~= 'localhost' and h ~= '127.0.0.1' and h ~= '::1' then
    names[#names + 1] = (core.isip(h) ~= 0 and 'IP:' or 'DNS:') .. h
  end
  local id = ca:issue({ subject = { CN = h }, altNames = names, days = 7 })
  -- the file is there before anyone can connect; a server that cannot start removes it
  local path = ca_path(o)
  fs.writeFileSync(path, ca.cert)
  local handler = o.mode == 'echo' and echo or http_hello
  local server = tls.createServer({ key = id.key, cert = id.cert, ALPNProtocols = o.alpn }, function(socket)
    if not o.quiet then
      io.stderr:write(('* %s:%s: %s, %s, ALPN %s, SNI %s\n'):format(socket.remoteAddress, socket.remotePort,
        socket:getProtocol(), (socket:getCipher() or {}).name, socket.alpnProtocol or '(none)',
        socket.servername or '(none)'))
    end
    socket:on('error', function(err)
      if not o.quiet then io.stderr:write('* ', tostring(err.code or err.message), '\n') end
    end)
    handler(socket)
  end)
  server:on('tlsClientError', function(err, socket)
    if not o.quiet then
      io.stderr:write(('* %s: handshake failed: %s\n'):format(socket and socket.remoteAddress or '?',
        tostring(err.code or err.message)))
    end
  end)
  server:on('error', function(err)
    io.stderr:write('luatls serve: ', tostring(err.code or ''), ' ', tostring(err.message), '\n')
    os.remove(path)
    if not o['ca-out'] then os.remove((path:gsub('/ca%.pem$', ''))) end
    process.exitCode = 1
  end)
  server:listen(o.port, o.host, function()
    local port = server:address().port
    local out = {
      ('luatls serve: %s on %s:%d (TLS, certificate from a CA made for this run)'):format(o.mode,
        bracket(o.host), port),
      'CA certificate: ' .. path,
      'Reach it with:',
    }
    for _, l in ipairs(M.commands(o, port, path, o.exe)) do out[#out + 1] = '  ' .. l end
    process.stdout:write(table.concat(out, '\n') .. '\n')
  end)
  return server
end

function M.main(exe, args)
  local o, status = M.parse_args(args)
  if not o then return status end
  o.exe = exe
  return runtime.run(function() M.start(o) end)
end

return M
