-- The plain-text dialogues that come before TLS on protocols with an upgrade
-- command, as `openssl s_client -starttls` speaks them. Each one runs inside a
-- luatls.async task on a connected AsyncSocket (given the options of
-- tls.connect that will follow, for the names it sends) and returns when the server has
-- agreed to start TLS; any other answer raises an error naming the protocol.
-- What the server said is passed to log(line), for the connect summary.
local errors = require('luatls.errors')

local M = {}

local function refused(proto, line)
  error(errors.new('ERR_STARTTLS_REFUSED', ('%s: the server refused STARTTLS: %s')
    :format(proto, line or 'the connection closed'), { protocol = proto }), 0)
end

local function readline(s, proto, log)
  local line = s:readLine()
  if line == nil then refused(proto, nil) end
  log('S: ' .. line)
  return line
end

-- SMTP and FTP: a reply is lines "CODE-text", then "CODE text"
local function reply(s, proto, log)
  while true do
    local line = readline(s, proto, log)
    local code, sep = line:match('^(%d%d%d)([ -]?)')
    if code and sep ~= '-' then return code, line end
  end
end

local function send(s, log, text)
  log('C: ' .. text:gsub('\r?\n$', ''))
  s:writeAsync(text)
end

function M.smtp(s, _, log)
  local code, line = reply(s, 'smtp', log)
  if code ~= '220' then refused('smtp', line) end
  send(s, log, 'EHLO luatls.localdomain\r\n')
  code, line = reply(s, 'smtp', log)
  if code ~= '250' then refused('smtp', line) end
  send(s, log, 'STARTTLS\r\n')
  code, line = reply(s, 'smtp', log)
  if code ~= '220' then refused('smtp', line) end
end

function M.ftp(s, _, log)
  local code, line = reply(s, 'ftp', log)
  if code ~= '220' then refused('ftp', line) end
  send(s, log, 'AUTH TLS\r\n')
  code, line = reply(s, 'ftp', log)
  if code ~= '234' then refused('ftp', line) end
end

function M.pop3(s, _, log)
  local line = readline(s, 'pop3', log)
  if not line:match('^%+OK') then refused('pop3', line) end
  send(s, log, 'STLS\r\n')
  line = readline(s, 'pop3', log)
  if not line:match('^%+OK') then refused('pop3', line) end
end

-- IMAP: untagged lines start with '*'; our commands are tagged 'a1', 'a2'
function M.imap(s, _, log)
  local line = readline(s, 'imap', log)
  if not line:match('^%* OK') then refused('imap', line) end
  send(s, log, 'a1 CAPABILITY\r\n')
  repeat line = readline(s, 'imap', log) until line:match('^a1 ')
  send(s, log, 'a2 STARTTLS\r\n')
  repeat line = readline(s, 'imap', log) until line:match('^a2 ')
  if not line:match('^a2 OK') then refused('imap', line) end
end

-- XMPP: open a stream, wait for the features, ask, wait for <proceed/>
function M.xmpp(s, t, log)
  local to = t.servername or t.host
  send(s, log, ("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    .. "xmlns='jabber:client' to='%s' version='1.0'>"):format(to))
  local seen = ''
  repeat
    local part = s:readUntil('>')
    if part == nil then refused('xmpp', seen) end
    seen = seen .. part
  until seen:find('</stream:features>', 1, true) or seen:find('<stream:features/>', 1, true)
  log('S: ' .. seen)
  if not seen:find('urn:ietf:params:xml:ns:xmpp-tls', 1, true) then refused('xmpp', 'no <starttls/> feature') end
  send(s, log, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
  seen = ''
  repeat
    local part = s:readUntil('>')
    if part == nil then refused('xmpp', seen) end
    seen = seen .. part
  until seen:find('<proceed', 1, true) or seen:find('<failure', 1, true)
  log('S: ' .. seen)
  if not seen:find('<proceed', 1, true) then refused('xmpp', seen) end
end

-- PostgreSQL: the SSLRequest message (length 8, code 80877103); 'S' agrees
function M.postgres(s, _, log)
  log('C: SSLRequest')
  s:writeAsync(string.pack('>i4i4', 8, 80877103))
  local answer = s:read(1)
  log('S: ' .. tostring(answer))
  if answer ~= 'S' then refused('postgres', answer) end
end

-- LDAP: an ExtendedRequest for StartTLS (RFC 4511, OID 1.3.6.1.4.1.1466.20037),
-- message id 1; the ExtendedResponse's resultCode 0 agrees
local LDAP_OID = '1.3.6.1.4.1.1466.20037'
function M.ldap(s, _, log)
  local req = '\x80' .. string.char(#LDAP_OID) .. LDAP_OID
  req = '\x02\x01\x01\x77' .. string.char(#req) .. req
  log('C: ExtendedRequest ' .. LDAP_OID)
  s:writeAsync('\x30' .. string.char(#req) .. req)
  local head = s:read(2)
  if head == nil or #head < 2 or head:byte(1) ~= 0x30 then refused('ldap', 'not an LDAP message') end
  local len = head:byte(2)
  if len >= 0x80 then
    local n = len - 0x80
    local bytes = s:read(n)
    len = 0
    for i = 1, #bytes do len = len * 256 + bytes:byte(i) end
  end
  local body = s:read(len) or ''
  -- messageID, then [APPLICATION 24] { resultCode ENUMERATED ... }
  local at = body:find('\x78', 1, true)
  local code = at and body:match('^[\x81\x82]?.-\x0a\x01(.)', at + 1)
  local result = code and code:byte() or -1
  log('S: ExtendedResponse resultCode ' .. result)
  if result ~= 0 then refused('ldap', 'resultCode ' .. result) end
end

M.protocols = { 'smtp', 'imap', 'pop3', 'ftp', 'xmpp', 'postgres', 'ldap' }

return M
