-- Unix domain sockets: listen(path) / connect(path) for net and tls, with
-- Node's semantics, and never a silent TCP listener in their place.
local net = require('net')
local tls = require('tls')
local fs = require('fs')

-- a fresh path nothing exists at
local function sock_path(tag)
  local p = os.tmpname()
  os.remove(p)
  return p .. '-' .. tag .. '.sock'
end

local function is_socket_file(path)
  local _, code = H.sh(("test -S '%s'"):format(path))
  return code == 0
end

local function has_node()
  local _, code = H.sh('command -v node >/dev/null')
  return code == 0
end

-- runs a node script with args; its stdout lines "key=value" as a table
local function node_facts(js, args)
  local facts
  H.run(15000, function(done)
    H.spawn('node', { '--no-warnings', '-e', js, table.unpack(args) }, function(code, out, err)
      assert.equal(0, code, err)
      facts = {}
      for k, v in out:gmatch('([^\n=]+)=([^\n]*)') do facts[k] = v end
      done()
    end)
  end)
  return facts
end

local function str(v) if v == nil then return 'undefined' end return tostring(v) end

-- message with the path replaced by PATH (plain text, not a pattern)
local function unpath(message, path)
  local i, j = message:find(path, 1, true)
  return i and (message:sub(1, i - 1) .. 'PATH' .. message:sub(j + 1)) or message
end

-- the same scenario in both runtimes: a server on a path, a client, the
-- addresses each side sees, a stale file, a missing file, close removes it
local NODE_PIPE = [[
const net = require('net'), fs = require('fs');
const [path, stale, missing] = process.argv.slice(1);
const say = (k, v) => console.log(k + '=' + (v === undefined ? 'undefined' : typeof v === 'object' ? JSON.stringify(v) : v));
const srv = net.createServer((s) => {
  say('server.remoteAddress', s.remoteAddress); say('server.remotePort', s.remotePort);
  say('server.remoteFamily', s.remoteFamily); say('server.localAddress', s.localAddress);
  s.end('hi');
});
srv.listen(path, function () {
  say('address', srv.address() === path ? 'path' : srv.address());
  say('listen-cb-is-server', this === srv);
  const c = net.connect(path, () => {
    say('client.remoteAddress', c.remoteAddress); say('client.remotePort', c.remotePort);
    say('client.remoteFamily', c.remoteFamily); say('client.localAddress', c.localAddress);
    say('client.localPort', c.localPort); say('client.address', JSON.stringify(c.address()));
  });
  let got = '';
  c.on('data', (d) => got += d);
  c.on('close', () => {
    say('got', got);
    srv.close(() => {
      say('file-after-close', fs.existsSync(path));
      const s2 = net.createServer();
      s2.on('error', (e) => {
        say('stale.code', e.code); say('stale.syscall', e.syscall); say('stale.message', e.message.replace(stale, 'PATH'));
        say('stale.address', e.address === stale ? 'path' : e.address); say('stale.port', e.port);
        const c2 = net.connect({ path: stale });
        c2.on('error', (e) => {
          say('refused.code', e.code); say('refused.message', e.message.replace(stale, 'PATH'));
          const c3 = net.connect({ path: missing });
          c3.on('error', (e) => {
            say('missing.code', e.code); say('missing.syscall', e.syscall);
            say('missing.message', e.message.replace(missing, 'PATH')); say('missing.address', e.address === missing ? 'path' : e.address);
          });
        });
      });
      s2.listen(stale);
    });
  });
});
]]

-- what Node 20 says, for a machine without node
local NODE_PIPE_FACTS = {
  ['server.remoteAddress'] = 'undefined', ['server.remotePort'] = 'undefined',
  ['server.remoteFamily'] = 'undefined', ['server.localAddress'] = 'undefined',
  address = 'path', ['listen-cb-is-server'] = 'true',
  ['client.remoteAddress'] = 'undefined', ['client.remotePort'] = 'undefined',
  ['client.remoteFamily'] = 'undefined', ['client.localAddress'] = 'undefined',
  ['client.localPort'] = 'undefined', ['client.address'] = '{}',
  got = 'hi', ['file-after-close'] = 'false',
  ['stale.code'] = 'EADDRINUSE', ['stale.syscall'] = 'listen',
  ['stale.message'] = 'listen EADDRINUSE: address already in use PATH',
  ['stale.address'] = 'path', ['stale.port'] = '-1',
  ['refused.code'] = 'ECONNREFUSED', ['refused.message'] = 'connect ECONNREFUSED PATH',
  ['missing.code'] = 'ENOENT', ['missing.syscall'] = 'connect',
  ['missing.message'] = 'connect ENOENT PATH', ['missing.address'] = 'path',
}

-- a socket file left behind by a server that did not close (exit without close)
local function make_stale(path)
  local _, code = H.sh(("%s -e \"require('net').createServer():listen('%s', function() os.exit(0) end)\"")
    :format(H.LUATLS, path))
  assert.equal(0, code)
  assert.is_true(is_socket_file(path), 'a stale socket file')
end

-- the luatls side of NODE_PIPE
local function luatls_pipe_facts(path, stale, missing)
  local facts = {}
  local function say(k, v) facts[k] = str(v) end
  H.run(5000, function(done)
    local srv
    srv = net.createServer(function(s)
      say('server.remoteAddress', s.remoteAddress); say('server.remotePort', s.remotePort)
      say('server.remoteFamily', s.remoteFamily); say('server.localAddress', s.localAddress)
      s:_end('hi')
    end)
    srv:listen(path, function(server)
      say('address', srv:address() == path and 'path' or require('util').inspect(srv:address()))
      say('listen-cb-is-server', server == srv)
      facts.is_socket_file = is_socket_file(path)
      local c
      c = net.connect(path, function()
        say('client.remoteAddress', c.remoteAddress); say('client.remotePort', c.remotePort)
        say('client.remoteFamily', c.remoteFamily); say('client.localAddress', c.localAddress)
        say('client.localPort', c.localPort)
        say('client.address', next(c:address()) == nil and '{}' or require('util').inspect(c:address()))
      end)
      local got = ''
      c:on('data', function(d) got = got .. d end)
      c:on('close', function()
        say('got', got)
        srv:close(function()
          say('file-after-close', fs.existsSync(path))
          local s2 = net.createServer()
          s2:on('error', function(e)
            say('stale.code', e.code); say('stale.syscall', e.syscall)
            say('stale.message', unpath(e.message, stale))
            say('stale.address', e.address == stale and 'path' or e.address); say('stale.port', e.port)
            facts.stale_server_listening = s2.listening
            local c2 = net.connect({ path = stale })
            c2:on('error', function(e2)
              say('refused.code', e2.code); say('refused.message', unpath(e2.message, stale))
              local c3 = net.connect({ path = missing })
              c3:on('error', function(e3)
                say('missing.code', e3.code); say('missing.syscall', e3.syscall)
                say('missing.message', unpath(e3.message, missing))
                say('missing.address', e3.address == missing and 'path' or e3.address)
              end)
              c3:on('close', function() done() end)
            end)
          end)
          s2:listen(stale)
        end)
      end)
    end)
  end)
  return facts
end

describe('Unix domain sockets', function()
  it('net: listen(path) and connect(path) use a socket file, with the facts Node gives (side by side)', function()
    local path, stale, missing = sock_path('a'), sock_path('stale'), sock_path('missing')
    make_stale(stale)
    local facts = luatls_pipe_facts(path, stale, missing)
    assert.is_true(facts.is_socket_file, 'listen(path) made a socket file')
    assert.is_false(facts.stale_server_listening)
    facts.is_socket_file, facts.stale_server_listening = nil, nil
    local expected = NODE_PIPE_FACTS
    if has_node() then
      local node_stale = sock_path('nstale')
      make_stale(node_stale)
      expected = node_facts(NODE_PIPE, { sock_path('n'), node_stale, sock_path('nmissing') })
      os.remove(node_stale)
    end
    os.remove(stale)
    assert.same(expected, facts)
    assert.same(NODE_PIPE_FACTS, facts)
  end)

  it('listen({ path }) and connect({ path }) options; readableAll / writableAll; no TCP port is opened', function()
    local facts = {}
    local path = sock_path('opts')
    H.run(5000, function(done)
      local srv = net.createServer(function(s) s:pipe(s) end)
      srv:listen({ path = path, readableAll = true, writableAll = true }, function()
        facts.address = srv:address()
        facts.mode = (H.sh(("stat -c %%a '%s'"):format(path)))
        -- the server's own fd is a Unix socket: no TCP listener carries this server
        facts.tcp = (H.sh(('ss -Htlnp 2>/dev/null | grep "pid=%d," || true'):format(process.pid)))
        local c = net.connect({ path = path })
        c:on('connect', function() c:_end('echo me') end)
        local got = ''
        c:on('data', function(d) got = got .. d end)
        c:on('close', function() facts.got = got; srv:close(done) end)
      end)
    end)
    assert.equal(path, facts.address)
    assert.equal('777', facts.mode:match('%d+'))
    assert.equal('', facts.tcp)
    assert.equal('echo me', facts.got)
    assert.is_false(fs.existsSync(path))
  end)

  it('an option that cannot be honoured raises an error object; nothing listens on TCP instead', function()
    local server = net.createServer()
    local function raised(...)
      local ok, err = pcall(server.listen, server, ...)
      assert.is_false(ok)
      assert.is_table(err)
      assert.is_nil(server:address())
      return err.code
    end
    -- as Node: an options table needs a port or a path
    assert.equal('ERR_INVALID_ARG_VALUE', raised({}))
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ host = '127.0.0.1' }))
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ path = 5 }))
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ path = '' }))
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ path = '/tmp/a\0b' }))
    -- Node would listen on TCP here; luatls refuses rather than guess
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ path = sock_path('both'), port = 0 }))
    -- descriptors and handles to listen on are not supported
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ fd = 3 }))
    assert.equal('ERR_INVALID_ARG_VALUE', raised({ handle = {} }))
    local ok, err = pcall(net.connect, { path = 5 })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    ok, err = pcall(tls.connect, { path = true })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
    -- a local address a Unix socket cannot have
    ok, err = pcall(net.connect, { path = sock_path('local'), localPort = 4000 })
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_VALUE', err.code)
  end)

  it('a path too long for a socket address fails with ENAMETOOLONG instead of binding a shorter name', function()
    local long = '/tmp/' .. string.rep('x', 120)
    local errs = {}
    H.run(3000, function(done)
      local srv = net.createServer()
      srv:on('error', function(e)
        errs.listen = e
        local c = net.connect(long)
        c:on('error', function(e2) errs.connect = e2 end)
        c:on('close', function() done() end)
      end)
      srv:listen(long)
    end)
    assert.equal('ENAMETOOLONG', errs.listen.code)
    assert.equal('listen', errs.listen.syscall)
    assert.equal('ENAMETOOLONG', errs.connect.code)
    assert.equal('connect', errs.connect.syscall)
    assert.is_false(fs.existsSync(long:sub(1, 107)))
  end)

  it('Linux abstract names (a leading NUL byte) work and leave no file', function()
    local name = '\0luatls-spec-' .. process.pid
    local got
    H.run(3000, function(done)
      local srv = net.createServer(function(s) s:_end('abstract') end)
      srv:listen(name, function()
        local c = net.connect({ path = name })
        c:on('data', function(d) got = d end)
        c:on('close', function() srv:close(done) end)
      end)
    end)
    assert.equal('abstract', got)
  end)

  it('tls: createServer():listen(path), tls.connect(path, options, cb) and tls.connect({ path }) are TLS over the socket', function()
    local path = sock_path('tls')
    local facts = {}
    H.run(8000, function(done)
      local srv = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        facts.server_remote = str(s.remoteAddress)
        s:_end('secure ' .. s:getProtocol())
      end)
      srv:listen(path, function()
        local c1
        c1 = tls.connect(path, { ca = H.cert('ca-cert.pem') }, function(sock)
          facts.first = { authorized = sock.authorized, same = sock == c1 }
        end)
        local got1 = ''
        c1:on('data', function(d) got1 = got1 .. d end)
        c1:on('close', function()
          facts.got1 = got1
          local c2 = tls.connect({ path = path, ca = H.cert('ca-cert.pem'), servername = 'localhost' })
          local got2 = ''
          c2:on('secureConnect', function() facts.second = c2.authorized end)
          c2:on('data', function(d) got2 = got2 .. d end)
          c2:on('close', function()
            facts.got2 = got2
            srv:close(done)
          end)
        end)
      end)
    end)
    assert.same({ authorized = true, same = true }, facts.first)
    assert.is_true(facts.second)
    assert.matches('^secure TLSv1%.3$', facts.got1)
    assert.matches('^secure TLSv1%.3$', facts.got2)
    assert.equal('undefined', facts.server_remote)
    assert.is_false(fs.existsSync(path))
  end)

  it('tls: a Node client and a luatls server meet over a Unix socket', function()
    if not has_node() then return pending('node is not installed') end
    local path = sock_path('tlsnode')
    local result
    H.run(15000, function(done)
      local srv = tls.createServer(H.tls_options(), function(s)
        s:on('error', function() end)
        s:_end('hello node')
      end)
      srv:listen(path, function()
        H.spawn('node', { '-e', [[
          const tls = require('tls'), fs = require('fs');
          const c = tls.connect(process.argv[1], { ca: fs.readFileSync('certs/ca-cert.pem'), servername: 'localhost' }, () => {
            let got = '';
            c.on('data', (d) => got += d);
            c.on('end', () => console.log(JSON.stringify({ authorized: c.authorized, got })));
          });
        ]], path }, function(code, out, err)
          assert.equal(0, code, err)
          result = out
          srv:close(done)
        end)
      end)
    end)
    assert.equal('{"authorized":true,"got":"hello node"}\n', result)
  end)
end)
