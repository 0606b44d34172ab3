-- Options of net.connect / tls.connect / createServer that must take effect:
-- timeout, localAddress/localPort, lookup, family, noDelay, keepAlive,
-- highWaterMark, signal, enableTrace, minDHSize. Where Node can run the same
-- scenario, the spec runs it side by side and compares.
local net = require('net')
local tls = require('tls')
local util = require('util')

local function has_node()
  local _, code = H.sh('command -v node >/dev/null')
  return code == 0
end

-- runs a node script with args; its stdout lines "key=value" as a table
local function node_facts(js, args)
  local facts
  H.run(15000, function(done)
    H.spawn('node', { '--no-warnings', '-e', js, table.unpack(args or {}) }, function(code, out, err)
      assert.equal(0, code, err)
      facts = {}
      for k, v in out:gmatch('([^\n=]+)=([^\n]*)') do facts[k] = v end
      done()
    end)
  end)
  return facts
end

-- node's facts when Node 20 or later is here, else what Node 20 gave when the spec was
-- written (Node 18, Debian's, calls lookup with all = true where Node 20 does not)
local function node_or(expected, js, args)
  if not has_node() then return expected end
  local v = H.sh('node --version')
  if (tonumber((v or ''):match('^v(%d+)')) or 0) < 20 then return expected end
  return node_facts(js, args)
end

local function str(v) if v == nil then return 'undefined' end return tostring(v) end

-- a TCP server on 127.0.0.1 that accepts and says nothing; ready(server, port)
local function silent_server(ready)
  local server = net.createServer(function(s) s:on('error', function() end); s:on('data', function() end) end)
  server:listen(0, '127.0.0.1', function() ready(server, server:address().port) end)
  return server
end

describe('connect options', function()
  it("timeout: sets the socket's timeout, 'timeout' is emitted and the socket stays open (net and tls)", function()
    local facts = {}
    H.run(5000, function(done)
      silent_server(function(server, port)
        local started = process.hrtime.bigint()
        local c = net.connect({ port = port, host = '127.0.0.1', timeout = 100 })
        c:on('timeout', function()
          facts.net_ms = (process.hrtime.bigint() - started) / 1e6
          facts.net_open = not c.destroyed
          c:destroy()
          -- a TLS client whose server never answers the ClientHello
          local t2 = tls.connect({ port = port, host = '127.0.0.1', timeout = 100 })
          t2:on('error', function() end)
          t2:on('timeout', function()
            facts.tls_timeout = true
            t2:destroy()
            server:close(done)
          end)
        end)
      end)
    end)
    assert.is_true(facts.net_ms >= 50 and facts.net_ms < 2000, tostring(facts.net_ms))
    assert.is_true(facts.net_open)
    assert.is_true(facts.tls_timeout)
  end)

  it('localAddress / localPort: the socket is bound before it connects; a bind that fails is the error (side by side)', function()
    local facts = {}
    H.run(5000, function(done)
      local seen
      local server = net.createServer(function(s) seen = s.remotePort; s:on('data', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local lport = H.free_port()
        local c = net.connect({ port = port, host = '127.0.0.1', localAddress = '127.0.0.1', localPort = lport })
        c:on('connect', function()
          facts.local_port_ok = c.localPort == lport
          facts.local_address = c.localAddress
        end)
        c:on('data', function() end)
        c:on('close', function()
          facts.server_saw_port = seen == lport
          -- the server's own port is taken: bind fails
          local d = net.connect({ port = port, host = '127.0.0.1', localAddress = '127.0.0.1', localPort = port })
          d:on('error', function(e)
            facts['bind.code'], facts['bind.syscall'] = e.code, e.syscall
            facts['bind.message'] = e.message:gsub(':%d+$', ':PORT')
            facts['bind.address'], facts['bind.port'] = e.address, e.port == port and 'PORT' or str(e.port)
          end)
          d:on('close', function()
            -- and tls.connect passes them on
            local lport2 = H.free_port()
            local t = tls.connect({ port = port, host = '127.0.0.1', localPort = lport2, rejectUnauthorized = false })
            t:on('error', function() end)
            t:on('connect', function() facts.tls_local_port_ok = t.localPort == lport2 end)
            t:on('close', function() server:close(done) end)
          end)
        end)
      end)
    end)
    local expected = node_or({ ['bind.code'] = 'EADDRINUSE', ['bind.syscall'] = 'bind',
      ['bind.message'] = 'bind EADDRINUSE 127.0.0.1:PORT', ['bind.address'] = '127.0.0.1', ['bind.port'] = 'PORT' }, [[
      const net = require('net');
      const server = net.createServer((s) => s.end()).listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        const d = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort: port });
        d.on('error', (e) => {
          console.log('bind.code=' + e.code); console.log('bind.syscall=' + e.syscall);
          console.log('bind.message=' + e.message.replace(/:\d+$/, ':PORT'));
          console.log('bind.address=' + e.address); console.log('bind.port=' + (e.port === port ? 'PORT' : e.port));
          server.close();
        });
      });
    ]])
    assert.is_true(facts.local_port_ok)
    assert.equal('127.0.0.1', facts.local_address)
    assert.is_true(facts.server_saw_port)
    assert.is_true(facts.tls_local_port_ok)
    for k, v in pairs(expected) do assert.equal(v, facts[k], k) end
    -- bad values raise at once, as in Node
    local ok, err = pcall(net.connect, { port = 1, localAddress = 'not-an-ip' })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_IP_ADDRESS', err.code)
    ok, err = pcall(net.connect, { port = 1, localPort = '80' })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  end)

  it('lookup: the custom resolver is called as Node calls it and its answer is used; family reaches it (side by side)', function()
    local facts = {}
    local function say(k, v) facts[k] = str(v) end
    H.run(5000, function(done)
      local server = net.createServer(function(s) s:on('data', function() end); s:_end() end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local c = net.connect({ host = 'foo.example', port = port, lookup = function(host, opts, cb)
          say('1.host', host); say('1.all', opts.all); say('1.family', opts.family)
          process.nextTick(function()
            if opts.all then cb(nil, { { address = '127.0.0.1', family = 4 } }) else cb(nil, '127.0.0.1', 4) end
          end)
        end })
        c:on('lookup', function(err, address, family, host)
          say('1.event', ('%s %s %s %s'):format(err and err.code or 'none', str(address), str(family), str(host)))
        end)
        c:on('connect', function() say('1.connected', c.remoteAddress) end)
        c:on('data', function() end)
        c:on('close', function()
          local c2 = net.connect({ host = 'foo.example', port = port, family = 4, lookup = function(_, opts, cb)
            say('2.all', opts.all); say('2.family', opts.family)
            cb(nil, '127.0.0.1', 4)
          end })
          c2:on('data', function() end)
          c2:on('close', function()
            local c3 = net.connect({ host = 'foo.example', port = port, lookup = function(_, _, cb) cb(nil, 'not-an-ip', 4) end })
            c3:on('error', function(e) say('3.code', e.code); say('3.message', e.message) end)
            c3:on('close', function()
              local c4 = net.connect({ host = 'foo.example', port = port, lookup = function(_, _, cb)
                cb(require('luatls.errors').new('EBADX', 'nope'))
              end })
              c4:on('error', function(e) say('4.code', e.code); say('4.message', e.message) end)
              c4:on('close', function()
                local called = false
                local c5 = net.connect({ host = '127.0.0.1', port = port, lookup = function(_, _, cb)
                  called = true
                  cb(nil, '127.0.0.1', 4)
                end })
                c5:on('data', function() end)
                c5:on('close', function()
                  say('5.lookup-called-for-ip', called)
                  -- and tls.connect passes it on
                  local t = tls.connect({ host = 'foo.example', servername = 'localhost', port = port,
                    rejectUnauthorized = false, lookup = function(_, _, cb) say('tls.lookup', true); cb(nil, '127.0.0.1', 4) end })
                  t:on('error', function() end)
                  t:on('close', function() server:close(done) end)
                end)
              end)
            end)
          end)
        end)
      end)
    end)
    local expected = node_or({
      ['1.host'] = 'foo.example', ['1.all'] = 'true', ['1.family'] = 'undefined',
      ['1.connected'] = '127.0.0.1', ['1.event'] = 'none 127.0.0.1 4 foo.example', ['2.all'] = 'undefined', ['2.family'] = '4',
      ['3.code'] = 'ERR_INVALID_IP_ADDRESS', ['3.message'] = 'Invalid IP address: undefined',
      ['4.code'] = 'EBADX', ['4.message'] = 'nope', ['5.lookup-called-for-ip'] = 'false',
    }, [[
      const net = require('net');
      const say = (k, v) => console.log(k + '=' + (v === undefined ? 'undefined' : v));
      const server = net.createServer((s) => s.end()).listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        const c = net.connect({ host: 'foo.example', port, lookup(host, opts, cb) {
          say('1.host', host); say('1.all', opts.all); say('1.family', opts.family);
          process.nextTick(() => {
            if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]); else cb(null, '127.0.0.1', 4);
          });
        } }, () => say('1.connected', c.remoteAddress));
        c.on('lookup', (err, address, family, host) => say('1.event', `${err ? err.code : 'none'} ${address} ${family} ${host}`));
        c.on('data', () => {});
        c.on('close', () => {
          const c2 = net.connect({ host: 'foo.example', port, family: 4, lookup(host, opts, cb) {
            say('2.all', opts.all); say('2.family', opts.family); cb(null, '127.0.0.1', 4);
          } });
          c2.on('data', () => {});
          c2.on('close', () => {
            const c3 = net.connect({ host: 'foo.example', port, lookup(h, o, cb) { cb(null, 'not-an-ip', 4); } });
            c3.on('error', (e) => { say('3.code', e.code); say('3.message', e.message); });
            c3.on('close', () => {
              const c4 = net.connect({ host: 'foo.example', port, lookup(h, o, cb) { const e = new Error('nope'); e.code = 'EBADX'; cb(e); } });
              c4.on('error', (e) => { say('4.code', e.code); say('4.message', e.message); });
              c4.on('close', () => {
                let called = false;
                const c5 = net.connect({ host: '127.0.0.1', port, lookup(h, o, cb) { called = true; cb(null, '127.0.0.1', 4); } });
                c5.on('data', () => {});
                c5.on('close', () => { say('5.lookup-called-for-ip', called); server.close(); });
              });
            });
          });
        });
      });
    ]])
    assert.equal('true', facts['tls.lookup'])
    facts['tls.lookup'] = nil
    -- Node's message names the address it did not get (undefined); luatls names the one it got
    assert.equal('Invalid IP address: not-an-ip', facts['3.message'])
    facts['3.message'] = expected['3.message']
    assert.same(expected, facts)
    local ok, err = pcall(net.connect, { port = 1, host = 'x.example', lookup = 5 })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  end)

  it('noDelay, keepAlive and keepAliveInitialDelay reach the kernel, on clients and on accepted sockets', function()
    local facts = {}
    H.run(5000, function(done)
      local server
      server = net.createServer({ noDelay = true, keepAlive = true, keepAliveInitialDelay = 3000 }, function(s)
        facts.accepted = { s._handle:sockopts() }
        s:on('data', function() end)
        s:_end()
      end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        local plain = net.connect(port, '127.0.0.1', function(sock) facts.default = { sock._handle:sockopts() } end)
        plain:on('data', function() end)
        plain:on('close', function()
          local c = net.connect({ port = port, host = 'localhost', noDelay = true, keepAlive = true,
            keepAliveInitialDelay = 5000 }, function(sock) facts.client = { sock._handle:sockopts() } end)
          c:on('data', function() end)
          c:on('close', function()
            -- set while the name is still being looked up: remembered until there is a socket
            local d = net.connect(port, 'localhost')
            d:setNoDelay(true)
            d:setKeepAlive(true, 7000)
            d:on('connect', function() facts.early = { d._handle:sockopts() } end)
            d:on('data', function() end)
            d:on('close', function()
              local t = tls.connect({ port = port, host = '127.0.0.1', noDelay = true, keepAlive = true,
                keepAliveInitialDelay = 2000, rejectUnauthorized = false })
              t:on('connect', function() facts.tls = { t._handle:sockopts() } end)
              t:on('error', function() end)
              t:on('close', function() server:close(done) end)
            end)
          end)
        end)
      end)
    end)
    assert.same({ false, false }, { facts.default[1], facts.default[2] })
    assert.same({ true, true, 5 }, facts.client)
    assert.same({ true, true, 3 }, facts.accepted)
    assert.same({ true, true, 7 }, facts.early)
    assert.same({ true, true, 2 }, facts.tls)
  end)

  it('highWaterMark: reading stops once that much is buffered, on clients and on accepted sockets', function()
    local MiB = 1024 * 1024
    local facts = {}
    H.run(8000, function(done)
      local server = net.createServer(function(s)
        s:on('error', function() end)
        s:write(string.rep('x', 4 * MiB))
      end)
      server:listen(0, '127.0.0.1', function()
        local port = server:address().port
        -- nobody reads: the socket buffers up to its mark, then stops
        local c = net.connect({ port = port, host = '127.0.0.1', highWaterMark = MiB })
        facts.marks = { c.readableHighWaterMark, c.writableHighWaterMark }
        c:on('connect', function()
          local t = require('timers').setTimeout(function()
            facts.buffered = c.bytesRead
            c:destroy()
            local small = net.createServer({ highWaterMark = 1000 }, function(s)
              facts.accepted = { s.readableHighWaterMark, s.writableHighWaterMark }
              s:destroy()
            end)
            small:listen(0, '127.0.0.1', function()
              local d = net.connect(small:address().port, '127.0.0.1')
              d:on('error', function() end)
              d:on('close', function() small:close(); server:close(done) end)
            end)
          end, 500)
          assert(t)
        end)
      end)
    end)
    assert.same({ MiB, MiB }, facts.marks)
    -- at least the mark, at most the mark and one more read (64 KiB)
    assert.is_true(facts.buffered >= MiB and facts.buffered <= MiB + 65536, tostring(facts.buffered))
    assert.same({ 1000, 1000 }, facts.accepted)
  end)

  it("signal: aborting destroys the socket with ABORT_ERR and closes a listening server (side by side)", function()
    local facts = {}
    local function say(k, v) facts[k] = str(v) end
    H.run(5000, function(done)
      silent_server(function(server, port)
        local c1 = net.connect({ port = port, host = '127.0.0.1', signal = util.AbortSignal.abort() })
        c1:on('error', function(e) say('pre.code', e.code); say('pre.name', e.name); say('pre.message', e.message) end)
        c1:on('close', function()
          local ac = util.AbortController()
          local c2
          c2 = net.connect({ port = port, host = '127.0.0.1', signal = ac.signal }, function() ac:abort() end)
          c2:on('error', function(e) say('later.code', e.code); say('later.cause', e.cause and e.cause.name) end)
          c2:on('close', function()
            -- a TLS client aborted during its handshake
            local ac3 = util.AbortController()
            local t = tls.connect({ port = port, host = '127.0.0.1', signal = ac3.signal })
            t:on('connect', function() ac3:abort() end)
            t:on('error', function(e) say('tls.code', e.code) end)
            t:on('close', function()
              local ac4 = util.AbortController()
              local s2 = net.createServer()
              s2:on('close', function()
                say('server.listening', s2.listening)
                server:close(done)
              end)
              s2:listen({ port = 0, host = '127.0.0.1', signal = ac4.signal }, function() ac4:abort() end)
            end)
          end)
        end)
      end)
    end)
    local ok, err = pcall(net.connect, { port = 1, signal = {} })
    assert.is_false(ok)
    say('bad.code', err.code)
    local expected = node_or({
      ['pre.code'] = 'ABORT_ERR', ['pre.name'] = 'AbortError', ['pre.message'] = 'The operation was aborted',
      ['later.code'] = 'ABORT_ERR', ['later.cause'] = 'AbortError',
      ['tls.code'] = 'ABORT_ERR', ['server.listening'] = 'false', ['bad.code'] = 'ERR_INVALID_ARG_TYPE',
    }, [[
      const net = require('net'), tls = require('tls');
      const say = (k, v) => console.log(k + '=' + (v === undefined ? 'undefined' : v));
      const server = net.createServer((s) => { s.on('error', () => {}); s.resume(); }).listen(0, '127.0.0.1', () => {
        const port = server.address().port;
        const c1 = net.connect({ port, host: '127.0.0.1', signal: AbortSignal.abort() });
        c1.on('error', (e) => { say('pre.code', e.code); say('pre.name', e.name); say('pre.message', e.message); });
        c1.on('close', () => {
          const ac = new AbortController();
          const c2 = net.connect({ port, host: '127.0.0.1', signal: ac.signal }, () => ac.abort());
          c2.on('error', (e) => { say('later.code', e.code); say('later.cause', e.cause && e.cause.name); });
          c2.on('close', () => {
            const ac3 = new AbortController();
            const t = tls.connect({ port, host: '127.0.0.1', signal: ac3.signal });
            t.on('connect', () => ac3.abort());
            t.on('error', (e) => say('tls.code', e.code));
            t.on('close', () => {
              const ac4 = new AbortController();
              const s2 = net.createServer();
              // the pre-aborted client's connection lingers in Node: exit when done
              s2.on('close', () => { say('server.listening', s2.listening); server.close(); process.exit(0); });
              s2.listen({ port: 0, host: '127.0.0.1', signal: ac4.signal }, () => ac4.abort());
            });
          });
        });
      });
      try { net.connect({ port: 1, signal: {} }); } catch (e) { say('bad.code', e.code); }
    ]])
    assert.same(expected, facts)
  end)

  describe('enableTrace', function()
    -- a client and a server in one child process; which of them traces is the mode
    local SCRIPT = [[
      local tls, fs = require('tls'), require('fs')
      local mode = process.argv[3]
      local srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
        cert = fs.readFileSync('certs/server-cert.pem'), enableTrace = mode == 'server' or nil },
        function(s) s:_end('x') end)
      srv:listen(0, '127.0.0.1', function()
        local c = tls.connect({ port = srv:address().port, host = '127.0.0.1', rejectUnauthorized = false,
          enableTrace = mode == 'option' or nil })
        if mode == 'method' then c:enableTrace() end
        c:on('data', function() end)
        c:on('close', function() srv:close() end)
      end)
    ]]
    local function trace(mode)
      local path = H.script(SCRIPT)
      local result
      H.run(10000, function(done)
        H.spawn(H.LUATLS, { path, mode }, function(code, _, err)
          result = { code = code, stderr = err }
          done()
        end)
      end)
      os.remove(path)
      return result
    end

    it('tls.connect({ enableTrace = true }) traces from the ClientHello on', function()
      local r = trace('option')
      assert.equal(0, r.code)
      assert.matches('^Sent Record\n', r.stderr)
      assert.matches('ClientHello', r.stderr)
    end)

    it('socket:enableTrace() right after tls.connect(), before the SSL exists, traces the ClientHello', function()
      local r = trace('method')
      assert.equal(0, r.code)
      assert.matches('^Sent Record\n', r.stderr)
      assert.matches('ClientHello', r.stderr)
    end)

    it("tls.createServer({ enableTrace = true }) traces each connection's handshake", function()
      local r = trace('server')
      assert.equal(0, r.code)
      assert.matches('^Received Record\n', r.stderr)
      assert.matches('ClientHello', r.stderr)
    end)

    it('nothing is traced without it; a non-boolean raises', function()
      local r = trace('none')
      assert.equal(0, r.code)
      assert.equal('', r.stderr)
      local ok, err = pcall(tls.connect, { port = 1, enableTrace = 1 })
      assert.is_false(ok)
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    end)
  end)

  describe('minDHSize', function()
    local DH = {
      dhparam = H.cert('dhparam.pem'),        -- 2048 bits
      ciphers = 'DHE-RSA-AES128-GCM-SHA256', maxVersion = 'TLSv1.2',
    }

    -- one luatls client per minDHSize against a DHE server on port; results by size
    local function clients(port, sizes, results, done)
      local i = 0
      local function next_client()
        i = i + 1
        local size = sizes[i]
        if not size then return done() end
        local c = tls.connect({ port = port, host = 'localhost', ca = H.cert('ca-cert.pem'), minDHSize = size })
        c:on('secureConnect', function(sock)
          results[size] = 'connected ' .. sock:getEphemeralKeyInfo().size
          sock:destroy()
        end)
        c:on('error', function(e) results[size] = e.code .. ': ' .. e.message end)
        c:on('close', next_client)
      end
      next_client()
    end

    it('a luatls client refuses a DH prime below minDHSize with ERR_TLS_DH_PARAM_SIZE, as a Node client does (side by side)', function()
      local results, node = {}, nil
      H.run(15000, function(done)
        H.serve(DH, function(s) s:on('error', function() end); s:_end() end, function(server, port)
          clients(port, { 3072, 2048 }, results, function()
            if not has_node() then return server:close(done) end
            H.spawn('node', { '-e', [[
              const tls = require('tls'), fs = require('fs');
              const out = {};
              const go = (sizes) => {
                if (!sizes.length) { console.log(JSON.stringify(out)); return; }
                const size = sizes[0];
                const c = tls.connect({ port: +process.argv[1], host: '127.0.0.1', servername: 'localhost',
                  ca: fs.readFileSync('certs/ca-cert.pem'), minDHSize: size }, () => {
                  out[size] = 'connected ' + c.getEphemeralKeyInfo().size; c.destroy(); });
                c.on('error', (e) => { out[size] = e.code; });
                c.on('close', () => go(sizes.slice(1)));
              };
              go([3072, 2048]);
            ]], tostring(port) }, function(code, out, err)
              assert.equal(0, code, err)
              node = out
              server:close(done)
            end)
          end)
        end)
      end)
      assert.equal('ERR_TLS_DH_PARAM_SIZE: DH parameter size 2048 is less than 3072', results[3072])
      assert.equal('connected 2048', results[2048])
      if node then
        assert.equal('{"2048":"connected 2048","3072":"ERR_TLS_DH_PARAM_SIZE"}\n', node)
      end
    end)

    it('against openssl s_server -dhparam, and bad values raise', function()
      local results = {}
      local port = H.free_port()
      H.run(15000, function(done)
        local srv = H.spawn('openssl', { 's_server', '-accept', tostring(port), '-naccept', '2',
          '-cert', 'certs/server-cert.pem', '-key', 'certs/server-key.pem', '-dhparam', 'certs/dhparam.pem',
          '-cipher', 'DHE-RSA-AES128-GCM-SHA256', '-tls1_2' }, function() done() end)
        local seen, started = '', false
        local function watch(d)
          seen = seen .. d
          if started or not seen:find('ACCEPT', 1, true) then return end
          started = true
          clients(port, { 4096, 2048 }, results, function() end)
        end
        srv.stdout:on('data', watch)
        srv.stderr:on('data', watch)
      end)
      assert.equal('ERR_TLS_DH_PARAM_SIZE: DH parameter size 2048 is less than 4096', results[4096])
      assert.equal('connected 2048', results[2048])
      for _, bad in ipairs({ 0, -1, 0 / 0 }) do
        local ok, err = pcall(tls.connect, { port = 1, minDHSize = bad })
        assert.is_false(ok)
        assert.equal('ERR_OUT_OF_RANGE', err.code)
      end
      local ok, err = pcall(tls.connect, { port = 1, minDHSize = '2048' })
      assert.is_false(ok)
      assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    end)
  end)
end)
