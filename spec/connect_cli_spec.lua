-- `luatls connect`: against openssl s_server (TLS 1.2 and 1.3, ALPN, client
-- certificates, session files), against luatls peers speaking the STARTTLS
-- dialogues and serving certificates that fail verification; piped standard
-- input, -e and script files; exit statuses. Every process is spawned inside
-- H.run, which bounds the test and kills what is left by its PID.
local tls = require('tls')
local fs = require('fs')
local x509 = require('x509')

local dir = os.tmpname()
os.remove(dir)
assert(os.execute('mkdir -p ' .. dir))
local function path(name) return dir .. '/' .. name end

-- the certificates: a CA, a server (localhost, 127.0.0.1) and a client
local ca = x509.createCA({ subject = { CN = 'connect spec CA' } })
local server_id = ca:issue({ subject = { CN = 'localhost' }, altNames = { 'DNS:localhost', 'IP:127.0.0.1' } })
local client_id = ca:issue({ subject = { CN = 'spec client' }, extKeyUsage = { 'clientAuth' } })
fs.writeFileSync(path('ca.pem'), ca.cert)
fs.writeFileSync(path('server-cert.pem'), server_id.cert)
fs.writeFileSync(path('server-key.pem'), server_id.key)
fs.writeFileSync(path('client-cert.pem'), client_id.cert)
fs.writeFileSync(path('client-key.pem'), client_id.key)

teardown(function() os.execute('rm -rf ' .. dir) end)

-- `luatls connect ARGS` with input on stdin; on_close(code, stdout, stderr)
local function connect(args, input, on_close)
  local argv = { 'connect' }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local child = H.spawn(H.LUATLS, argv, on_close)
  if input then child.stdin:_end(input) end
  return child
end

-- openssl s_server with -rev (each line comes back reversed) on a free port;
-- go(port, server) once it accepts
local function s_server(extra, go)
  local port = H.free_port()
  local args = { 's_server', '-accept', '127.0.0.1:' .. port, '-cert', path('server-cert.pem'),
    '-key', path('server-key.pem'), '-rev' }
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  local srv
  local started = false
  srv = H.spawn('openssl', args)
  srv.stdout:on('data', function()
    if started or not srv.output():find('ACCEPT', 1, true) then return end
    started = true
    go(port, srv)
  end)
  return srv
end

-- runs one connect against s_server; returns code, stdout, stderr, s_server's output
local function against_s_server(server_args, args, input)
  local r = {}
  H.run(30000, function(done)
    s_server(server_args, function(port, srv)
      local a = { 'localhost:' .. port }
      for _, x in ipairs(args) do a[#a + 1] = x end
      connect(a, input, function(code, out, err)
        r = { code = code, out = out, err = err, server = srv.output() }
        srv:kill()
        done()
      end)
    end)
  end)
  return r
end

describe('luatls connect against openssl s_server', function()
  it('TLS 1.3 with ALPN: the summary, the bytes both ways, exit 0', function()
    local r = against_s_server({ '-alpn', 'h2' }, { '--ca', path('ca.pem'), '--alpn', 'h2,http/1.1' }, 'hello\n')
    assert.equal(0, r.code)
    assert.equal('olleh\n', r.out)
    assert.matches('%* SNI sent: localhost\n', r.err)
    assert.matches('%* Protocol: TLSv1%.3\n', r.err)
    assert.matches('%* Cipher: TLS_AES_', r.err)
    assert.matches('%* Key exchange: X25519 %(ECDH, 253 bits%)\n', r.err)
    assert.matches('%* ALPN: h2\n', r.err)
    assert.matches('%* Session reused: no\n', r.err)
    assert.matches('%* OCSP staple: none\n', r.err)
    assert.matches('%* Peer chain: 2 certificates\n', r.err)
    assert.matches('%*   0 subject: CN=localhost\n%*     issuer: CN=connect spec CA\n', r.err)
    assert.matches('%*     SANs: DNS:localhost, IP Address:127%.0%.0%.1\n', r.err)
    assert.matches('%*     key: EC P%-256 %(256 bits%)\n', r.err)
    assert.matches('%*     SHA%-256: ' .. ('%x%x:'):rep(31) .. '%x%x\n', r.err)
    assert.matches('%* Verification: OK\n', r.err)
  end)

  it('--tls1.2 and --ciphers', function()
    local r = against_s_server({}, { '--ca', path('ca.pem'), '--tls1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256' },
      'abc\n')
    assert.equal(0, r.code)
    assert.equal('cba\n', r.out)
    assert.matches('%* Protocol: TLSv1%.2\n', r.err)
    assert.matches('%* Cipher: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n', r.err)
  end)

  it('--cert and --key: a server that demands a client certificate gets it', function()
    local r = against_s_server({ '-Verify', '1', '-CAfile', path('ca.pem') },
      { '--ca', path('ca.pem'), '--cert', path('client-cert.pem'), '--key', path('client-key.pem') }, 'mtls\n')
    assert.equal(0, r.code)
    assert.equal('sltm\n', r.out)
  end)

  it('--cert and --key: a luatls server sees the client certificate', function()
    local r
    H.run(30000, function(done)
      local server = tls.createServer({ key = server_id.key, cert = server_id.cert, ca = ca.cert,
        requestCert = true, rejectUnauthorized = true }, function(s)
        s:_end(s:getPeerCertificate().subject.CN .. ' ' .. tostring(s.authorized) .. '\n')
      end)
      server:listen(0, '127.0.0.1', function()
        connect({ 'localhost:' .. server:address().port, '--ca', path('ca.pem'), '-q',
          '--cert', path('client-cert.pem'), '--key', path('client-key.pem') }, '', function(c, o, e)
          r = { code = c, out = o, err = e }
          server:close()
          done()
        end)
      end)
    end)
    assert.equal(0, r.code)
    assert.equal('spec client true\n', r.out)
  end)

  it('without a client certificate the same server refuses: exit 1', function()
    local r = against_s_server({ '-Verify', '1', '-CAfile', path('ca.pem') },
      { '--ca', path('ca.pem'), '--tls1.2', '-q' }, 'x\n')
    assert.equal(1, r.code)
    assert.equal('', r.out)
    assert.matches('luatls connect: localhost:%d+: ', r.err)
  end)

  for _, v in ipairs({ '1.2', '1.3' }) do
    it('--session-out then --session-in resumes the session (TLS ' .. v .. ')', function()
      local file = path('session-' .. v)
      local first, second
      H.run(30000, function(done)
        s_server({}, function(port, srv)
          connect({ 'localhost:' .. port, '--ca', path('ca.pem'), '--tls' .. v, '--session-out', file }, 'one\n',
            function(c1, o1, e1)
              first = { code = c1, out = o1, err = e1 }
              connect({ 'localhost:' .. port, '--ca', path('ca.pem'), '--tls' .. v, '--session-in', file }, 'two\n',
                function(c2, o2, e2)
                  second = { code = c2, out = o2, err = e2 }
                  srv:kill()
                  done()
                end)
            end)
        end)
      end)
      assert.equal(0, first.code)
      assert.equal('eno\n', first.out)
      assert.matches('%* Session reused: no\n', first.err)
      assert.is_true(#fs.readFileSync(file) > 100)
      assert.equal(0, second.code)
      assert.equal('owt\n', second.out)
      assert.matches('%* Session reused: yes\n', second.err)
    end)
  end

  it('--keylog writes the NSS key log', function()
    local file = path('keys.log')
    local r = against_s_server({}, { '--ca', path('ca.pem'), '--keylog', file, '-q' }, 'k\n')
    assert.equal(0, r.code)
    local log = fs.readFileSync(file)
    assert.matches('CLIENT_HANDSHAKE_TRAFFIC_SECRET %x+ %x+\n', log)
    assert.matches('SERVER_TRAFFIC_SECRET_0 %x+ %x+\n', log)
  end)
end)

-- the STARTTLS peer (spec/scripts/starttls_peer.lua): go(port) once it listens
local function starttls_case(proto, args)
  local r
  H.run(30000, function(done)
    local cafile = path('st-' .. proto .. '.pem')
    local peer = H.spawn(H.LUATLS, { 'spec/scripts/starttls_peer.lua', proto, cafile })
    local started = false
    peer.stdout:on('data', function()
      local port = peer.output():match('port (%d+)\n')
      if started or not port then return end
      started = true
      local a = { 'localhost:' .. port, '--starttls', (proto:gsub('%-refuse$', '')), '--ca', cafile }
      for _, x in ipairs(args or {}) do a[#a + 1] = x end
      connect(a, 'hello\n', function(code, out, err)
        r = { code = code, out = out, err = err }
        peer:kill()
        done()
      end)
    end)
  end)
  return r
end

describe('luatls connect --starttls', function()
  it('smtp: EHLO, STARTTLS, 220, then TLS', function()
    local r = starttls_case('smtp')
    assert.equal(0, r.code)
    assert.equal('TLS:hello\n', r.out)
    assert.matches('%* S: 220 test ESMTP\n%* C: EHLO luatls%.localdomain\n', r.err)
    assert.matches('%* S: 250 STARTTLS\n%* C: STARTTLS\n%* S: 220 2%.0%.0 Ready to start TLS\n', r.err)
    assert.matches('%* Connected to 127%.0%.0%.1 port %d+ %(STARTTLS smtp%)\n', r.err)
    assert.matches('%* Verification: OK\n', r.err)
  end)

  it('imap: CAPABILITY, STARTTLS, OK, then TLS', function()
    local r = starttls_case('imap')
    assert.equal(0, r.code)
    assert.equal('TLS:hello\n', r.out)
    assert.matches('%* C: a1 CAPABILITY\n%* S: %* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\n%* S: a1 OK done\n', r.err)
    assert.matches('%* C: a2 STARTTLS\n%* S: a2 OK Begin TLS negotiation now\n', r.err)
    assert.matches('%* Protocol: TLSv1%.3\n', r.err)
  end)

  for _, proto in ipairs({ 'pop3', 'ftp', 'xmpp', 'postgres', 'ldap' }) do
    it(proto, function()
      local r = starttls_case(proto, { '-q' })
      assert.equal(0, r.code)
      assert.equal('TLS:hello\n', r.out)
      assert.equal('', r.err)
    end)
  end

  it('a server that refuses STARTTLS: ERR_STARTTLS_REFUSED, exit 1', function()
    local r = starttls_case('smtp-refuse', { '-q' })
    assert.equal(1, r.code)
    assert.equal('', r.out)
    assert.matches('ERR_STARTTLS_REFUSED: smtp: the server refused STARTTLS: 454 4%.7%.0 TLS not available\n', r.err)
  end)
end)

-- a luatls server in this process with identity id, echoing; go(port, finish)
local function with_server(id, go)
  H.run(30000, function(done)
    local server = tls.createServer(id, function(s)
      s:on('data', function(d) s:write(d) end)
      s:on('end', function() s:_end() end)
      s:on('error', function() end)
    end)
    server:on('tlsClientError', function() end)
    server:listen(0, '127.0.0.1', function()
      go(server:address().port, function() server:close(); done() end)
    end)
  end)
end

describe('luatls connect: verification', function()
  for _, case in ipairs({
    { 'selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    { 'expired', 'CERT_HAS_EXPIRED' },
    { 'wrongHost', 'ERR_TLS_CERT_ALTNAME_INVALID' },
  }) do
    local kind, code = case[1], case[2]
    it(kind .. ': the summary names ' .. code .. ', exit 2; with --insecure it goes on', function()
      local bad = x509.bad[kind](ca)
      local cafile = path('bad-ca.pem')
      fs.writeFileSync(cafile, bad.ca)
      local strict, loose
      with_server(bad, function(port, finish)
        connect({ 'localhost:' .. port, '--ca', cafile }, 'data\n', function(c, o, e)
          strict = { code = c, out = o, err = e }
          connect({ 'localhost:' .. port, '--ca', cafile, '--insecure' }, 'data\n', function(c2, o2, e2)
            loose = { code = c2, out = o2, err = e2 }
            finish()
          end)
        end)
      end)
      assert.equal(2, strict.code)
      assert.equal('', strict.out)
      assert.matches('%* Verification: FAILED: ' .. code .. '\n', strict.err)
      assert.matches('luatls connect: the certificate failed verification: ' .. code, strict.err)
      assert.equal(0, loose.code)
      assert.equal('data\n', loose.out)
      assert.matches('%* Verification: FAILED: ' .. code .. ' %(going on: %-%-insecure%)\n', loose.err)
    end)
  end

  it('the default trust store does not know an in-process CA (its certificate is not sent)', function()
    local r
    -- key and cert only: with its ca (the root) a server sends the root too, as Node's does,
    -- and the client sees SELF_SIGNED_CERT_IN_CHAIN
    with_server({ key = server_id.key, cert = server_id.cert }, function(port, finish)
      connect({ 'localhost:' .. port, '-q' }, 'x', function(c, o, e)
        r = { code = c, out = o, err = e }
        finish()
      end)
    end)
    assert.equal(2, r.code)
    assert.matches('the certificate failed verification: UNABLE_TO_VERIFY_LEAF_SIGNATURE', r.err)
  end)
end)

describe('luatls connect: input, scripts, exit statuses', function()
  it('piped standard input reaches the peer byte for byte; its end ends the write side', function()
    local data = {}
    for i = 0, 300000 - 1 do data[#data + 1] = string.char((i * 7919) % 256) end
    data = table.concat(data)
    local r, server_ended
    H.run(30000, function(done)
      local server = tls.createServer(server_id, function(s)
        s:on('data', function(d) s:write(d) end)
        s:on('end', function() server_ended = true; s:_end() end)
      end)
      server:listen(0, '127.0.0.1', function()
        connect({ 'localhost:' .. server:address().port, '--ca', path('ca.pem'), '-q' }, data, function(c, o, e)
          r = { code = c, out = o, err = e }
          server:close()
          done()
        end)
      end)
    end)
    assert.equal(0, r.code)
    assert.equal('', r.err)
    assert.equal(#data, #r.out)
    assert.is_true(data == r.out)
    assert.is_true(server_ended)
  end)

  it('the peer closing ends the process, though its standard input is still open', function()
    local r, child
    H.run(30000, function(done)
      local server
      -- done once the process has exited and the server's side has closed
      local finish = H.countdown(2, function() server:close(); done() end)
      server = tls.createServer(server_id, function(s)
        s:on('error', function() end)
        s:on('data', function() end)
        s:on('close', finish)
        s:_end('bye\n')
      end)
      server:listen(0, '127.0.0.1', function()
        child = connect({ 'localhost:' .. server:address().port, '--ca', path('ca.pem'), '-q' }, nil, function(c, o, e)
          r = { code = c, out = o, err = e }
          child.stdin:destroy()
          finish()
        end)
        child.stdin:on('error', function() end)
        child.stdin:write('still typing\n')
      end)
    end)
    assert.equal(0, r.code)
    assert.equal('bye\n', r.out)
  end)

  it('--crlf turns piped line ends into CRLF', function()
    local r
    with_server(server_id, function(port, finish)
      connect({ 'localhost:' .. port, '--ca', path('ca.pem'), '-q', '--crlf' }, 'a\nb\r\nc\n', function(c, o)
        r = { code = c, out = o }
        finish()
      end)
    end)
    assert.equal(0, r.code)
    assert.equal('a\r\nb\r\nc\r\n', r.out)
  end)

  it('-e runs against the connected socket s', function()
    local r
    with_server(server_id, function(port, finish)
      connect({ 'localhost:' .. port, '--ca', path('ca.pem'), '-q', '-e',
        "s:on('data', function(d) io.write('[', d, '] ', s:getProtocol(), '\\n') s:_end() end) s:write('ping')" },
        nil, function(c, o, e)
          r = { code = c, out = o, err = e }
          finish()
        end)
    end)
    assert.equal(0, r.code)
    assert.equal('[ping] TLSv1.3\n', r.out)
    assert.equal('', r.err)
  end)

  it('a script file gets s, its arguments in ... and process.argv', function()
    local script = path('script.lua')
    fs.writeFileSync(script, [[
local sock, word = ...
assert(sock == s)
s:write(word)
s:once('data', function(d) print(d, process.argv[#process.argv]) s:destroy() end)
]])
    local r
    with_server(server_id, function(port, finish)
      connect({ 'localhost:' .. port, '--ca', path('ca.pem'), '-q', script, 'marco' }, nil, function(c, o, e)
        r = { code = c, out = o, err = e }
        finish()
      end)
    end)
    assert.equal(0, r.code)
    assert.equal('marco\tmarco\n', r.out)
  end)

  it('connection refused: exit 1', function()
    local r
    H.run(20000, function(done)
      connect({ '127.0.0.1:' .. H.free_port(), '-q' }, '', function(c, o, e)
        r = { code = c, out = o, err = e }
        done()
      end)
    end)
    assert.equal(1, r.code)
    assert.matches('ECONNREFUSED', r.err)
  end)

  it('bad usage: exit 9 and the reason', function()
    for _, case in ipairs({
      { {}, 'HOST%[:PORT%] is missing' },
      { { 'localhost:70000' }, 'bad HOST%[:PORT%]: localhost:70000' },
      { { 'localhost', '--starttls', 'gopher' }, '%-%-starttls must be one of smtp, imap' },
      { { 'localhost', '--frobnicate' }, 'bad option: %-%-frobnicate' },
      { { 'localhost', '--cert', 'x.pem' }, '%-%-cert and %-%-key go together' },
      { { 'localhost', '--tls1.2', '--tls1.3' }, 'exclude each other' },
      { { 'localhost', '--alpn' }, '%-%-alpn needs an argument' },
    }) do
      local out, code = H.sh(H.LUATLS .. ' connect ' .. table.concat(case[1], ' ') .. ' 2>&1 </dev/null')
      assert.equal(9, code)
      assert.matches(case[2], out)
    end
  end)

  it('--help prints the options', function()
    local out, code = H.sh(H.LUATLS .. ' connect --help')
    assert.equal(0, code)
    for _, opt in ipairs({ '--servername', '--alpn', '--ca', '--cert', '--key', '--insecure', '--tls1.2', '--tls1.3',
      '--ciphers', '--session-out', '--session-in', '--starttls', '--keylog', '--crlf', '--lines', '--timeout', '-e' }) do
      assert.truthy(out:find(opt, 1, true), opt)
    end
  end)
end)

describe('luatls connect at a terminal', function()
  local R = require('repl_session')

  -- a REPL session of `luatls connect` against an in-process echo server
  local function session(args, steps)
    local code, out
    H.run(30000, function(done)
      local server = tls.createServer(server_id, function(s)
        s:on('data', function(d) s:write(d) end)
        s:on('end', function() s:_end() end)
        s:on('error', function() end)
      end)
      server:listen(0, '127.0.0.1', function()
        local a = 'connect localhost:' .. server:address().port .. ' --ca ' .. path('ca.pem') .. ' ' .. args
        R.session(steps, function(c, o)
          code, out = c, o
          server:close()
          done()
        end, { args = a })
      end)
    end)
    return code, R.plain(out)
  end

  it('s is the socket; .send writes a line; text and binary are shown above the prompt; Ctrl-D ends the write side', function()
    local code, out = session('-q', {
      R.expect('> '), R.line('.send hello there'), R.printed('hello there'),
      R.line('s:write("\\0\\1\\2bin")'), R.printed('0000  00 01 02 62 69 6e'),
      R.line('s:getProtocol()'), R.expect("'TLSv1.3'"), R.expect('> '),
      R.send('\4'), R.printed('* write side ended'), R.printed('* connection closed'),
    })
    assert.equal(0, code)
    assert.matches('0000  00 01 02 62 69 6e %s+|%.%.%.bin|', out)
    assert.matches('%* the peer ended its side', out)
  end)

  it('--lines --crlf: typed lines are written with CRLF; commands still work', function()
    local code, out = session('-q --lines --crlf', {
      R.expect('> '), R.line('HELO there'), R.printed('HELO there'),
      R.line('.help'), R.expect('.send TEXT'), R.line('.exit'),
    })
    assert.equal(0, code)
    assert.matches('Lines that are not commands are sent', out)
  end)

  it('prints the summary before the prompt', function()
    local code, out = session('', { R.expect('> '), R.line('.exit') })
    assert.equal(0, code)
    assert.matches('%* Verification: OK', out)
    assert.matches('Connected: s is the socket', out)
  end)
end)
