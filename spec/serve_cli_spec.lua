-- `luatls serve`: the server it stands up, reached with the command lines it
-- prints (luatls connect, curl, openssl s_client) and the CA file it wrote.
-- The server runs as a child inside H.run, killed by its PID at the end.
local fs = require('fs')

-- starts `luatls serve ARGS`; go(info, server) once it has printed its lines
-- (info: port, ca, and the printed connect, curl and openssl lines)
local function serve(args, go)
  local argv = { 'serve' }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local srv = H.spawn(H.LUATLS, argv)
  local started = false
  srv.stdout:on('data', function()
    local out = srv.output()
    if started or not out:find('openssl s_client[^\n]*\n') then return end
    started = true
    go({
      port = tonumber(out:match('on [^\n]-:(%d+) %(TLS')),
      ca = out:match('CA certificate: (%S+)\n'),
      connect = out:match('\n  (%S+ connect [^\n]+)\n'),
      curl = out:match('\n  (curl [^\n]+)\n'),
      openssl = out:match('\n  (openssl s_client [^\n]+)\n'),
      out = out,
    }, srv)
  end)
  return srv
end

-- splits a printed command line into its words
local function words(line)
  local t = {}
  for w in line:gmatch('%S+') do t[#t + 1] = w end
  return t
end

-- runs a printed command line (its program and words); on_close(code, out, err)
local function run_line(line, extra, input, on_close)
  local w = words(line)
  local prog = table.remove(w, 1)
  for _, a in ipairs(extra) do w[#w + 1] = a end
  local child = H.spawn(prog, w, on_close)
  if input then child.stdin:_end(input) end
  return child
end

describe('luatls serve', function()
  it('--echo: the printed luatls connect line works with the CA file, byte for byte', function()
    local info, r
    H.run(30000, function(done)
      serve({ '--echo', '-q' }, function(i, srv)
        info = i
        run_line(i.connect, { '-q' }, 'echo me\0\1\2', function(code, out, err)
          r = { code = code, out = out, err = err }
          srv:kill()
          done()
        end)
      end)
    end)
    assert.matches('^luatls serve: echo on 127%.0%.0%.1:%d+ %(TLS', info.out)
    assert.is_true(info.port > 0)
    assert.matches('^%-%-%-%-%-BEGIN CERTIFICATE', fs.readFileSync(info.ca))
    assert.equal(H.LUATLS .. ' connect 127.0.0.1:' .. info.port .. ' --ca ' .. info.ca, info.connect)
    assert.equal(0, r.code)
    assert.equal('echo me\0\1\2', r.out)
    os.execute('rm -rf ' .. info.ca:match('^(.*)/ca%.pem$'))
  end)

  it('--http-hello: curl --cacert as printed gets the page', function()
    local info, r
    H.run(30000, function(done)
      serve({ '--http-hello', '--ca-out', os.tmpname() }, function(i, srv)
        info = i
        run_line(i.curl, { '-sS', '--max-time', '20' }, nil, function(code, out, err)
          r = { code = code, out = out, err = err }
          srv:kill()
          done()
        end)
      end)
    end)
    assert.equal('curl --cacert ' .. info.ca .. ' https://127.0.0.1:' .. info.port .. '/', info.curl)
    assert.equal(0, r.code, r.err)
    assert.equal('hello from luatls\n', r.out)
    os.remove(info.ca)
  end)

  it('--http-hello with --port and ALPN: luatls connect and openssl s_client as printed', function()
    local port = H.free_port()
    local info, a, b
    local cafile = os.tmpname()
    H.run(30000, function(done)
      serve({ '--http-hello', '--port', tostring(port), '--ca-out', cafile }, function(i, srv)
        info = i
        local req = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
        run_line(i.connect, {}, req, function(code, out, err)
          a = { code = code, out = out, err = err }
          run_line(i.openssl, { '-quiet', '-verify_return_error' }, req, function(code2, out2, err2)
            b = { code = code2, out = out2, err = err2 }
            srv:kill()
            done()
          end)
        end)
      end)
    end)
    assert.equal(port, info.port)
    assert.equal(cafile, info.ca)
    assert.matches('%-%-alpn http/1%.1$', info.connect)
    assert.equal(0, a.code)
    assert.matches('^HTTP/1%.1 200 OK\r\n.*\r\n\r\nhello from luatls\n$', a.out)
    assert.matches('%* ALPN: http/1%.1\n', a.err)
    assert.matches('%* Verification: OK\n', a.err)
    assert.matches('%*   0 subject: CN=127%.0%.0%.1\n%*     issuer: O=luatls, CN=luatls serve CA\n', a.err)
    assert.equal(0, b.code, b.err)
    assert.matches('hello from luatls\n', b.out)
    os.remove(cafile)
  end)

  it('bad usage: exit 9', function()
    for _, case in ipairs({
      { '', '%-%-echo or %-%-http%-hello is needed' },
      { '--echo --http-hello', 'exclude each other' },
      { '--echo --port 70000', 'bad %-%-port: 70000' },
      { '--echo --wat', 'bad option: %-%-wat' },
    }) do
      local out, code = H.sh(H.LUATLS .. ' serve ' .. case[1] .. ' 2>&1')
      assert.equal(9, code)
      assert.matches(case[2], out)
    end
  end)

  it('a port in use: the error and exit 1', function()
    local r
    H.run(20000, function(done)
      local blocker = require('net').createServer()
      blocker:listen(0, '127.0.0.1', function()
        H.spawn(H.LUATLS, { 'serve', '--echo', '--port', tostring(blocker:address().port) }, function(code, out, err)
          r = { code = code, out = out, err = err }
          blocker:close()
          done()
        end)
      end)
    end)
    assert.equal(1, r.code)
    assert.matches('EADDRINUSE', r.err)
  end)
end)
