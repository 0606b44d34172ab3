-- A server speaking the plain-text part of a STARTTLS protocol, then TLS that
-- answers every chunk with "TLS:" and the chunk. For spec/connect_cli_spec.lua.
--   luatls spec/scripts/starttls_peer.lua PROTO CAFILE
-- PROTO: smtp imap pop3 ftp xmpp postgres ldap, or smtp-refuse (answers
-- STARTTLS with 454). The CA it makes is written to CAFILE; it prints
-- "port P" once it listens and serves one connection.
local net = require('net')
local tls = require('tls')
local fs = require('fs')
local x509 = require('x509')

local proto, ca_file = arg[1], arg[2]
local ca = x509.createCA({ subject = { CN = 'STARTTLS test CA' } })
local id = ca:issue({ altNames = { 'DNS:localhost', 'IP:127.0.0.1' } })
fs.writeFileSync(ca_file, ca.cert)

local server

local function upgrade(sock, rest)
  sock:removeAllListeners('data')
  if rest ~= '' then sock:unshift(rest) end
  local s = tls.TLSSocket(sock, { isServer = true, key = id.key, cert = id.cert })
  s:on('data', function(d) s:write('TLS:' .. d) end)
  s:on('end', function() s:_end() end)
  s:on('error', function() end)
  s:on('close', function() server:close() end)
end

-- line protocols: answer(line) -> reply, upgrade?
local LINES = {
  smtp = { greet = '220 test ESMTP\r\n', answer = function(l)
    if l:match('^EHLO ') then return '250-test greets you\r\n250-PIPELINING\r\n250 STARTTLS\r\n' end
    if l == 'STARTTLS' then return '220 2.0.0 Ready to start TLS\r\n', true end
    return '500 what?\r\n'
  end },
  ['smtp-refuse'] = { greet = '220 test ESMTP\r\n', answer = function(l)
    if l:match('^EHLO ') then return '250 test\r\n' end
    return '454 4.7.0 TLS not available\r\n'
  end },
  imap = { greet = '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n', answer = function(l)
    local tag, cmd = l:match('^(%S+) (%S+)')
    if cmd == 'CAPABILITY' then return '* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n' .. tag .. ' OK done\r\n' end
    if cmd == 'STARTTLS' then return tag .. ' OK Begin TLS negotiation now\r\n', true end
    return (tag or '*') .. ' BAD what?\r\n'
  end },
  pop3 = { greet = '+OK POP3 ready\r\n', answer = function(l)
    if l == 'STLS' then return '+OK Begin TLS\r\n', true end
    return '-ERR what?\r\n'
  end },
  ftp = { greet = '220-test FTP\r\n220 ready\r\n', answer = function(l)
    if l == 'AUTH TLS' then return '234 AUTH TLS ok\r\n', true end
    return '500 what?\r\n'
  end },
}

local function line_server(sock, p)
  local buf = ''
  sock:write(p.greet)
  sock:on('data', function(d)
    buf = buf .. d
    while true do
      local line, rest = buf:match('^(.-)\r?\n(.*)$')
      if not line then return end
      buf = rest
      local reply, up = p.answer(line)
      sock:write(reply)
      if up then return upgrade(sock, buf) end
    end
  end)
end

-- binary or XML dialogues: wait for `until` in what came, answer, maybe upgrade
local function steps_server(sock, steps)
  local buf, i = '', 1
  sock:on('data', function(d)
    buf = buf .. d
    while steps[i] do
      local at, e = steps[i].want(buf)
      if not at then return end
      buf = buf:sub(e + 1)
      sock:write(steps[i].reply)
      i = i + 1
      if not steps[i] then return upgrade(sock, buf) end
    end
  end)
end

local function find(s) return function(buf) return buf:find(s, 1, true) end end
local function bytes(n) return function(buf) if #buf >= n then return 1, n end end end

local STEPS = {
  postgres = { { want = bytes(8), reply = 'S' } },
  -- StartTLS request: 31 bytes; response: ExtendedResponse, success
  ldap = { { want = bytes(31), reply = '\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00' } },
  xmpp = {
    { want = find("version='1.0'>"), reply = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      .. "xmlns:stream='http://etherx.jabber.org/streams' id='1' from='localhost' version='1.0'>"
      .. "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
      .. "</stream:features>" },
    { want = find('/>'), reply = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" },
  },
}

server = net.createServer(function(sock)
  server:close()
  sock:on('error', function() end)
  if LINES[proto] then line_server(sock, LINES[proto]) else steps_server(sock, STEPS[proto]) end
end)
server:listen(0, '127.0.0.1', function()
  print('port ' .. server:address().port)
end)
