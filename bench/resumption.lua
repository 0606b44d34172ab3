-- Handshakes per second, full against resumed, for one luatls client and one
-- luatls server process on loopback (ECDHE + RSA-2048).
--   build/luatls bench/resumption.lua [connections]
local tls = require('tls')
local fs = require('fs')
local cp = require('child_process')

local N = tonumber(arg[1]) or 300
local ca = fs.readFileSync('certs/ca-cert.pem')

local function rate(port, options, done)
  local session, count = nil, 0
  local start
  local function one()
    local o = { port = port, host = 'localhost', ca = ca, session = options.resume and session or nil }
    for k, v in pairs(options) do if k ~= 'resume' then o[k] = v end end
    local c = tls.connect(o)
    local reused
    c:on('session', function(s) session = session or s end)
    c:on('secureConnect', function() reused = c:isSessionReused() end)
    c:on('data', function() end)
    c:on('close', function()
      if start == nil then start = process.hrtime.bigint(); return one() end   -- warm-up: get a session
      if options.resume and not reused then error('not resumed') end
      count = count + 1
      if count < N then return one() end
      done(N / ((process.hrtime.bigint() - start) / 1e9))
    end)
  end
  one()
end

local function with_server(args, fn, done)
  local child = cp.spawn(arg[-1], args)
  child.stdout:on('data', function(d)
    local port = tonumber(d:match('PORT (%d+)'))
    if port then fn(port, function() child:kill() end) end
  end)
  child:on('close', done)
end

local results = {}
local scenarios = {
  { 'TLS 1.3 full', {}, {} },
  { 'TLS 1.3 resumed (ticket)', {}, { resume = true } },
  { 'TLS 1.2 full', {}, { maxVersion = 'TLSv1.2' } },
  { 'TLS 1.2 resumed (ticket)', {}, { maxVersion = 'TLSv1.2', resume = true } },
  { 'TLS 1.2 resumed (session id)', { 'ids' }, { maxVersion = 'TLSv1.2', resume = true } },
}
local function next_scenario(i)
  if i > #scenarios then
    print(('%-30s %12s'):format('scenario (' .. N .. ' connections)', 'handshakes/s'))
    for _, r in ipairs(results) do print(('%-30s %12.0f'):format(r[1], r[2])) end
    return
  end
  local s = scenarios[i]
  with_server({ 'bench/servers/hello.lua', table.unpack(s[2]) }, function(port, stop)
    rate(port, s[3], function(r) results[#results + 1] = { s[1], r }; stop() end)
  end, function() next_scenario(i + 1) end)
end
next_scenario(1)
