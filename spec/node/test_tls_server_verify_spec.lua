-- from test/parallel/test-tls-server-verify.js
local tls = require('tls')
local crypto = require('crypto')
local N = require('node.common')

-- The clients are openssl s_client with: agent1, signed by CA1 (made here); agent2, self-signed;
-- agent3, signed by CA2 (our CA: the client certificate of certs/); agent4, signed by CA2 and
-- in CA2's CRL (certs/revoked-cert.pem); nocert.
local dir = os.tmpname()
os.remove(dir)
local function sh(cmd) local out, code = H.sh(cmd); assert(code == 0, cmd .. '\n' .. out); return out end
local function setup()
  sh('mkdir -p ' .. dir)
  sh(('openssl req -x509 -new -key certs/selfsigned-key.pem -subj "/CN=test CA1" -days 2 '
    .. '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out %s/ca1.pem 2>&1'):format(dir))
  sh(('printf "basicConstraints=CA:FALSE\\nextendedKeyUsage=clientAuth\\n" > %s/ext'):format(dir))
  sh(('openssl req -new -key certs/client-key.pem -subj "/CN=agent1" 2>/dev/null | openssl x509 -req -CA %s/ca1.pem '
    .. '-CAkey certs/selfsigned-key.pem -set_serial 77 -days 2 -extfile %s/ext -out %s/agent1.pem 2>&1'):format(dir, dir, dir))
end

local AGENTS = {
  agent1 = function() return { '-key', 'certs/client-key.pem', '-cert', dir .. '/agent1.pem' } end,
  agent2 = function() return { '-key', 'certs/selfsigned-key.pem', '-cert', 'certs/selfsigned-cert.pem' } end,
  agent3 = function() return { '-key', 'certs/client-key.pem', '-cert', 'certs/client-cert.pem' } end,
  agent4 = function() return { '-key', 'certs/revoked-key.pem', '-cert', 'certs/revoked-cert.pem' } end,
  nocert = function() return {} end,
}

local CASES = {
  { title = 'no certificates asked for: everyone unauthorized', requestCert = false, rejectUnauthorized = false, CAs = { 'ca1' },
    clients = { { 'agent1', false, false }, { 'agent2', false, false }, { 'agent3', false, false }, { 'nocert', false, false } } },
  { title = 'authorized and unauthorized with CA1', requestCert = true, rejectUnauthorized = false, CAs = { 'ca1' },
    clients = { { 'agent1', false, true }, { 'agent2', false, false }, { 'agent3', false, false }, { 'nocert', false, false } } },
  { title = 'certificates asked for later, by renegotiation', requestCert = false, rejectUnauthorized = false, renegotiate = true,
    CAs = { 'ca1' },
    clients = { { 'agent1', false, true }, { 'agent2', false, false }, { 'agent3', false, false }, { 'nocert', false, false } } },
  { title = 'only authorized, CA1', requestCert = true, rejectUnauthorized = true, CAs = { 'ca1' },
    clients = { { 'agent1', false, true }, { 'agent2', true }, { 'agent3', true }, { 'nocert', true } } },
  { title = 'only authorized, CA1 and CA2', requestCert = true, rejectUnauthorized = true, CAs = { 'ca1', 'ca2' },
    clients = { { 'agent1', false, true }, { 'agent2', true }, { 'agent3', false, true }, { 'nocert', true } } },
  { title = 'only CA2 and not in its CRL', requestCert = true, rejectUnauthorized = true, CAs = { 'ca2' }, crl = true,
    clients = { { 'agent1', true }, { 'agent2', true }, { 'agent3', false, true }, { 'agent4', true }, { 'nocert', true } } },
}

-- one s_client; result(rejected, authed)
local function run_client(port, name, result)
  local args = { 's_client', '-connect', '127.0.0.1:' .. port }
  for _, a in ipairs(AGENTS[name]()) do args[#args + 1] = a end
  local out, rejected, authed, goodbye = '', true, false, false
  local child
  child = H.spawn('openssl', args, function() result(rejected, authed) end)
  child.stdout:on('data', function(d)
    out = out .. d
    if not goodbye and out:find('_unauthed') then goodbye, rejected, authed = true, false, false; child:kill()
    elseif not goodbye and out:find('_authed') then goodbye, rejected, authed = true, false, true; child:kill() end
  end)
end

local function run_case(tcase)
  local results = {}
  local cas = {}
  for i, name in ipairs(tcase.CAs) do cas[i] = name == 'ca1' and H.sh('cat ' .. dir .. '/ca1.pem') or N.CA end
  H.run(20000, function(done)
    local opts = N.opts({ ca = cas, crl = tcase.crl and H.cert('ca-crl.pem') or nil, requestCert = tcase.requestCert,
      rejectUnauthorized = tcase.rejectUnauthorized })
    if tcase.renegotiate then
      opts.secureOptions = crypto.constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION
      opts.maxVersion = 'TLSv1.2'
    end
    local renegotiated = {}
    local function handle(c)
      c:on('error', function() end)
      if tcase.renegotiate and not renegotiated[c] then
        renegotiated[c] = true
        setTimeout(function()
          c:write('\n_renegotiating\n')
          c:renegotiate({ requestCert = true, rejectUnauthorized = false }, function(err)
            assert(not err, err)
            c:write('\n_renegotiated\n')
            handle(c)
          end)
        end, 200)
        return
      end
      c:write(c.authorized and '\n_authed\n' or '\n_unauthed\n')
    end
    local server = tls.Server(opts, handle)
    N.listen(server, function(port)
      local i = 0
      local function nxt()
        i = i + 1
        local client = tcase.clients[i]
        if not client then return server:close(done) end
        run_client(port, client[1], function(rejected, authed)
          results[#results + 1] = { client[1], rejected, authed }
          nxt()
        end)
      end
      nxt()
    end)
  end)
  return results
end

describe('test-tls-server-verify', function()
  setup()
  for _, tcase in ipairs(CASES) do
    it(tcase.title, function()
      local results = run_case(tcase)
      assert.equal(#tcase.clients, #results)
      for i, c in ipairs(tcase.clients) do
        local name, should_reject, should_auth = c[1], c[2], c[3]
        assert.equal(name, results[i][1])
        assert.equal(should_reject, results[i][2], name .. ' rejected?')
        if not should_reject then assert.equal(should_auth, results[i][3], name .. ' authorized?') end
      end
    end)
  end
  teardown(function() os.execute('rm -rf ' .. dir) end)
end)
