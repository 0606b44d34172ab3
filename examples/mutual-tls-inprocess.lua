-- Mutual TLS with certificates made in-process: no files, no openssl command.
-- A CA issues a server and a client certificate; the server asks for the
-- client's and refuses clients it cannot verify; the client checks the
-- server's. Both sides are authorized and the bytes come back.
--   build/luatls examples/mutual-tls-inprocess.lua
local tls = require('tls')
local x509 = require('x509')

local ca = x509.createCA({ subject = { CN = 'Example CA', O = 'luatls' }, days = 30 })
local server_id = ca:issue({ altNames = { 'DNS:localhost', 'IP:127.0.0.1' }, extKeyUsage = { 'serverAuth' } })
local client_id = ca:issue({ subject = { CN = 'alice' }, altNames = { 'email:alice@example.test' },
  extKeyUsage = { 'clientAuth' } })
print(ca)                        -- <CertificateAuthority O=luatls, CN=Example CA, key ec P-256>
print(client_id)                 -- no key material: tostring and util.inspect never show it

local server = tls.createServer({
  key = server_id.key, cert = server_id.cert,
  ca = ca.cert, requestCert = true, rejectUnauthorized = true,
}, function(socket)
  local peer = socket:getPeerCertificate()
  print('server: client ' .. peer.subject.CN .. ' ' .. (socket.authorized and 'authorized' or 'unauthorized'))
  socket:pipe(socket)            -- echo
end)

server:listen(0, '127.0.0.1', function()
  local client
  client = tls.connect({
    port = server:address().port, host = 'localhost',
    key = client_id.key, cert = client_id.cert, ca = ca.cert,
  }, function()
    print('client: server ' .. client:getPeerCertificate().subject.CN .. ' ' ..
      (client.authorized and 'authorized' or 'unauthorized'))
    client:write('hello over mutual TLS')
  end)
  client:on('data', function(data)
    print('client: echoed "' .. data .. '"')
    client:_end()
  end)
  client:on('close', function() server:close() end)
end)
