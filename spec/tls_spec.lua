local tls = require('tls')
local net = require('net')

local CA = H.cert('ca-cert.pem')

-- a TLS server on an ephemeral port; ready(server, port)
local serve = H.serve

local function echo(sock) sock:pipe(sock) end

describe('tls.createSecureContext', function()
  it('accepts PEM strings, lists, and an encrypted key with its passphrase', function()
    local ctx = tls.createSecureContext({
      key = H.cert('encrypted-key.pem'), passphrase = 'secret',
      cert = H.cert('server-cert.pem'), ca = { CA, H.cert('intermediate-cert.pem') },
    })
    assert.is_not_nil(ctx.context)
    ctx = tls.createSecureContext({ key = { { pem = H.cert('encrypted-key.pem'), passphrase = 'secret' } },
      cert = H.cert('server-cert.pem') })
    assert.is_not_nil(ctx.context)
  end)

  it('raises error objects that name the bad option', function()
    local function fails(options)
      local ok, err = pcall(tls.createSecureContext, options)
      assert.is_false(ok)
      return err
    end
    local err = fails({ key = 'not a PEM key', cert = H.cert('server-cert.pem') })
    assert.equal('key', err.option)
    assert.matches('^ERR_OSSL_', err.code)
    assert.matches("Invalid 'key' option", err.message)
    err = fails({ cert = 'garbage' })
    assert.equal('cert', err.option)
    assert.matches('^ERR_OSSL_PEM_', err.code)
    err = fails({ key = 42 })
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    assert.matches('options.key', err.message)
    err = fails({ key = H.cert('encrypted-key.pem'), passphrase = 'wrong', cert = H.cert('server-cert.pem') })
    assert.equal('key', err.option)
    err = fails({ key = H.cert('client-key.pem'), cert = H.cert('server-cert.pem') })
    assert.equal('key', err.option)
    assert.equal('ERR_OSSL_X509_KEY_VALUES_MISMATCH', err.code)
    err = fails({ ca = 'nothing here' })
    assert.equal('ca', err.option)
    err = fails({ minVersion = 'TLSv9' })
    assert.equal('ERR_TLS_INVALID_PROTOCOL_VERSION', err.code)
    assert.equal('minVersion', err.option)
  end)
end)

describe('tls server and client', function()
  for _, version in ipairs({ 'TLSv1.2', 'TLSv1.3' }) do
    it('echo over ' .. version .. ' with protocol, cipher, servername and authorization', function()
      local facts, got = {}, ''
      H.run(5000, function(done)
        serve({ maxVersion = version }, function(sock)
          facts.server_protocol = sock:getProtocol()
          facts.servername = sock.servername
          facts.encrypted = sock.encrypted
          sock:pipe(sock)
        end, function(server, port)
          local c
          c = tls.connect(port, 'localhost', { ca = CA }, function()
            facts.protocol = c:getProtocol()
            facts.cipher = c:getCipher()
            facts.authorized = c.authorized
            facts.authorizationError = c.authorizationError
            c:write('ping over ' .. version)
          end)
          c:on('data', function(d)
            got = got .. d
            if #got == #('ping over ' .. version) then c:_end() end
          end)
          c:on('close', function() server:close(done) end)
        end)
      end)
      assert.equal(version, facts.protocol)
      assert.equal(version, facts.server_protocol)
      -- as Node 20's tls.connect: the host alone is not sent as SNI
      assert.is_false(facts.servername)
      assert.is_true(facts.encrypted)
      assert.is_true(facts.authorized)
      assert.is_nil(facts.authorizationError)
      assert.equal('ping over ' .. version, got)
      assert.equal(version, facts.cipher.version)
      assert.is_string(facts.cipher.standardName)
      if version == 'TLSv1.3' then assert.matches('^TLS_', facts.cipher.name)
      else assert.equal('ECDHE-RSA-AES128-GCM-SHA256', facts.cipher.name) end
    end)
  end

  it('echoes 1 MiB byte-exact, including data written before the handshake ends', function()
    local size = 1024 * 1024
    local payload = {}
    for i = 1, size // 64 do payload[i] = ('%063d\n'):format(i) end
    payload = table.concat(payload)
    local got = {}
    H.run(10000, function(done)
      serve({}, echo, function(server, port)
        local c = tls.connect({ port = port, host = '127.0.0.1', ca = CA })
        c:write(payload)   -- queued until the handshake is done
        local n = 0
        c:on('data', function(d)
          got[#got + 1] = d
          n = n + #d
          if n == size then c:_end() end
        end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal(payload, table.concat(got))
  end)

  it('getPeerCertificate has Node\'s shape and chains issuerCertificate when detailed', function()
    local cert, detailed, der
    H.run(5000, function(done)
      serve({}, function(sock) sock:_end() end, function(server, port)
        local c
        c = tls.connect(port, 'localhost', { ca = CA }, function()
          cert = c:getPeerCertificate()
          detailed = c:getPeerCertificate(true)
          c:_end()
        end)
        c:on('data', function() end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    der = H.sh('openssl x509 -in certs/server-cert.pem -outform DER')
    assert.equal(der, cert.raw)
    assert.equal('localhost', cert.subject.CN)
    assert.equal('luatls test', cert.subject.O)
    assert.equal('luatls test CA', cert.issuer.CN)
    assert.equal('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1', cert.subjectaltname)
    assert.same({ 'http://ocsp.luatls.test/' }, cert.infoAccess['OCSP - URI'])
    assert.same({ 'http://ca.luatls.test/ca.crt' }, cert.infoAccess['CA Issuers - URI'])
    assert.is_false(cert.ca)
    assert.equal(2048, cert.bits)
    assert.equal('0x10001', cert.exponent)
    assert.matches('^[0-9A-F]+$', cert.modulus)
    assert.is_string(cert.pubkey)
    assert.matches('^%u%l%l [ %d]%d %d%d:%d%d:%d%d %d%d%d%d GMT$', cert.valid_from)
    assert.matches('GMT$', cert.valid_to)
    assert.matches('^%x%x' .. string.rep(':%x%x', 19) .. '$', cert.fingerprint)
    assert.matches('^%x%x' .. string.rep(':%x%x', 31) .. '$', cert.fingerprint256)
    assert.matches('^%x%x' .. string.rep(':%x%x', 63) .. '$', cert.fingerprint512)
    local fp = H.sh('openssl x509 -in certs/server-cert.pem -noout -fingerprint -sha256')
    assert.equal(fp:match('=(%S+)'), cert.fingerprint256)
    local serial = H.sh('openssl x509 -in certs/server-cert.pem -noout -serial')
    assert.equal(serial:match('=(%x+)'), cert.serialNumber)
    assert.same({ '1.3.6.1.5.5.7.3.1' }, cert.ext_key_usage)
    assert.is_nil(cert.issuerCertificate)
    local root = detailed.issuerCertificate
    assert.equal('luatls test CA', root.subject.CN)
    assert.is_true(root.ca)
    assert.equal(root, root.issuerCertificate)
  end)

  it('verifies an intermediate chain and reports ECDSA keys', function()
    local chain, ec
    H.run(5000, function(done)
      serve({ key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-fullchain.pem') },
        function(sock) sock:_end() end, function(server, port)
        local c
        c = tls.connect(port, 'localhost', { ca = CA }, function()
          chain = { c.authorized, c:getPeerCertificate(true) }
          c:_end()
        end)
        c:on('close', function()
          server:close()
          serve({ key = H.cert('ecdsa-server-key.pem'), cert = H.cert('ecdsa-server-cert.pem') },
            function(sock) sock:_end() end, function(server2, port2)
            local d
            d = tls.connect(port2, 'localhost', { ca = CA }, function()
              ec = { d:getPeerCertificate(), d:getCipher() }
              d:_end()
            end)
            d:on('close', function() server2:close(done) end)
          end)
        end)
      end)
    end)
    assert.is_true(chain[1])
    local leaf = chain[2]
    assert.equal('luatls intermediate CA', leaf.issuer.CN)
    assert.equal('luatls intermediate CA', leaf.issuerCertificate.subject.CN)
    assert.equal('luatls test CA', leaf.issuerCertificate.issuerCertificate.subject.CN)
    assert.equal('prime256v1', ec[1].asn1Curve)
    assert.equal('P-256', ec[1].nistCurve)
    assert.equal(256, ec[1].bits)
    assert.equal(65, #ec[1].pubkey)
  end)

  -- connect to a server with the given certificate; returns the client's error or authorization
  local function verify_case(server_opts, client_opts)
    local r = H.handshake(H.tls_options(server_opts), client_opts)
    return { authorized = r.client.authorized, authorizationError = r.client.authorizationError, error = r.client_error }
  end

  it('rejects an unknown issuer, a self-signed, an expired and a wrong-host certificate with Node\'s codes', function()
    local r = verify_case({}, { ca = H.cert('selfsigned-cert.pem') })
    assert.equal('UNABLE_TO_VERIFY_LEAF_SIGNATURE', r.error.code)
    assert.equal('unable to verify the first certificate', r.error.message)
    r = verify_case({ key = H.cert('selfsigned-key.pem'), cert = H.cert('selfsigned-cert.pem') }, { ca = CA })
    assert.equal('DEPTH_ZERO_SELF_SIGNED_CERT', r.error.code)
    assert.equal('self-signed certificate', r.error.message)
    r = verify_case({ key = H.cert('expired-key.pem'), cert = H.cert('expired-cert.pem') }, { ca = CA })
    assert.equal('CERT_HAS_EXPIRED', r.error.code)
    r = verify_case({ key = H.cert('wronghost-key.pem'), cert = H.cert('wronghost-cert.pem') }, { ca = CA })
    assert.equal('ERR_TLS_CERT_ALTNAME_INVALID', r.error.code)
    assert.equal("Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:wrong.example",
      r.error.message)
    assert.equal('localhost', r.error.host)
    assert.equal('wrong.example', r.error.cert.subject.CN)
  end)

  it('with rejectUnauthorized = false connects but is not authorized', function()
    local r = verify_case({ key = H.cert('expired-key.pem'), cert = H.cert('expired-cert.pem') },
      { ca = CA, rejectUnauthorized = false })
    assert.is_nil(r.error)
    assert.is_false(r.authorized)
    assert.equal('CERT_HAS_EXPIRED', r.authorizationError)
  end)

  it('checks IP addresses against IP altnames and uses a custom checkServerIdentity', function()
    local r = verify_case({}, { host = '127.0.0.1', ca = CA })
    assert.is_true(r.authorized)
    local seen
    r = verify_case({}, { ca = CA, checkServerIdentity = function(host, cert)
      seen = { host, cert.subject.CN }
      return require('luatls.errors').new('EPINNED', 'pin mismatch')
    end })
    assert.same({ 'localhost', 'localhost' }, seen)
    assert.equal('EPINNED', r.error.code)
  end)

  it('authenticates clients by certificate, and reports one without a certificate', function()
    local seen = {}
    H.run(5000, function(done)
      serve({ requestCert = true, rejectUnauthorized = false, ca = CA }, function(sock)
        seen[#seen + 1] = { sock.authorized, sock.authorizationError, (sock:getPeerCertificate().subject or {}).CN }
        sock:_end()
      end, function(server, port)
        local with = tls.connect(port, 'localhost', { ca = CA, key = H.cert('client-key.pem'), cert = H.cert('client-cert.pem') })
        with:on('data', function() end)
        with:on('close', function()
          local without = tls.connect(port, 'localhost', { ca = CA })
          without:on('data', function() end)
          without:on('close', function() server:close(done) end)
        end)
      end)
    end)
    assert.same({ true, nil, 'luatls client' }, seen[1])
    assert.same({ false, 'UNABLE_TO_GET_ISSUER_CERT' }, seen[2])
  end)

  it('a server that requires client certificates fails a client without one', function()
    local server_err, client_err
    H.run(5000, function(done)
      local server = serve({ requestCert = true, ca = CA }, function() error('must not connect') end,
        function(server, port)
          local c = tls.connect(port, 'localhost', { ca = CA })
          c:on('error', function(e) client_err = e end)
          c:on('data', function() end)
          c:on('close', function() server:close(done) end)
        end)
      server:on('tlsClientError', function(e) server_err = e end)
    end)
    assert.equal('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE', server_err.code)
    assert.equal('SSL routines', server_err.library)
    assert.matches('^ERR_SSL_', client_err.code)
  end)
end)

describe('tls server against bad peers', function()
  -- sends raw bytes over TCP, then checks that a good client still gets its echo
  local function bad_peer(bytes, extra_server_opts)
    local errs, echoed, peer_closed = {}, nil, false
    H.run(5000, function(done)
      local server = serve(extra_server_opts or {}, echo, function(server, port)
        local raw = net.connect(port, '127.0.0.1')
        raw:on('connect', function() if bytes then raw:_end(bytes) end end)
        raw:on('data', function() end)
        raw:on('error', function() end)
        raw:on('close', function()
          peer_closed = true
          local good
          good = tls.connect(port, 'localhost', { ca = CA }, function() good:write('still here') end)
          good:on('data', function(d) echoed = d; good:_end() end)
          good:on('close', function() server:close(done) end)
        end)
      end)
      server:on('tlsClientError', function(e, sock)
        errs[#errs + 1] = { e.code, e.message, sock.remoteAddress }
      end)
    end)
    return errs, echoed, peer_closed
  end

  it("garbage bytes end in 'tlsClientError' and other connections keep working", function()
    local errs, echoed = bad_peer('hello garbage\r\n')
    assert.equal('ERR_SSL_WRONG_VERSION_NUMBER', errs[1][1])
    assert.matches('wrong version number', errs[1][2])
    assert.equal('127.0.0.1', errs[1][3])
    assert.equal('still here', echoed)
    errs = bad_peer('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.equal('ERR_SSL_HTTP_REQUEST', errs[1][1])
  end)

  it('a truncated handshake ends in ECONNRESET and the server goes on', function()
    local errs, echoed = bad_peer('\22\3\1\0\200\1\0\0\196\3\3')
    assert.same({ 'ECONNRESET', 'socket hang up', '127.0.0.1' }, errs[1])
    assert.equal('still here', echoed)
  end)

  it('a silent peer is cut off by handshakeTimeout and the socket is closed', function()
    local errs, echoed, peer_closed = bad_peer(nil, { handshakeTimeout = H.ms(100) })
    assert.equal('ERR_TLS_HANDSHAKE_TIMEOUT', errs[1][1])
    assert.is_true(peer_closed)
    assert.equal('still here', echoed)
  end)
end)

describe('tls.checkServerIdentity', function()
  local function check(host, cert)
    local err = tls.checkServerIdentity(host, cert)
    return err and err.reason or 'ok'
  end

  it('matches DNS names, one-label wildcards, IPs and the CN fallback as Node does', function()
    local cert = { subject = { CN = 'ignored' }, subjectaltname = 'DNS:*.example.com, DNS:exact.org, IP Address:10.0.0.1' }
    assert.equal('ok', check('a.example.com', cert))
    assert.equal('ok', check('EXACT.org.', cert))
    assert.equal("Host: a.b.example.com. is not in the cert's altnames: " .. cert.subjectaltname, check('a.b.example.com', cert))
    assert.equal("Host: example.com. is not in the cert's altnames: " .. cert.subjectaltname, check('example.com', cert))
    assert.equal('ok', check('10.0.0.1', cert))
    assert.equal("IP: 10.0.0.2 is not in the cert's list: 10.0.0.1", check('10.0.0.2', cert))
    assert.equal('ok', check('cn.example', { subject = { CN = 'cn.example' } }))
    assert.equal("Host: x.example. is not cert's CN: cn.example", check('x.example', { subject = { CN = 'cn.example' } }))
    assert.equal('Cert does not contain a DNS name', check('x.example', { subject = {} }))
    assert.equal("Host: a.com. is not in the cert's altnames: DNS:*.com", check('a.com', { subjectaltname = 'DNS:*.com' }))
    assert.equal('ok', check('::1', { subjectaltname = 'IP Address:0:0:0:0:0:0:0:1' }))
  end)
end)

describe('tls odds and ends', function()
  it('shares one secureContext between a server and a client, sends servername as SNI, emits connection', function()
    local facts = {}
    H.run(5000, function(done)
      local ctx = tls.createSecureContext({ key = H.cert('server-key.pem'), cert = H.cert('server-cert.pem'), ca = CA })
      local server = tls.createServer({ secureContext = ctx }, function(sock)
        facts.servername = sock.servername
        sock:_end('ok')
      end)
      server:on('connection', function(sock) facts.connection = sock.encrypted end)
      server:listen(0, '127.0.0.1', function()
        local c
        c = tls.connect({ port = server:address().port, host = '127.0.0.1', servername = 'localhost',
          secureContext = ctx }, function() facts.authorized = c.authorized end)
        c:on('data', function(d) facts.data = d end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.same({ servername = 'localhost', connection = true, authorized = true, data = 'ok' }, facts)
  end)

  it('destroy() closes without close_notify, as Node does', function()
    local out
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options(), function(sock)
        sock:on('data', function() sock:destroy() end)
      end)
      server:listen(0, '127.0.0.1', function()
        local child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. server:address().port,
          '-ign_eof', '-msg' }, function(_, o) out = o; server:close(done) end)
        child.stdin:_end('hi\n')
      end)
    end)
    assert.is_nil(out:find('<<< TLS 1.3, Alert [length 0002], warning close_notify', 1, true))
    assert.matches('CONNECTED', out)
  end)
end)
