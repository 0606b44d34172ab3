-- Interoperability with real peers: openssl s_client/s_server and Node.js.
local tls = require('tls')

local CA = H.cert('ca-cert.pem')
local VERSIONS = { { 'TLSv1.2', '-tls1_2' }, { 'TLSv1.3', '-tls1_3' } }

-- an echo server that ends once it has seen `last`; ready(server, port)
local function echo_until(last, options, ready, on_secure)
  local server = tls.createServer(H.tls_options(options), function(sock)
    if on_secure then on_secure(sock) end
    local buf = ''
    sock:on('data', function(d)
      buf = buf .. d
      sock:write(d)
      if buf:find(last, 1, true) then sock:_end() end
    end)
  end)
  server:listen(0, '127.0.0.1', function() ready(server, server:address().port) end)
  return server
end

-- waits for `marker` on the child's stdout or stderr, then calls go()
local function when_printed(child, marker, go)
  local seen, started = '', false
  local function watch(d)
    seen = seen .. d
    if not started and seen:find(marker, 1, true) then
      started = true
      go()
    end
  end
  child.stdout:on('data', watch)
  child.stderr:on('data', watch)
end

local NODE_CLIENT = [[
const tls = require('tls'), fs = require('fs');
const [port, version] = process.argv.slice(1);
const s = tls.connect({ port: +port, host: '127.0.0.1', servername: 'localhost',
  ca: fs.readFileSync('certs/ca-cert.pem'),
  key: fs.readFileSync('certs/client-key.pem'), cert: fs.readFileSync('certs/client-cert.pem'),
  minVersion: version, maxVersion: version }, () => s.write('from node\n'));
let got = '';
s.on('data', d => { got += d; });
s.on('end', () => console.log(JSON.stringify({ protocol: s.getProtocol(), authorized: s.authorized, got })));
]]

local NODE_SERVER = [[
const tls = require('tls'), fs = require('fs');
const version = process.argv[1];
const server = tls.createServer({ key: fs.readFileSync('certs/server-key.pem'),
  cert: fs.readFileSync('certs/server-cert.pem'), minVersion: version, maxVersion: version,
  requestCert: true, ca: fs.readFileSync('certs/ca-cert.pem') }, (s) => {
  s.on('data', d => { s.end('node says ' + d + ' ' + s.getProtocol() + ' ' + s.authorized); server.close(); });
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
]]

describe('interop', function()
  for _, v in ipairs(VERSIONS) do
    local version, flag = v[1], v[2]

    it('openssl s_client -> luatls server over ' .. version .. ', verified, lines echoed, close_notify sent', function()
      local code, out, authorized
      H.run(10000, function(done)
        echo_until('line two\n', { requestCert = true, ca = CA }, function(server, port)
          local child = H.spawn('openssl', { 's_client', '-connect', '127.0.0.1:' .. port, flag,
            '-CAfile', 'certs/ca-cert.pem', '-cert', 'certs/client-cert.pem', '-key', 'certs/client-key.pem',
            '-servername', 'localhost', '-ign_eof', '-msg' },
            function(c, o) code, out = c, o; server:close(done) end)
          child.stdin:_end('line one\nline two\n')
        end, function(sock) authorized = sock.authorized end)
      end)
      assert.equal(0, code)
      assert.is_true(authorized)
      assert.matches('Verify return code: 0 %(ok%)', out)
      assert.matches('Protocol  *: ' .. version:gsub('%.', '%%.'), out)
      assert.matches('\nline one\nline two\n', out)
      assert.matches('<<< TLS 1.%d, Alert %[length 0002%], warning close_notify', out)
    end)

    it('luatls client -> openssl s_server over ' .. version, function()
      local facts, got = {}, ''
      H.run(10000, function(done)
        local port = H.free_port()
        local server = H.spawn('openssl', { 's_server', '-accept', tostring(port), flag, '-rev', '-naccept', '1',
          '-cert', 'certs/server-cert.pem', '-key', 'certs/server-key.pem' }, function() done() end)
        when_printed(server, 'ACCEPT', function()
          local c
          c = tls.connect(port, 'localhost', { ca = CA }, function()
            facts.protocol, facts.authorized = c:getProtocol(), c.authorized
            c:write('hello openssl\n')
          end)
          c:on('data', function(d)
            got = got .. d
            if got:find('\n', 1, true) then c:_end() end
          end)
        end)
      end)
      assert.equal(version, facts.protocol)
      assert.is_true(facts.authorized)
      assert.equal('lssnepo olleh\n', got)
    end)

    it('node tls client -> luatls server over ' .. version, function()
      local result, server_side
      H.run(15000, function(done)
        echo_until('from node\n', { requestCert = true, ca = CA }, function(server, port)
          H.spawn('node', { '-e', NODE_CLIENT, tostring(port), version }, function(code, out, err)
            assert.equal(0, code, err)
            result = out
            server:close(done)
          end)
        end, function(sock) server_side = { sock.authorized, sock:getProtocol() } end)
      end)
      assert.same({ true, version }, server_side)
      assert.equal(('{"protocol":"%s","authorized":true,"got":"from node\\n"}\n'):format(version), result)
    end)

    it('luatls client -> node tls server over ' .. version, function()
      local got, facts = '', {}
      H.run(15000, function(done)
        local node = H.spawn('node', { '-e', NODE_SERVER, version }, function(code)
          facts.node_exit = code
          done()
        end)
        local seen = ''
        node.stdout:on('data', function(d)
          seen = seen .. d
          local port = seen:match('PORT (%d+)\n')
          if not port or facts.started then return end
          facts.started = true
          local c
          c = tls.connect(tonumber(port), 'localhost', { ca = CA, key = H.cert('client-key.pem'),
            cert = H.cert('client-cert.pem') }, function()
            facts.protocol, facts.authorized = c:getProtocol(), c.authorized
            c:write('lua')
          end)
          c:on('data', function(chunk) got = got .. chunk end)
        end)
      end)
      assert.equal(0, facts.node_exit)
      assert.equal(version, facts.protocol)
      assert.is_true(facts.authorized)
      assert.equal('node says lua ' .. version .. ' true', got)
    end)
  end
end)

describe('interop with GnuTLS', function()
  it('gnutls-cli -> luatls server: verified, echoed', function()
    local out, code
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options(), function(sock) sock:pipe(sock) end)
      server:listen(0, '127.0.0.1', function()
        local child = H.spawn('gnutls-cli', { '--x509cafile', 'certs/ca-cert.pem',
          '-p', tostring(server:address().port), 'localhost' },
          function(c, o) code, out = c, o; server:close(done) end)
        child.stdin:write('from gnutls\n')
        local got = ''
        child.stdout:on('data', function(d)
          got = got .. d
          if got:find('from gnutls\n', 1, true) then child.stdin:_end() end
        end)
      end)
    end)
    assert.equal(0, code)
    assert.matches('Handshake was completed', out)
    assert.matches('The certificate is trusted', out)
    assert.matches('from gnutls\n', out)
  end)
end)

describe('the data path', function()
  -- Node emits one 'data' per TLS record it decrypts, so it counts our records
  local NODE_COUNTER = [[
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({ key: fs.readFileSync('certs/server-key.pem'),
  cert: fs.readFileSync('certs/server-cert.pem') }, (s) => {
  let events = 0, bytes = 0;
  s.on('data', d => { events++; bytes += d.length; });
  s.on('end', () => { console.log(JSON.stringify({ events, bytes })); s.end(); server.close(); });
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
]]

  it('coalesces the writes of one loop iteration into one record', function()
    local result
    H.run(15000, function(done)
      local node = H.spawn('node', { '-e', NODE_COUNTER }, function(_, out)
        result = out:match('({.*})')
        done()
      end)
      local started = false
      node.stdout:on('data', function(d)
        local port = d:match('PORT (%d+)')
        if not port or started then return end
        started = true
        local c
        c = tls.connect(tonumber(port), 'localhost', { ca = CA }, function()
          for i = 1, 100 do c:write(('%09d\n'):format(i)) end
          c:_end()
        end)
        c:on('data', function() end)
      end)
    end)
    assert.equal('{"events":1,"bytes":1000}', result)
  end)

  -- 200 small writes from Node arrive as 200 records; luatls hands them over in one chunk
  local NODE_SENDER = [[
const tls = require('tls'), fs = require('fs');
const s = tls.connect({ port: +process.argv[1], host: '127.0.0.1', servername: 'localhost',
  ca: fs.readFileSync('certs/ca-cert.pem') }, () => {
  for (let i = 0; i < 199; i++) s.write('0123456789');
  s.write('0123456789', () => console.log('written'));
});
s.on('data', () => {});
s.on('end', () => s.end());
]]

  it('delivers many records as one chunk: one Lua call per read, not per record', function()
    local events, bytes = 0, 0
    H.run(15000, function(done)
      local sock, written
      -- once the handshake is done here and Node has written everything, read
      local function read_all()
        if sock and written then sock:resume() end
      end
      local server = tls.createServer(H.tls_options({ pauseOnConnect = true }), function(s)
        s:on('data', function(d)
          events = events + 1
          bytes = bytes + #d
          if bytes == 2000 then s:_end() end
        end)
        s:pause()
        sock = s
        read_all()
      end)
      server:listen(0, '127.0.0.1', function()
        local node = H.spawn('node', { '-e', NODE_SENDER, tostring(server:address().port) },
          function(code, _, err)
            assert.equal(0, code, err)
            server:close(done)
          end)
        node.stdout:on('data', function()
          written = true
          read_all()
        end)
      end)
    end)
    assert.equal(2000, bytes)
    assert.equal(1, events)
  end)
end)

describe('peers restricted to one cipher, group or version', function()
  -- starts a server program, connects once it prints `marker`, sends a line (PORT in
  -- args and marker is the port)
  local function against(cmd, args, marker, client_opts)
    local facts = {}
    H.run(15000, function(done)
      local port = H.free_port()
      for i, a in ipairs(args) do args[i] = a:gsub('PORT', tostring(port)) end
      marker = marker:gsub('PORT', tostring(port))
      local server = H.spawn(cmd, args, function() done() end)
      when_printed(server, marker, function()
        local o = { port = port, host = 'localhost', ca = CA }
        for k, v in pairs(client_opts or {}) do o[k] = v end
        local c
        c = tls.connect(o, function()
          facts.protocol, facts.cipher = c:getProtocol(), c:getCipher().name
          facts.ephemeral = c:getEphemeralKeyInfo()
          c:write('ping\n')
        end)
        c:on('data', function(d)
          facts.echo = (facts.echo or '') .. d
          if facts.echo:find('\n', 1, true) then c:_end() end
        end)
        c:on('error', function(e) facts.error = e end)
        c:on('close', function() server:kill() end)
      end)
    end)
    return facts
  end

  local S_SERVER = { 's_server', '-accept', 'PORT', '-rev', '-naccept', '1',
    '-cert', 'certs/server-cert.pem', '-key', 'certs/server-key.pem' }
  local function s_server(...)
    local args = {}
    for _, a in ipairs(S_SERVER) do args[#args + 1] = a end
    for _, a in ipairs({ ... }) do args[#args + 1] = a end
    return args
  end

  it('openssl s_server with one TLS 1.2 cipher', function()
    local f = against('openssl', s_server('-tls1_2', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384'), 'ACCEPT')
    assert.same({ 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'gnip\n' }, { f.protocol, f.cipher, f.echo })
  end)

  it('openssl s_server with one TLS 1.3 suite and one group', function()
    local f = against('openssl', s_server('-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256', '-groups', 'P-384'), 'ACCEPT')
    assert.same({ 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'gnip\n' }, { f.protocol, f.cipher, f.echo })
    assert.same({ type = 'ECDH', name = 'secp384r1', size = 384 }, f.ephemeral)
  end)

  it('openssl s_server that the client options exclude fails with the alert', function()
    local f = against('openssl', s_server('-tls1_2'), 'ACCEPT', { minVersion = 'TLSv1.3' })
    assert.equal('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', f.error.code)
    assert.equal('SSL routines', f.error.library)
    assert.equal('tlsv1 alert protocol version', f.error.reason)
  end)

  it('openssl s_server that wants a client certificate from our CA: unknown CA alert', function()
    local f = against('openssl', s_server('-tls1_2', '-Verify', '1', '-verify_return_error', '-CAfile', 'certs/ca-cert.pem'), 'ACCEPT',
      { key = H.cert('selfsigned-key.pem'), cert = H.cert('selfsigned-cert.pem') })
    assert.equal('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', f.error.code)
  end)

  -- gnutls-serv prints 'listening on IPv4 0.0.0.0 port N...' before it binds, and 'done'
  -- once it listens
  local GNUTLS_READY = 'port PORT...done'
  local GNUTLS = { '--echo', '-p', 'PORT', '--x509certfile', 'certs/server-cert.pem',
    '--x509keyfile', 'certs/server-key.pem', '--priority' }

  it('gnutls-serv limited to TLS 1.2 and ChaCha20-Poly1305', function()
    local args = { table.unpack(GNUTLS) }
    args[#args + 1] = 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305'
    local f = against('gnutls-serv', args, GNUTLS_READY)
    assert.same({ 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305', 'ping\n' }, { f.protocol, f.cipher, f.echo }, tostring(f.error))
  end)

  it('gnutls-serv limited to TLS 1.3 and the X25519 group', function()
    local args = { table.unpack(GNUTLS) }
    args[#args + 1] = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519'
    local f = against('gnutls-serv', args, GNUTLS_READY, { ciphers = 'TLS_AES_128_GCM_SHA256' })
    assert.same({ 'TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'ping\n' }, { f.protocol, f.cipher, f.echo }, tostring(f.error))
    assert.equal('X25519', f.ephemeral.name)
  end)

  it('gnutls-cli -> luatls server limited by its options', function()
    local out
    H.run(10000, function(done)
      local server = tls.createServer(H.tls_options({ maxVersion = 'TLSv1.2', ciphers = 'ECDHE-RSA-AES128-GCM-SHA256' }),
        function(sock) sock:pipe(sock) end)
      server:listen(0, '127.0.0.1', function()
        local child = H.spawn('gnutls-cli', { '--x509cafile', 'certs/ca-cert.pem',
          '-p', tostring(server:address().port), 'localhost' },
          function(_, o) out = o; server:close(done) end)
        child.stdin:write('limited\n')
        local got = ''
        child.stdout:on('data', function(d)
          got = got .. d
          if got:find('limited\n', 1, true) then child.stdin:_end() end
        end)
      end)
    end)
    assert.matches('Description: %(TLS1%.2[^)]*%)%-%(ECDHE%-[^)]+%)%-%(RSA%-[^)]+%)%-%(AES%-128%-GCM%)', out)
  end)

  it('no shared cipher: both ends get Node\'s codes', function()
    local server_err, client_err
    H.run(5000, function(done)
      local server = tls.createServer(H.tls_options({ ciphers = 'AES128-GCM-SHA256', maxVersion = 'TLSv1.2' }))
      server:on('tlsClientError', function(e) server_err = e end)
      server:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = server:address().port, host = 'localhost', ca = CA,
          ciphers = 'AES256-GCM-SHA384', maxVersion = 'TLSv1.2' })
        c:on('error', function(e) client_err = e end)
        c:on('close', function() server:close(done) end)
      end)
    end)
    assert.equal('ERR_SSL_NO_SHARED_CIPHER', server_err.code)
    assert.equal('no shared cipher', server_err.reason)
    assert.equal('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', client_err.code)
  end)
end)
