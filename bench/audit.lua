-- make audit: testssl.sh against the echo server example and against its
-- Node.js twin, on the same certificate, in one run. Passes with no CRITICAL
-- or HIGH finding and no MEDIUM or LOW one that Node's server does not have.
--   build/luatls bench/audit.lua
package.path = 'bench/?.lua;' .. package.path
local cp = require('child_process')
local net = require('net')
local steps = require('steps')

local SEVERITIES = { 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW' }

local function free_port()
  return steps.await(function(k)
    local s = net.createServer()
    s:listen(0, '127.0.0.1', function()
      local port = s:address().port
      s:close(function() k(port) end)
    end)
  end)
end

-- starts a server; returns it once it prints its first line
local function start(cmd, args, port)
  local env = {}
  for k, v in pairs(process.env) do env[k] = v end
  env.PORT = tostring(port)
  local child = cp.spawn(cmd, args, { env = env })
  steps.await(function(k) child.stdout:once('data', k) end)
  return child
end

-- testssl's JSON is a flat list of { id, severity, finding } objects
local function findings(json)
  local list = {}
  for obj in json:gmatch('{(.-)}') do
    local id, sev = obj:match('"id"%s*:%s*"(.-)"'), obj:match('"severity"%s*:%s*"(.-)"')
    local finding = obj:match('"finding"%s*:%s*"(.-)"') or ''
    if id and sev then list[#list + 1] = { id = id, severity = sev, finding = finding } end
  end
  return list
end

local function testssl(name, port)
  local file = os.tmpname()
  os.remove(file)
  local _, err, code = steps.run('testssl', { '--quiet', '--warnings', 'off', '--color', '0', '--jsonfile', file,
    '--add-ca', 'certs/ca-cert.pem', '--ip', 'one', '127.0.0.1:' .. port })
  local f = io.open(file)
  if not f then
    io.stderr:write(name, ': testssl wrote no report (exit ', tostring(code), ')\n', err, '\n')
    os.exit(1)
  end
  local list = findings(f:read('a'))
  f:close()
  os.remove(file)
  return list
end

-- what each server was found to do on the points a TLS server is judged by
local KEY = { 'protocols', 'cipher_order', 'secure_renego', 'secure_client_renego', 'sessionresumption_ticket',
  'sessionresumption_ID', 'heartbleed', 'CCS', 'ticketbleed', 'ROBOT', 'CRIME_TLS', 'POODLE_SSL', 'SWEET32',
  'FREAK', 'DROWN', 'LOGJAM', 'BEAST', 'RC4', 'cert_trust', 'cert_chain_of_trust', 'OCSP_stapling' }

local function by_severity(list)
  local t = { all = {} }
  for _, sev in ipairs(SEVERITIES) do t[sev] = {} end
  for _, f in ipairs(list) do
    if t[f.severity] then t[f.severity][f.id] = f.finding end
    t.all[f.id] = t.all[f.id] or (f.severity .. ' ' .. f.finding)
  end
  t.all.protocols = nil
  local offered = {}
  for _, f in ipairs(list) do
    if f.id:match('^SSLv%d$') or f.id:match('^TLS1') then
      if f.finding:match('^offered') then offered[#offered + 1] = f.id end
    end
  end
  t.all.protocols = table.concat(offered, ' ')
  return t
end

steps.main(function()
  local version = steps.run('testssl', { '--version' })
  print(('testssl %s, OpenSSL %s'):format(version:match('testssl%s+(%S+)') or '?',
    (steps.run('openssl', { 'version' })):gsub('%s+$', '')))
  local results = {}
  for _, s in ipairs({ { 'luatls', arg[-1], { 'examples/echo-server.lua' } },
                       { 'node', 'node', { 'bench/servers/echo-server.js' } } }) do
    local port = free_port()
    local child = start(s[2], s[3], port)
    io.stdout:write(s[1], ': testssl against 127.0.0.1:', port, ' ...\n')
    results[s[1]] = by_severity(testssl(s[1], port))
    child:kill()
  end
  local ours, node = results.luatls, results.node
  print(('\n%-9s %7s %7s'):format('severity', 'luatls', 'node'))
  local failed = {}
  for _, sev in ipairs(SEVERITIES) do
    local n1, n2 = 0, 0
    for _ in pairs(ours[sev]) do n1 = n1 + 1 end
    for _ in pairs(node[sev]) do n2 = n2 + 1 end
    print(('%-9s %7d %7d'):format(sev, n1, n2))
  end
  print('')
  for _, id in ipairs(KEY) do
    local a, b = ours.all[id] or '-', node.all[id] or '-'
    print(('%-26s %-40s %s'):format(id, a:sub(1, 40), a == b and '(Node: the same)' or ('Node: ' .. b)))
  end
  print('')
  for _, sev in ipairs(SEVERITIES) do
    for id, finding in pairs(ours[sev]) do
      local shared = node[sev][id] ~= nil
      print(('%-8s %-26s %s%s'):format(sev, id, finding, shared and '   (Node: the same)' or ''))
      if sev == 'CRITICAL' or sev == 'HIGH' or not shared then failed[#failed + 1] = id end
    end
    for id, finding in pairs(node[sev]) do
      if ours[sev][id] == nil then print(('%-8s %-26s %s   (Node only)'):format(sev, id, finding)) end
    end
  end
  if #failed > 0 then
    print('\nFAIL: ' .. table.concat(failed, ', '))
    process.exit(1)
  end
  print('\nPASS: no CRITICAL or HIGH finding; every MEDIUM and LOW one is also Node\'s')
end)
