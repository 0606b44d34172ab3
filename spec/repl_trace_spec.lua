-- OpenSSL's trace from the first handshake message: enableTrace() right
-- after tls.connect(), and the enableTrace option of tls.connect and
-- tls.createServer.
-- lua/tls.lua remembers the request and turns the trace on when the SSL is
-- made (TLSSocket:_startTLS).

local function run(script)
  local path = H.script(script)
  local out, code = H.sh(H.LUATLS .. ' ' .. path .. ' 2>&1')
  os.remove(path)
  return out, code
end

local SERVER = [[
local tls, fs = require('tls'), require('fs')
local srv = tls.createServer({ key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'), enableTrace = %s }, function(c) c:_end('bye') end)
srv:listen(0, '127.0.0.1', function()
  local c = tls.connect({ port = srv:address().port, host = 'localhost',
    ca = fs.readFileSync('certs/ca-cert.pem'), enableTrace = %s })
  %s
  c:on('data', function() end)
  c:on('close', function() srv:close() print('done') end)
end)
]]

local function check(server_trace, client_trace, call)
  local out, code = run(SERVER:format(tostring(server_trace), tostring(client_trace), call or ''))
  assert.equal(0, code, out)
  assert.matches('done\n', out)
  return out
end

describe('enableTrace', function()
  it('right after tls.connect() traces the ClientHello', function()
    local out = check(false, false, 'c:enableTrace()')
    if not out then return end
    assert.matches('Sent Record', out)
    assert.matches('ClientHello', out)
  end)

  it('as an option of tls.connect traces the ClientHello the client sends', function()
    local out = check(false, true)
    if not out then return end
    assert.matches('Sent Record.-ClientHello', out)
  end)

  it('as an option of tls.createServer traces the ClientHello the server receives', function()
    local out = check(true, false)
    if not out then return end
    assert.matches('Received Record.-ClientHello', out)
  end)
end)
