-- P5: hook actions. A luatls server and client go through one connection, or
-- two when the second resumes the first one's session, over TLS 1.2 or 1.3, on
-- loopback sockets or on memory duplexes whose wire crosses in chunks of the
-- size the input picks. For every hook and event of both sides the input
-- chooses an action taken inside it: destroy, end, renegotiate,
-- setSecureContext, server:close, open and write a file, collectgarbage(),
-- raise, nextTick a destroy, write, or nothing; when it is taken (every time,
-- the first or the second time, or in the second connection only); on which
-- socket (its own or the peer's); and whether a hook answers before or after
-- the action, now or later (setImmediate, nextTick, a timer).
--
-- Checked for every input:
--   * no error escapes to 'uncaughtException' except the ones the actions
--     raise in event listeners (as in Node); one raised inside a hook fails
--     that handshake only (doc/tls.md), it never escapes;
--   * every file an action opened and wrote is, after the run, exactly what
--     was written: no byte of a connection went to another fd;
--   * each side receives only a prefix of what the other side wrote; with no
--     error and no action that cuts a connection short, all of it;
--   * the connections finish within DEADLINE_MS, nothing is left open, and
--     the fds are back to where they were before the input.
--
-- FUZZ_TRACE=1 prints the decoded input and the actions as they are taken.
-- FUZZ_SKIP='server keylog:renegotiate,*:raise' leaves out pairs of a hook or
-- event and an action ('*' for any), to fuzz past a finding not fixed yet.
local tls = require('tls')
local stream = require('stream')
local crypto = require('crypto')
local core = require('luatls.core')
local errors = require('luatls.errors')
local C = require('common')

local DEADLINE_MS = 2000
local MAX_FILES = 32
local MAX_WRITES = 16   -- a write in 'data' on the peer would echo forever
local TRACE = os.getenv('FUZZ_TRACE') ~= nil
local function trace(fmt, ...) if TRACE then io.stderr:write(fmt:format(...), '\n') end end

local CA = C.cert('ca-cert.pem')
local OCSP_RESPONSE = C.cert('server-ocsp.der')
local NO_TICKET = crypto.constants.SSL_OP_NO_TICKET
local KEYS = {
  ecdsa = { key = C.cert('ecdsa-server-key.pem'), cert = C.cert('ecdsa-server-cert.pem') },
  rsa = { key = C.cert('server-key.pem'), cert = C.cert('server-cert.pem') },
}

-- the server's contexts, made once: key type x tickets on or off
local SERVER_CTX = {}
for kind, k in pairs(KEYS) do
  for _, tickets in ipairs({ true, false }) do
    SERVER_CTX[kind .. (tickets and '' or '-noticket')] = tls.createSecureContext({
      key = k.key, cert = k.cert, honorCipherOrder = true, sessionIdContext = 'fuzz-actions',
      secureOptions = tickets and 0 or NO_TICKET })
  end
end
local CLIENT_CTX = {
  [12] = tls.createSecureContext({ ca = CA, maxVersion = 'TLSv1.2' }),
  [13] = tls.createSecureContext({ ca = CA }),
}

-- where actions' files go (each named after this process, and removed after its input)
local DIR = (os.getenv('TMPDIR') or '/tmp') .. '/luatls-fuzz-actions'
os.execute("mkdir -p '" .. DIR .. "'")

-- the open fds: /proc/self/fdinfo/N exists while fd N is open
local FD_LIMIT = 1024
local function fds()
  local list = {}
  for fd = 0, FD_LIMIT do
    local f = io.open('/proc/self/fdinfo/' .. fd, 'r')
    if f then
      f:close()
      list[#list + 1] = fd
    end
  end
  return list
end
do   -- look only a little above the highest fd the process starts with
  local list = fds()
  FD_LIMIT = (list[#list] or 0) + 64
end

-- the hooks and events an action can be taken in: { side, name }. In the
-- hooks (keylog, SNICallback, ALPNCallback, OCSPRequest, newSession,
-- resumeSession) luatls catches what the action raises (doc/tls.md, 'Handshake
-- hooks'); from an event listener it escapes, as in Node.
local SLOTS = {
  { 'server', 'keylog' }, { 'server', 'SNICallback' }, { 'server', 'ALPNCallback' }, { 'server', 'OCSPRequest' },
  { 'server', 'newSession' }, { 'server', 'resumeSession' }, { 'server', 'secure' },
  { 'server', 'secureConnection' }, { 'server', 'data' }, { 'server', 'error' }, { 'server', 'end' },
  { 'server', 'close' },
  { 'client', 'keylog' }, { 'client', 'session' }, { 'client', 'secureConnect' }, { 'client', 'OCSPResponse' },
  { 'client', 'data' }, { 'client', 'error' }, { 'client', 'end' }, { 'client', 'close' },
}
local S = {}
for i, s in ipairs(SLOTS) do S[s[1] .. ' ' .. s[2]] = i end

local ACTIONS = { 'nothing', 'destroy', 'end', 'renegotiate', 'setSecureContext', 'server:close', 'file',
  'collectgarbage', 'raise', 'nextTick destroy', 'write' }
local NACT = #ACTIONS
-- actions after which a connection may rightly lose bytes or never finish its handshake
local CUTS = { destroy = true, ['end'] = true, raise = true, ['nextTick destroy'] = true, ['server:close'] = true }

-- FUZZ_SKIP: the slot-action pairs left out
local SKIP = {}
for pair in (os.getenv('FUZZ_SKIP') or ''):gmatch('[^,]+') do
  local where, what = pair:match('^%s*(.-)%s*:%s*(.-)%s*$')
  for i, s in ipairs(SLOTS) do
    for a, name in ipairs(ACTIONS) do
      if (where == '*' or where == s[1] .. ' ' .. s[2]) and (what == '*' or what == name) then
        SKIP[i * NACT + a - 1] = true
      end
    end
  end
end

local st   -- the input being run

-- the input: three bytes of options, a byte per slot, then the client's message
local function decode(data)
  local r = C.reader(data)
  local f1, f2, f3 = r.byte(), r.byte(), r.byte()
  local p = {
    tls13 = f1 & 1 ~= 0, loopback = f1 & 2 ~= 0, resume = f1 & 4 ~= 0, noticket = f1 & 8 ~= 0,
    ocsp = f1 & 16 ~= 0, rsa = f1 & 32 ~= 0, sessionHooks = f1 & 64 ~= 0, sniOther = f1 & 128 ~= 0,
    sniAsync = f2 & 3,   -- 0 now, 1 setImmediate, 2 nextTick, 3 a 1 ms timer
    ocspAsync = (f2 >> 2) & 3, sessionAsync = (f2 >> 4) & 3,
    alpnCallback = f2 & 64 ~= 0, noAlpn = f2 & 128 ~= 0,
    chunk = f3 == 0 and (1 << 20) or f3 * 8,   -- bytes crossing a memory wire at a time
    slots = {},
  }
  for i = 1, #SLOTS do p.slots[i] = r.byte() end
  local msg = r.rest():sub(1, 1024)
  p.msg = msg ~= '' and msg or 'ping'
  return p
end

-- a slot's byte: action, then on which socket, when, and a variant
local function slot_choice(slot, p)
  local b = (p or st.p).slots[slot]
  local x = b // NACT
  return b % NACT, x % 2, (x // 2) % 4, x // 8
end

local function describe(p)
  local out = {}
  for k, v in pairs(p) do
    if k ~= 'slots' and k ~= 'msg' then out[#out + 1] = k .. '=' .. tostring(v) end
  end
  table.sort(out)
  local acts = {}
  for i, s in ipairs(SLOTS) do
    local a, target, when, variant = slot_choice(i, p)
    if a ~= 0 then
      acts[#acts + 1] = ('  %s %s: %s on %s, %s, variant %d'):format(s[1], s[2], ACTIONS[a + 1],
        target == 0 and 'own' or 'peer', ({ 'every time', 'first time', 'second time', 'in connection 2' })[when + 1],
        variant)
    end
  end
  return table.concat(out, ' ') .. (' msg=%d bytes\n'):format(#p.msg) .. table.concat(acts, '\n')
end

local function defer(mode, fn)
  if mode == 1 then setImmediate(fn)
  elseif mode == 2 then process.nextTick(fn)
  else setTimeout(fn, 1) end
end

local function total(list)
  local n = 0
  for i = 1, #list do n = n + #list[i] end
  return n
end

-- writes, and remembers in order what the peer is owed: not what is written
-- after end() or destroy(), which must never arrive
local function send(conn, sock, data)
  if not sock.destroyed and not sock.writableEnded then
    local list = sock == conn.cli and conn.cli_sent or conn.srv_sent
    list[#list + 1] = data
  end
  sock:write(data)
end

local function open_file(slot, variant)
  if #st.files >= MAX_FILES then return end
  local path = ('%s/%d-%d'):format(DIR, process.pid, #st.files + 1)
  local f = assert(io.open(path, 'w+b'))
  local content = ('file %d, action in slot %d\n'):format(#st.files + 1, slot):rep(variant * 50 + 1)
  assert(f:write(content))
  assert(f:flush())
  st.files[#st.files + 1] = { f = f, path = path, content = content }
end

-- the action of slot, taken now if this firing is the one the input chose
local function act(slot, conn, in_hook)
  if not st or not st.acting or not conn then return end
  local action, target, when, variant = slot_choice(slot)
  if action == 0 or SKIP[slot * NACT + action] then return end
  st.fired[slot] = (st.fired[slot] or 0) + 1
  conn.fired[slot] = (conn.fired[slot] or 0) + 1
  if (when == 1 and st.fired[slot] ~= 1) or (when == 2 and st.fired[slot] ~= 2)
    or (when == 3 and (conn.idx ~= 2 or conn.fired[slot] ~= 1)) then
    return
  end
  local name = ACTIONS[action + 1]
  local on_server = (target == 0) == (SLOTS[slot][1] == 'server')
  local sock = on_server and conn.srv or conn.cli
  trace('action: %s %s -> %s on the %s of connection %d%s', SLOTS[slot][1], SLOTS[slot][2], name,
    on_server and 'server' or 'client', conn.idx, in_hook and ' (in the hook)' or '')
  if CUTS[name] then st.cut = true end
  if name == 'destroy' then
    if sock then sock:destroy(variant == 2 and errors.new('EFUZZ_DESTROY', 'destroyed by an action') or nil) end
  elseif name == 'end' then
    if sock then sock:_end() end
  elseif name == 'renegotiate' then
    if sock then sock:renegotiate({ requestCert = variant == 2, rejectUnauthorized = false }, function() end) end
  elseif name == 'setSecureContext' then
    local k = KEYS[st.p.rsa and 'ecdsa' or 'rsa']
    if variant == 0 then st.server:setSecureContext({ secureContext = st.alt_ctx })
    else st.server:setSecureContext({ key = k.key, cert = k.cert }) end
  elseif name == 'server:close' then
    st.server:close()
  elseif name == 'file' then
    open_file(slot, variant)
  elseif name == 'collectgarbage' then
    collectgarbage()
  elseif name == 'raise' then
    local own = SLOTS[slot][1] == 'server' and conn.srv or conn.cli
    error(errors.new('EFUZZ_RAISE', ('raised by the action in %s %s'):format(SLOTS[slot][1], SLOTS[slot][2]),
      { fuzzSlot = slot, fuzzInHook = in_hook, fuzzSocket = own }))
  elseif name == 'nextTick destroy' then
    process.nextTick(function() if sock then sock:destroy() end end)
  elseif name == 'write' then
    st.writes = st.writes + 1
    if sock and st.writes <= MAX_WRITES then send(conn, sock, ('w'):rep(variant * 700 + 1)) end
  end
end

-- a hook: the action, then the answer (or the answer first, variant 1). A
-- later answer takes the action then, outside the hook, and answers even if
-- the action raised (the error still escapes, as from any callback): a hook
-- never answered would hold the handshake until handshakeTimeout, as in Node
local function hook(slot, conn, mode, answer)
  local _, _, _, variant = slot_choice(slot)
  if mode == 0 then
    if variant == 1 then answer(); act(slot, conn, true)
    else act(slot, conn, true); answer() end
    return
  end
  defer(mode, function()
    if variant == 1 then answer(); act(slot, conn, false); return end
    local ok, err = pcall(act, slot, conn, false)
    answer()
    if not ok then error(err, 0) end
  end)
end

---------------------------------------------------------------------------
-- the wire of a memory connection: what each end wrote crosses on the next
-- loop turns, chunk bytes at a time; an end that is closed sends EOF after
-- what it wrote, as a socket's FIN
---------------------------------------------------------------------------

local function take(q, n)
  local all = table.concat(q)
  for i = #q, 1, -1 do q[i] = nil end
  if #all > n then q[1] = all:sub(n + 1) end
  return all:sub(1, n)
end

local function wire_end(w)
  local e = { out = {}, ended = false, eof_sent = false }
  e.duplex = stream.Duplex()
  e.duplex._write = function(_, chunk) e.out[#e.out + 1] = chunk; w.schedule() end
  e.duplex._final = function() e.ended = true; w.schedule() end
  return e
end

local function cross(from, to, n)
  if #from.out > 0 then
    local chunk = take(from.out, n)
    if not to.eof_sent then to.duplex:push(chunk) end
  end
  if from.ended and #from.out == 0 and not to.eof_sent then
    to.eof_sent = true
    to.duplex:push(nil)
  end
end

local function new_wire(conn, chunk)
  local w = { scheduled = false }
  function w.pump()
    if conn.cli and conn.cli.destroyed then w.a.ended = true end
    if conn.srv and conn.srv.destroyed then w.b.ended = true end
    cross(w.a, w.b, chunk)
    cross(w.b, w.a, chunk)
    if #w.a.out > 0 or #w.b.out > 0 then w.schedule() end
  end
  function w.schedule()
    if w.scheduled then return end
    w.scheduled = true
    setImmediate(function() w.scheduled = false; w.pump() end)
  end
  w.a, w.b = wire_end(w), wire_end(w)
  return w
end

---------------------------------------------------------------------------
-- the connections
---------------------------------------------------------------------------

-- a server-side socket: echo what arrives, and the actions of its events
local function server_socket(conn, srv)
  conn.srv = srv
  st.cur = conn
  st.conn_of[srv] = conn
  srv:on('data', function(d)
    conn.srv_got[#conn.srv_got + 1] = d
    if not srv.destroyed then send(conn, srv, d) end
  end)
  srv:on('error', function() st.errors = st.errors + 1 end)
  for _, ev in ipairs({ 'secure', 'data', 'error', 'end', 'close' }) do
    local slot = S['server ' .. ev]
    srv:on(ev, function() act(slot, conn, false) end)
  end
end

local function start_conn(idx)
  local p = st.p
  local conn = { idx = idx, fired = {}, cli_sent = {}, cli_got = {}, srv_sent = {}, srv_got = {} }
  st.conns[idx] = conn
  local opts = { secureContext = CLIENT_CTX[p.tls13 and 13 or 12], servername = 'localhost',
    ALPNProtocols = not p.noAlpn and { 'a', 'b' } or nil, requestOCSP = p.ocsp or nil,
    session = idx == 2 and st.session or nil }
  if p.loopback then
    opts.host, opts.port = '127.0.0.1', st.port
  else
    conn.wire = new_wire(conn, p.chunk)
    opts.socket = conn.wire.a.duplex
  end
  trace('connection %d%s', idx, opts.session and ', offering the session' or '')
  local cli = tls.connect(opts)
  conn.cli = cli
  if p.loopback then cli:setNoDelay(true) end   -- small records, no waiting for delayed ACKs
  cli:on('secureConnect', function()
    conn.secured = true
    send(conn, cli, p.msg)
  end)
  cli:on('data', function(d)
    conn.cli_got[#conn.cli_got + 1] = d
    -- over a duplex the handshake starts before 'session' can be listened to
    if idx == 1 and not conn.session_event and not cli.destroyed then st.session = cli:getSession() or st.session end
    if not conn.ended and total(conn.cli_got) >= total(conn.cli_sent) then
      conn.ended = true
      cli:_end()
    end
  end)
  cli:on('session', function(der)
    conn.session_event = true
    if idx == 1 then st.session = der end
  end)
  cli:on('error', function() st.errors = st.errors + 1 end)
  for _, ev in ipairs({ 'keylog', 'session', 'secureConnect', 'OCSPResponse', 'data', 'error', 'end', 'close' }) do
    local slot = S['client ' .. ev]
    cli:on(ev, function() act(slot, conn, ev == 'keylog') end)
  end
  if not p.loopback then
    server_socket(conn, tls.TLSSocket(conn.wire.b.duplex, { isServer = true, server = st.server }))
  end
end

local function conn_done(conn)
  return conn.cli.destroyed and (conn.srv == nil or conn.srv.destroyed)
end

local function make_server(p)
  local kind = p.rsa and 'rsa' or 'ecdsa'
  local other = p.rsa and 'ecdsa' or 'rsa'
  local suffix = p.noticket and '-noticket' or ''
  st.alt_ctx = SERVER_CTX[other .. suffix]
  local server = tls.createServer({
    secureContext = SERVER_CTX[kind .. suffix],
    ALPNProtocols = not p.alpnCallback and { 'b', 'a' } or nil,
    ALPNCallback = p.alpnCallback and function(info)
      act(S['server ALPNCallback'], st.cur, true)
      return info.protocols[#info.protocols]
    end or nil,
    SNICallback = function(_, cb)
      local ctx = p.sniOther and st.alt_ctx or nil
      hook(S['server SNICallback'], st.cur, p.sniAsync, function() cb(nil, ctx) end)
    end,
  })
  server:on('connection', function(s)
    st.accepted = st.accepted + 1
    local conn = st.conns[st.accepted]
    if not conn or conn.srv then s:destroy() return end
    s:setNoDelay(true)
    server_socket(conn, s)
  end)
  server:on('tlsClientError', function(_, s)
    st.errors = st.errors + 1
    act(S['server error'], st.conn_of[s] or st.cur, false)
  end)
  server:on('secureConnection', function(s) act(S['server secureConnection'], st.conn_of[s] or st.cur, false) end)
  server:on('keylog', function(_, s) act(S['server keylog'], st.conn_of[s] or st.cur, true) end)
  server:on('OCSPRequest', function(_, _, cb)
    hook(S['server OCSPRequest'], st.cur, p.ocspAsync, function() cb(nil, OCSP_RESPONSE) end)
  end)
  if p.sessionHooks then
    server:on('newSession', function(id, data, cb)
      st.store[id] = data
      hook(S['server newSession'], st.cur, p.sessionAsync, function() cb() end)
    end)
    server:on('resumeSession', function(id, cb)
      hook(S['server resumeSession'], st.cur, p.sessionAsync, function() cb(nil, st.store[id]) end)
    end)
  end
  server:on('error', function() st.errors = st.errors + 1 end)
  return server
end

---------------------------------------------------------------------------
-- errors that reach 'uncaughtException'
---------------------------------------------------------------------------

local function text(err)
  if type(err) == 'table' then return tostring(err) .. '\n' .. tostring(err.stack) end
  return tostring(err)
end

process:on('uncaughtException', function(err)
  if type(err) == 'table' and err.code == 'EFUZZ_RAISE' and not err.fuzzInHook then
    trace('uncaught (expected): %s', err.message)
    -- an 'end' listener that raises skips the end of the writing side that
    -- follows it (Node's too): the program that caught the error closes it
    local sock = err.fuzzSocket
    if SLOTS[err.fuzzSlot][2] == 'end' and sock then process.nextTick(function() sock:destroy() end) end
    return
  end
  local what = (type(err) == 'table' and err.code == 'EFUZZ_RAISE')
    and 'an error raised inside a hook escaped it: ' or 'an uncaught error: '
  if st then
    st.violation = st.violation or (what .. text(err))
  else
    error('INVARIANT ' .. what .. text(err))
  end
end)

---------------------------------------------------------------------------
-- one input
---------------------------------------------------------------------------

local function summary()
  local out = {}
  for _, c in ipairs(st.conns) do
    out[#out + 1] = ('connection %d: client %s%s, server %s; sent %d, server got %d, echoed %d, client got %d')
      :format(c.idx, c.cli.destroyed and 'destroyed' or 'open', c.secured and ' (was secured)' or '',
        c.srv == nil and 'never accepted' or c.srv.destroyed and 'destroyed' or 'open',
        total(c.cli_sent), total(c.srv_got), total(c.srv_sent), total(c.cli_got))
  end
  return table.concat(out, '; ') .. '\n' .. describe(st.p)
end

local function prefix(have, want) return want:sub(1, #have) == have end

return function(data)
  local p = decode(data)
  if TRACE then trace('%s', describe(p)) end
  local before = fds()
  st = { p = p, conns = {}, conn_of = setmetatable({}, { __mode = 'k' }), fired = {}, files = {}, store = {},
    errors = 0, accepted = 0, writes = 0, acting = true }
  st.server = make_server(p)
  if p.loopback then
    st.server:listen(0, '127.0.0.1')
    st.port = st.server:address().port
  end

  local deadline, poller = core.timer(), core.timer()
  local timed_out, finished = false, false
  deadline:unref()
  deadline:start(DEADLINE_MS, 0, function()
    timed_out = true
    core.stop()
  end)
  -- every millisecond: memory wires notice closed ends; the second connection
  -- starts when the first is over; the server closes when all are
  poller:start(1, 1, function()
    for _, c in ipairs(st.conns) do if c.wire then c.wire.pump() end end
    local last = st.conns[#st.conns]
    if not conn_done(last) then return end
    if #st.conns == 1 and p.resume then
      start_conn(2)
    else
      finished = true
      poller:close()
      st.server:close()
    end
  end)
  start_conn(1)
  C.drain()

  -- whatever is still open goes, with no more actions
  st.acting = false
  if not finished then poller:close() end
  deadline:close()
  local stuck = timed_out and summary()
  if TRACE then trace('after the loop: %s', summary()) end
  for _, c in ipairs(st.conns) do
    c.cli:destroy()
    if c.srv then c.srv:destroy() end
  end
  st.server:close()
  C.drain()

  C.invariant(not st.violation, st.violation)
  C.invariant(not stuck, ('the connections did not finish within %d ms: %s'):format(DEADLINE_MS, stuck or ''))
  for _, c in ipairs(st.conns) do
    local sent, got = table.concat(c.cli_sent), table.concat(c.srv_got)
    C.invariant(prefix(got, sent), ('connection %d: the server received bytes the client never sent'):format(c.idx))
    local echoed, back = table.concat(c.srv_sent), table.concat(c.cli_got)
    C.invariant(prefix(back, echoed), ('connection %d: the client received bytes the server never sent'):format(c.idx))
    if not st.cut and st.errors == 0 then
      C.invariant(c.secured, ('connection %d: no error, nothing cut it short, and no handshake: %s')
        :format(c.idx, summary()))
      C.invariant(#got == #sent and #back == #echoed, ('connection %d: bytes lost with no error: %s')
        :format(c.idx, summary()))
    end
  end
  for _, f in ipairs(st.files) do
    f.f:close()
    local h = assert(io.open(f.path, 'rb'))
    local now = h:read('a')
    h:close()
    os.remove(f.path)
    C.invariant(now == f.content, ('%s holds %d bytes, the action wrote %d: bytes went to the wrong fd')
      :format(f.path, #now, #f.content))
  end
  st = nil
  C.settle()
  local after = fds()
  C.invariant(#after == #before, ('fds: %d before the input, %d after (%s -> %s)'):format(#before, #after,
    table.concat(before, ','), table.concat(after, ',')))
end
