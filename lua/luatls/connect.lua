-- `luatls connect HOST:PORT [options] [script.lua [args]]`: a scriptable
-- s_client. It connects (after a STARTTLS dialogue when asked), prints a
-- summary of the handshake on stderr, then either runs a script against the
-- socket (global `s`), copies standard input to the socket and the socket to
-- standard output, or opens the REPL with `s` bound. stdout carries only the
-- peer's bytes, so output can be piped.
local core = require('luatls.core')
local fs = require('fs')
local runtime = require('luatls.runtime')
local starttls = require('luatls.starttls')

local M = {}

-- exit statuses
M.EXIT_OK, M.EXIT_CONNECT, M.EXIT_VERIFY, M.EXIT_USAGE = 0, 1, 2, 9

M.USAGE = [==[
Usage: luatls connect HOST[:PORT] [options] [script.lua [arguments]]

  --servername NAME   the SNI name sent (default HOST unless it is an address)
  --alpn LIST         ALPN protocols, comma-separated (h2,http/1.1)
  --ca FILE           trust the CAs in FILE instead of the default store
  --cert FILE, --key FILE  a client certificate and its key (PEM)
  --insecure          report a failed verification and go on
  --tls1.2, --tls1.3  only this TLS version
  --ciphers LIST      the cipher list (OpenSSL's syntax)
  --session-out FILE  save the session (to resume it later)
  --session-in FILE   resume the session saved in FILE
  --starttls PROTO    upgrade a plain connection first: smtp, imap, pop3, ftp,
                      xmpp, postgres or ldap
  --keylog FILE       append TLS key material to FILE (NSS key log format)
  --crlf              lines written end with CRLF (piped input, --lines, .send)
  --lines             at the prompt, lines that are not commands are sent
  --timeout MS        for the connection, STARTTLS and handshake (default 15000)
  -q, --quiet         no summary
  -e, --eval CODE     run CODE with the socket in `s` instead of the prompt

The summary goes to stderr; the peer's bytes go to stdout. With no script and
standard input not a terminal, input is copied to the socket and its end ends
the write side. Exit status: 0 done, 1 connection, STARTTLS or handshake
failed, 2 the certificate failed verification (without --insecure), 9 usage.
]==]

local VALUE = {
  servername = true, alpn = true, ca = true, cert = true, key = true, ciphers = true,
  ['session-out'] = true, ['session-in'] = true, starttls = true, keylog = true, timeout = true,
}
local FLAG = { insecure = true, ['tls1.2'] = true, ['tls1.3'] = true, crlf = true, lines = true, quiet = true }

local function usage_error(msg)
  io.stderr:write('luatls connect: ', msg, '\n')
  return nil, M.EXIT_USAGE
end

-- HOST, HOST:PORT, [V6]:PORT, [V6] -> host, port
function M.parse_target(t)
  local host, port = t:match('^%[(.+)%]:(%d+)$')
  if not host then host = t:match('^%[(.+)%]$') end
  if not host then host, port = t:match('^([^:]+):(%d+)$') end
  if not host and t:find(':', 1, true) and core.isip(t) == 6 then host = t end
  if not host and not t:find(':', 1, true) and t ~= '' then host = t end
  if not host then return nil end
  port = tonumber(port or 443)
  if port < 1 or port > 65535 then return nil end
  return host, port
end

-- argv after "connect" -> options table, or nil and the exit status
function M.parse_args(args)
  local o = { alpn = nil, rest = {} }
  local i = 1
  while i <= #args do
    local a = args[i]
    local name, inline = a:match('^%-%-([%w%.%-]+)=(.*)$')
    name = name or a:match('^%-%-([%w%.%-]+)$')
    if a == '-e' or a == '--eval' then
      if args[i + 1] == nil then return usage_error(a .. ' needs an argument') end
      o.eval = args[i + 1]
      i = i + 2
    elseif a == '-q' then
      o.quiet = true
      i = i + 1
    elseif a == '-h' or a == '--help' then
      io.stdout:write(M.USAGE)
      return nil, M.EXIT_OK
    elseif name and VALUE[name] then
      local v = inline or args[i + 1]
      if v == nil then return usage_error('--' .. name .. ' needs an argument') end
      o[name] = v
      i = i + (inline and 1 or 2)
    elseif name and FLAG[name] and not inline then
      o[name] = true
      i = i + 1
    elseif a:sub(1, 1) == '-' and a ~= '-' then
      return usage_error('bad option: ' .. a)
    elseif not o.target then
      o.target = a
      i = i + 1
    else
      for j = i, #args do o.rest[#o.rest + 1] = args[j] end
      break
    end
  end
  if not o.target then return usage_error('HOST[:PORT] is missing (luatls connect --help)') end
  o.host, o.port = M.parse_target(o.target)
  if not o.host then return usage_error('bad HOST[:PORT]: ' .. o.target) end
  if o.starttls and not starttls[o.starttls] then
    return usage_error('--starttls must be one of ' .. table.concat(starttls.protocols, ', '))
  end
  if o['tls1.2'] and o['tls1.3'] then return usage_error('--tls1.2 and --tls1.3 exclude each other') end
  if (o.cert == nil) ~= (o.key == nil) then return usage_error('--cert and --key go together') end
  if o.timeout then
    o.timeout = tonumber(o.timeout)
    if not o.timeout or o.timeout <= 0 then return usage_error('--timeout must be a positive number of ms') end
  end
  o.script = o.eval == nil and o.rest[1] or nil
  if o.script then table.remove(o.rest, 1) end
  return o
end

local function read_file(what, path)
  local ok, data = pcall(fs.readFileSync, path)
  if not ok then error(('%s %s: %s'):format(what, path, type(data) == 'table' and data.message or tostring(data)), 0) end
  return data
end

-- the options of tls.connect for these command-line options
function M.tls_options(o)
  local t = {
    host = o.host, port = o.port,
    rejectUnauthorized = false,      -- the verdict is ours: reported, then acted on
    requestOCSP = true,
  }
  if o.servername then
    t.servername = o.servername
  elseif core.isip(o.host) == 0 then
    t.servername = o.host
  end
  if o.alpn then
    t.ALPNProtocols = {}
    for p in o.alpn:gmatch('[^,]+') do t.ALPNProtocols[#t.ALPNProtocols + 1] = p end
  end
  if o.ca then t.ca = read_file('--ca', o.ca) end
  if o.cert then
    t.cert = read_file('--cert', o.cert)
    t.key = read_file('--key', o.key)
  end
  if o['tls1.2'] then t.minVersion, t.maxVersion = 'TLSv1.2', 'TLSv1.2' end
  if o['tls1.3'] then t.minVersion, t.maxVersion = 'TLSv1.3', 'TLSv1.3' end
  if o.ciphers then t.ciphers = o.ciphers end
  if o['session-in'] then t.session = read_file('--session-in', o['session-in']) end
  return t
end

-- The summary ------------------------------------------------------------

local function dn(name)
  if type(name) ~= 'table' then return tostring(name) end
  local parts = {}
  for _, k in ipairs({ 'C', 'ST', 'L', 'O', 'OU', 'CN' }) do
    local v = name[k]
    if type(v) == 'table' then v = table.concat(v, '+') end
    if v then parts[#parts + 1] = k .. '=' .. v end
  end
  for k, v in pairs(name) do
    if not ('|C|ST|L|O|OU|CN|'):find('|' .. k .. '|', 1, true) then
      parts[#parts + 1] = k .. '=' .. (type(v) == 'table' and table.concat(v, '+') or tostring(v))
    end
  end
  return table.concat(parts, ', ')
end

local function key_text(c)
  if c.modulus then return ('RSA %d bits'):format(c.bits or 0) end
  if c.asn1Curve or c.nistCurve then
    return ('EC %s (%d bits)'):format(c.nistCurve or c.asn1Curve, c.bits or 0)
  end
  if c.bits then return ('%d-bit key'):format(c.bits) end
  return 'unknown'
end

-- the peer's chain, leaf first, as getPeerCertificate(true) links it
local function chain_of(sock)
  local list, seen = {}, {}
  local c = sock:getPeerCertificate(true)
  while type(c) == 'table' and next(c) ~= nil and not seen[c] do
    seen[c] = true
    list[#list + 1] = c
    if c.issuerCertificate == c then break end
    c = c.issuerCertificate
  end
  return list
end

-- the OCSP staple: its responseStatus (RFC 6960) from the DER's first bytes
local OCSP_STATUS = { [0] = 'successful', 'malformedRequest', 'internalError', 'tryLater', nil, 'sigRequired', 'unauthorized' }
local function ocsp_text(resp)
  if resp == nil then return 'none' end
  local status = resp:match('^\x30[\x80-\x84]?.-\x0a\x01(.)')
  status = status and OCSP_STATUS[status:byte()] or 'unreadable'
  return ('%s response, %d bytes (its signature is not checked)'):format(status, #resp)
end

function M.summary(sock, o, t, ocsp)
  local L = {}
  local function line(fmt, ...) L[#L + 1] = '* ' .. fmt:format(...) end
  line('Connected to %s port %d%s', sock.remoteAddress or o.host, sock.remotePort or o.port,
    o.starttls and (' (STARTTLS ' .. o.starttls .. ')') or '')
  line('SNI sent: %s', t.servername or '(none)')
  line('Protocol: %s', tostring(sock:getProtocol()))
  local c = sock:getCipher() or {}
  line('Cipher: %s', tostring(c.standardName or c.name))
  local ek = sock:getEphemeralKeyInfo() or {}
  line('Key exchange: %s', ek.name and ('%s (%s, %d bits)'):format(ek.name, ek.type, ek.size or 0)
    or '(none: resumed or pre-shared key)')
  line('ALPN: %s', sock.alpnProtocol or '(none)')
  line('Session reused: %s', sock:isSessionReused() and 'yes' or 'no')
  line('OCSP staple: %s', ocsp_text(ocsp))
  local chain = chain_of(sock)
  line('Peer chain: %d certificate%s', #chain, #chain == 1 and '' or 's')
  for i, cert in ipairs(chain) do
    line('  %d subject: %s', i - 1, dn(cert.subject))
    line('    issuer: %s', dn(cert.issuer))
    line('    valid: %s to %s', tostring(cert.valid_from), tostring(cert.valid_to))
    if cert.subjectaltname then line('    SANs: %s', cert.subjectaltname) end
    line('    key: %s', key_text(cert))
    line('    SHA-256: %s', tostring(cert.fingerprint256))
  end
  if sock.authorized then
    line('Verification: OK')
  else
    line('Verification: FAILED: %s%s', tostring(sock.authorizationError),
      o.insecure and ' (going on: --insecure)' or '')
  end
  return table.concat(L, '\n') .. '\n'
end

-- Showing the peer's bytes -----------------------------------------------

-- printable: UTF-8 text with no control characters but tab, CR, LF
function M.printable(data)
  if not utf8.len(data) then return false end
  return not data:find('[%z\1-\8\11\12\14-\31\127]')
end

function M.hexdump(data)
  local out = {}
  for at = 1, #data, 16 do
    local chunk = data:sub(at, at + 15)
    local hex = chunk:gsub('.', function(ch) return ('%02x '):format(ch:byte()) end)
    local text = chunk:gsub('[^\32-\126]', '.')
    out[#out + 1] = ('%04x  %-48s |%s|'):format(at - 1, hex, text)
  end
  return table.concat(out, '\n') .. '\n'
end

function M.show(data)
  if M.printable(data) then
    data = data:gsub('\r\n', '\n')
    return data:sub(-1) == '\n' and data or data .. '\n'
  end
  return M.hexdump(data)
end

-- Running ---------------------------------------------------------------

-- standard input to the socket, its end ends the write side
local function pipe_stdin(sock, o)
  local stdin = process.stdin
  local last_cr = false
  stdin:on('data', function(d)
    -- the peer may have ended the connection while input still comes
    if sock.destroyed or sock.writableEnded then return end
    if o.crlf then
      -- a CR that ended the last chunk already came before this LF
      if last_cr and d:sub(1, 1) == '\n' then d = d:sub(2) end
      last_cr = d:sub(-1) == '\r'
      d = (d:gsub('\r?\n', '\r\n'))
    end
    if d ~= '' and sock:write(d) == false then
      stdin:pause()
      sock:once('drain', function() stdin:resume() end)
    end
  end)
  stdin:on('end', function() if not sock.destroyed then sock:_end() end end)
  sock:on('close', function() stdin:destroy() end)
end

local function interactive(sock, o)
  local repl = require('luatls.repl')
  _G.s = sock
  local function send(text)
    text = text .. (o.crlf and '\r\n' or '\n')
    sock:write(text)
  end
  repl.commands.send = function(arg) send(arg) end
  repl.help_extra = '.send TEXT write TEXT and an end of line (CRLF with --crlf) to s\n'
    .. (o.lines and 'Lines that are not commands are sent as .send sends them (--lines).\n' or '')
    .. 's is the connection; s:write(data), s:_end(), s:destroy().\n'
  if o.lines then
    repl.plain_line = function(line) send(line) return true end
  end
  -- the first Ctrl-D ends the write side, as end of input does when piped
  repl.on_eof = function()
    if sock.destroyed or sock.writableEnded then return false end
    core.repl_write(2, '* write side ended (Ctrl-D again leaves)\n')
    sock:_end()
    return true
  end
  sock:on('data', function(d) core.repl_write(1, M.show(d)) end)
  sock:on('end', function() core.repl_write(2, '* the peer ended its side\n') end)
  sock:on('error', function(err)
    core.repl_write(2, ('* error: %s\n'):format(tostring(err.code or err.message or err)))
  end)
  sock:on('close', function()
    core.repl_write(2, '* connection closed\n')
    repl.exit(M.EXIT_OK)
  end)
  repl.start(('Connected: s is the socket. .send TEXT writes a line%s; .help, .exit\n')
    :format(o.lines and ', and so does any line that is not a command' or ''))
end

local function run_script(sock, o, exe)
  _G.s = sock
  runtime.install_module_globals()
  local chunk, err
  if o.eval then
    chunk, err = load(o.eval, '=(command line)')
  else
    chunk, err = loadfile(o.script)
  end
  if not chunk then error(err, 0) end
  process.argv = { exe, o.script or 'connect' }
  for _, a in ipairs(o.rest) do process.argv[#process.argv + 1] = a end
  chunk(sock, table.unpack(o.rest))
end

-- the sessions the server sends (after the handshake in TLS 1.3): the last one is kept
local function save_sessions(sock, path)
  sock:on('session', function(session)
    local ok, err = pcall(fs.writeFileSync, path, session)
    if not ok then io.stderr:write('luatls connect: --session-out ', path, ': ', tostring(err.message or err), '\n') end
  end)
end

local function fail(o, err)
  local text = type(err) == 'table' and ((err.code and (err.code .. ': ') or '') .. tostring(err.message))
    or tostring(err):gsub('\nstack traceback:.*$', '')
  io.stderr:write('luatls connect: ', o.target, ': ', text, '\n')
  process.exitCode = M.EXIT_CONNECT
end

-- the handshake over a new connection, or over the plain socket a STARTTLS
-- dialogue ran on; on_ready(socket, OCSP staple) once it is done
local function handshake(o, t, timeout, raw, on_ready)
  local tls = require('tls')
  local opts = {}
  for k, v in pairs(t) do opts[k] = v end
  if raw then opts.socket = raw end
  local made, sock = pcall(tls.connect, opts)
  if not made then
    if raw then raw:destroy() end
    return fail(o, sock)
  end
  local ocsp, settled
  local timer = setTimeout(function()
    settled = true
    fail(o, { code = 'ETIMEDOUT', message = ('no handshake after %d ms'):format(timeout) })
    sock:destroy()
  end, timeout)
  local function settle()
    if settled then return false end
    settled = true
    clearTimeout(timer)
    return true
  end
  sock:on('OCSPResponse', function(r) ocsp = r end)
  -- listened to from the start: the socket asks OpenSSL for sessions only then
  if o['session-out'] then save_sessions(sock, o['session-out']) end
  sock:once('secureConnect', function()
    if settle() then on_ready(sock, ocsp, t) end
  end)
  sock:once('error', function(err)
    if settle() then fail(o, err) end
  end)
  sock:once('close', function()
    if settle() then fail(o, 'the connection closed during the handshake') end
  end)
end

local function connect(o, on_ready)
  local ok, t = pcall(M.tls_options, o)
  if not ok then return fail(o, t) end
  local timeout = o.timeout or 15000
  local log = o.quiet and function() end or function(l) io.stderr:write('* ', l, '\n') end
  if o.keylog then require('tls')._setKeylogFile(o.keylog) end
  if not o.starttls then return handshake(o, t, timeout, nil, on_ready) end
  local async = require('luatls.async')
  async.run(function()
    local plain = async.net.connect({ host = o.host, port = o.port, timeout = timeout })
    starttls[o.starttls](plain, t, log)
    -- what came after the server's go-ahead belongs to the handshake
    local rest = plain:_detach()
    if rest ~= '' then plain.socket:unshift(rest) end
    return plain.socket
  end):next(function(raw)
    handshake(o, t, timeout, raw, on_ready)
  end, function(err) fail(o, err) end)
end

function M.main(exe, args)
  local o, status = M.parse_args(args)
  if not o then return status end
  return runtime.run(function()
    connect(o, function(sock, ocsp, t)
      if not o.quiet then io.stderr:write(M.summary(sock, o, t, ocsp)) end
      if not sock.authorized and not o.insecure then
        io.stderr:write('luatls connect: the certificate failed verification: ',
          tostring(sock.authorizationError), ' (--insecure to go on)\n')
        process.exitCode = M.EXIT_VERIFY
        sock:destroy()
        return
      end
      if o.eval or o.script then
        run_script(sock, o, exe)
      elseif core.isatty(0) then
        interactive(sock, o)
      else
        sock:on('data', function(d) io.stdout:write(d); io.stdout:flush() end)
        sock:on('error', function(err)
          io.stderr:write('luatls connect: ', tostring(err.code or err.message or err), '\n')
          process.exitCode = M.EXIT_CONNECT
        end)
        pipe_stdin(sock, o)
      end
    end)
  end)
end

return M
