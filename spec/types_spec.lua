-- types/: the LuaCATS (---@meta) files that give lua-language-server users completion
-- and type checks. The spec reads them with a small parser of its own and walks the real
-- thing against them, in both directions:
--
--   * every public key (not starting with '_') of every module of lua/ (and of
--     luatls.runtime and luatls.class), of the globals the runtime adds, and of every table
--     reached from them whose annotated type is a class (class tables, instances, the
--     objects a real TLS connection returns, error objects) has an annotation; a function
--     is annotated as one, and a value that is not a function is not
--   * every annotated member exists on some table walked as that class (or a subclass);
--     a member of a class no table was walked as (an option table, say), or an optional
--     one found on none, must at least be named in lua/ or src/
--   * every option the Lua modules read (options.x, opts.x, o.x) is a field of an
--     ...Options class, and every event they emit is in an ...Event alias, and back
--
-- So a function, field, option or event added to lua/ later fails here until annotated.

local tls = require('tls')
local net = require('net')
local fs = require('fs')
local stream = require('stream')
local cp = require('child_process')
local EventEmitter = require('events')

-- options read under those names that are not part of the API
local INTERNAL_OPTIONS = {
  handle = 'net.Socket: the C handle of an accepted connection',
  bare = 'util.inspect: strings unquoted at the top level (util.format)',
}
-- files whose `opts` are a helper's own flags, not options a script passes
local INTERNAL_OPTION_FILES = {
  ['lua/luatls/errors.lua'] = 'check_number(name, v, min, max, opts)',
  ['lua/luatls/connect.lua'] = "luatls connect's command-line options (doc/luatls.1, man_spec)",
  ['lua/luatls/serve.lua'] = "luatls serve's command-line options (doc/luatls.1, man_spec)",
}

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

local function list(cmd)
  local out = {}
  local p = io.popen(cmd)
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

---------------------------------------------------------------------------
-- the parser of types/*.lua
---------------------------------------------------------------------------

local T = {
  classes = {},    -- name -> { parents = {...}, members = { name -> member }, where = }
  modules = {},    -- require name -> class name
  globals = {},    -- name -> member
  aliases = {},    -- name -> { literals = { x = true }, refs = { alias names } }
  overload_events = {},
}

local function new_class(name, parents, where)
  local c = T.classes[name]
  if not c then
    c = { name = name, parents = {}, members = {}, where = where }
    T.classes[name] = c
  end
  for p in (parents or ''):gmatch('[^,%s]+') do c.parents[#c.parents + 1] = p end
  return c
end

-- the class name a type names, if any: 'tls.TLSSocket?' -> 'tls.TLSSocket'
local function class_of_type(ty)
  local name = ty and ty:match('^([%w_.]+)%??$')
  return name and T.classes[name] and name or nil
end

-- the type of a ---@field or ---@type: up to the first space outside parentheses
local function type_expr(text)
  local depth = 0
  for i = 1, #text do
    local ch = text:sub(i, i)
    if ch == '(' or ch == '{' or ch == '<' then depth = depth + 1
    elseif ch == ')' or ch == '}' or ch == '>' then depth = depth - 1
    elseif ch:match('%s') and depth == 0 and text:sub(i - 1, i - 1) ~= ':' and text:sub(i - 1, i - 1) ~= ','
      and not text:sub(i + 1):match('^[|:]') and text:sub(i - 1, i - 1) ~= '|' then
      return text:sub(1, i - 1)
    end
  end
  return text
end

local function member(kind, ty, where)
  local main = ty and type_expr(ty) or ''
  return { kind = kind, type = main, where = where,
    optional = main:sub(-1) == '?' or main:find('|nil', 1, true) ~= nil,
    is_function = kind == 'function' or main:match('^%(?fun%(') ~= nil or main == 'function' }
end

local function add_member(class, name, m)
  local c = assert(T.classes[class], 'no class ' .. tostring(class))
  if c.members[name] then error(('%s: %s.%s is annotated twice'):format(m.where, class, name), 0) end
  c.members[name] = m
end

local function parse(path)
  local binds = {}          -- Lua expression -> class it stands for
  local block = {}          -- the annotations above the next line of code
  local alias               -- the alias whose ---| lines follow
  local meta
  local n = 0
  for line in (read(path) .. '\n'):gmatch('([^\n]*)\n') do
    n = n + 1
    local where = path .. ':' .. n
    local ann = line:match('^%-%-%-(.*)$')
    if ann then
      local tag, rest = ann:match('^@(%w+)%s*(.-)%s*$')
      if tag == 'meta' then
        meta = rest ~= '' and rest or nil
      elseif tag == 'class' then
        local name, parents = rest:match('^([%w_.]+)%s*:?%s*(.*)$')
        new_class(name, parents, where)
        block.class = name
      elseif tag == 'field' then
        assert(block.class, where .. ': ---@field outside a class')
        rest = rest:gsub('^(private|protected|public|package)%s+', '')
        local name, ty = rest:match('^%[%s*["\']([^"\']+)["\']%s*%]%s+(.*)$')
        if not name then name, ty = rest:match('^([%w_]+)%s+(.*)$') end
        assert(name, where .. ': cannot read this ---@field')
        add_member(block.class, name, member('field', ty, where))
      elseif tag == 'type' then
        block.type = rest:match('^%S+')
      elseif tag == 'alias' then
        local name, def = rest:match('^([%w_.]+)%s*(.*)$')
        alias = { literals = {}, refs = {}, where = where }
        T.aliases[name] = alias
        for lit in def:gmatch('"([^"]+)"') do alias.literals[lit] = true end
      elseif tag == 'overload' then
        for lit in rest:gmatch('event:%s*"([^"]+)"') do
          T.overload_events[#T.overload_events + 1] = { event = lit, where = where }
        end
      elseif ann:match('^|') and alias then
        local item = ann:match('^|%s*(%S+)')
        local lit = item and (item:match('^\'"(.-)"\'$') or item:match('^"(.-)"$'))
        if lit then alias.literals[lit] = true
        elseif item then alias.refs[#alias.refs + 1] = item end
      end
    elseif line:match('^%s*$') then
      block, alias = {}, nil
    elseif not line:match('^%s*%-%-') then
      alias = nil
      local fowner, sep, fname = line:match('^function%s+([%w_.]+)([.:])([%w_]+)%s*%(')
      local gname = line:match('^function%s+([%w_]+)%s*%(')
      local lname = line:match('^local%s+([%w_]+)%s*=')
      local lhs, key = line:match('^([%w_.]+)%[%s*["\']([^"\']+)["\']%s*%]%s*=')
      if not lhs then lhs = line:match('^([%w_.]+)%s*=') end
      local ret = line:match('^return%s+([%w_]+)%s*$')
      if fowner then
        assert(binds[fowner], where .. ': ' .. fowner .. ' is no annotated class')
        assert(sep)
        add_member(binds[fowner], fname, member('function', nil, where))
      elseif gname then
        T.globals[gname] = member('function', nil, where)
      elseif lname then
        if block.class then binds[lname] = block.class end
      elseif lhs then
        local owner, name = lhs:match('^(.+)%.([%w_]+)$')
        if key then owner, name = lhs, key end
        local ty = block.class or block.type
        if owner then
          assert(binds[owner], where .. ': ' .. owner .. ' is no annotated class')
          add_member(binds[owner], name, member('field', ty, where))
        else
          T.globals[name or lhs] = member('field', ty, where)
        end
        if block.class and not key then binds[lhs] = block.class end
      elseif ret and meta then
        T.modules[meta] = assert(binds[ret], where .. ': ' .. ret .. ' is no annotated class')
      end
      block = {}
    end
  end
  if meta then assert(T.modules[meta], path .. ': ---@meta ' .. meta .. ' returns no annotated class') end
end

for _, path in ipairs(list('ls types/*.lua')) do parse(path) end

-- a class's member, looked up through its parents
local function lookup(class, name, seen)
  local c = T.classes[class]
  if not c then return nil end
  seen = seen or {}
  if seen[class] then return nil end
  seen[class] = true
  if c.members[name] then return c.members[name] end
  for _, p in ipairs(c.parents) do
    local m = lookup(p, name, seen)
    if m then return m end
  end
  return nil
end

local function is_a(class, ancestor, seen)
  if class == ancestor then return true end
  seen = seen or {}
  if seen[class] or not T.classes[class] then return false end
  seen[class] = true
  for _, p in ipairs(T.classes[class].parents) do
    if is_a(p, ancestor, seen) then return true end
  end
  return false
end

-- every source file of lua/ and src/, once, and the words in them
local sources = {}
for _, f in ipairs(list('find lua src -name "*.lua" -o -name "*.c" -o -name "*.h" | sort')) do
  sources[f] = read(f)
end
local function named_in_sources(word)
  local pat = '%f[%w_]' .. word:gsub('%p', '%%%0') .. '%f[^%w_]'
  for _, text in pairs(sources) do
    if text:find(pat) then return true end
  end
  return false
end

local function without_comments(text)
  return (text:gsub('%-%-%[%[.-%]%]', ''):gsub('%-%-[^\n]*', ''))
end

---------------------------------------------------------------------------
-- the walker
---------------------------------------------------------------------------

local W = { seen = {}, evidence = {}, missing = {}, wrong_kind = {} }

local function walk(value, class, path)
  if W.seen[value] then return end
  W.seen[value] = class
  W.evidence[class] = W.evidence[class] or {}
  table.insert(W.evidence[class], value)
  -- in a stable order, a class's own name first (tls.TLSSocket before tls.CleartextStream)
  local keys = {}
  for k in next, value do if type(k) == 'string' and k:sub(1, 1) ~= '_' then keys[#keys + 1] = k end end
  table.sort(keys, function(a, b)
    local ma, mb = lookup(class, a), lookup(class, b)
    local oa = ma and ma.type and ma.type:match('%.' .. a .. '%??$') and 0 or 1
    local ob = mb and mb.type and mb.type:match('%.' .. b .. '%??$') and 0 or 1
    if oa ~= ob then return oa < ob end
    return a < b
  end)
  for _, k in ipairs(keys) do
    local v = rawget(value, k)
    do
      local m = lookup(class, k)
      local here = path .. '.' .. k
      if not m then
        W.missing[#W.missing + 1] = here .. ' (' .. type(v) .. ', class ' .. class .. ')'
      else
        if (type(v) == 'function') ~= m.is_function then
          W.wrong_kind[#W.wrong_kind + 1] = ('%s is a %s, annotated as %s at %s'):format(here, type(v),
            m.is_function and 'a function' or tostring(m.type), m.where)
        end
        local sub = class_of_type(m.type)
        if sub and type(v) == 'table' then walk(v, sub, here) end
      end
    end
  end
end

-- runs body(done, sample) in the loop, where sample(value, class, name) walks a value
local function sampling(timeout, body)
  H.run(timeout, function(done)
    body(done, function(value, class, name)
      assert(T.classes[class], 'no class ' .. class .. ' in types/')
      assert(type(value) == 'table', name .. ' is not a table')
      walk(value, class, name)
    end)
  end)
end

local function pcall_error(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, 'expected an error')
  return err
end

-- everything a script can reach, walked once for all the tests below
local walked = false
local function walk_everything()
  if walked then return end
  walked = true

  -- the modules: every file of lua/, and the two public ones of lua/luatls/
  local mods = { 'luatls.runtime', 'luatls.class' }
  for _, f in ipairs(list('ls lua/*.lua')) do mods[#mods + 1] = f:match('^lua/(.*)%.lua$') end
  W.modules = mods
  W.unannotated_modules = {}
  for _, name in ipairs(mods) do
    local class = T.modules[name]
    if not class then
      W.unannotated_modules[#W.unannotated_modules + 1] = name
    else
      walk(require(name), class, name)
    end
  end

  -- the globals the runtime adds
  for name, m in pairs(T.globals) do
    local class = class_of_type(m.type)
    if class and type(_G[name]) == 'table' then walk(_G[name], class, name) end
  end

  -- instances and the objects a real connection gives
  local ca, key, crt = H.cert('ca-cert.pem'), H.cert('server-key.pem'), H.cert('server-cert.pem')
  sampling(10000, function(done, sample)
    local finish = H.countdown(4, done)
    sample(EventEmitter(), 'events.EventEmitter', 'EventEmitter()')
    sample(require('cluster').Worker(1, { pid = 1 }), 'cluster.Worker', 'cluster.Worker()')
    local d = stream.Duplex()
    sample(d, 'stream.Duplex', 'stream.Duplex()')
    sample(tls.createSecureContext({ key = key, cert = crt }), 'tls.SecureContext', 'tls.createSecureContext()')
    local x509 = require('crypto').X509Certificate(crt)
    sample(x509, 'crypto.X509Certificate', 'crypto.X509Certificate()')
    sample(x509.publicKey, 'crypto.KeyObject', 'X509Certificate.publicKey')
    local t = setTimeout(function() end, 1)
    sample(t, 'timers.Timeout', 'setTimeout()')
    sample(setImmediate(function() end), 'timers.Immediate', 'setImmediate()')
    local pair = tls.createSecurePair(nil, false)
    sample(pair, 'tls.SecurePair', 'tls.createSecurePair()')
    pair.cleartext:destroy()

    -- error objects of each kind
    sample(pcall_error(net.connect, { port = 'http' }), 'luatls.Error', 'ERR_SOCKET_BAD_PORT')
    sample(pcall_error(fs.readFileSync, '/nonexistent/luatls'), 'luatls.Error', 'ENOENT')
    sample(pcall_error(tls.createSecureContext, { key = 'not a key' }), 'luatls.Error', 'ERR_OSSL_*')
    sample(pcall_error(EventEmitter().emit, EventEmitter(), 'error', 'x'), 'luatls.Error', 'ERR_UNHANDLED_ERROR')
    local refused = net.connect(H.free_port(), '127.0.0.1')
    refused:on('error', function(err)
      sample(err, 'luatls.Error', 'ECONNREFUSED')
      finish()
    end)

    -- a child process, once it has exited and its pipes are closed
    local child = cp.spawn('true')
    child:on('close', function()
      sample(child, 'child_process.ChildProcess', 'child_process.spawn()')
      finish()
    end)

    -- plain TCP
    local nserver
    nserver = net.createServer(function(s)
      sample(s, 'net.Socket', 'net server socket')
      s:_end()
    end)
    nserver:listen(0, '127.0.0.1', function()
      sample(nserver, 'net.Server', 'net.createServer()')
      sample(nserver:address(), 'net.AddressInfo', 'server:address()')
      local c = net.connect(nserver:address().port, '127.0.0.1')
      c:on('data', function() end)
      c:on('close', function()
        nserver:close()
        finish()
      end)
    end)

    -- TLS: the server asks for a certificate the client does not send (authorizationError)
    local server
    server = tls.createServer({ key = key, cert = crt, ca = ca, requestCert = true,
      rejectUnauthorized = false, ALPNProtocols = { 'x' } }, function(s)
      sample(s, 'tls.TLSSocket', 'server TLSSocket')
      sample(s:getCertificate(), 'tls.PeerCertificate', 'getCertificate()')
      s:_end()
    end)
    server:listen(0, '127.0.0.1', function()
      sample(server, 'tls.Server', 'tls.createServer()')
      local c
      c = tls.connect(server:address().port, '127.0.0.1', { ca = ca, servername = 'localhost',
        ALPNProtocols = { 'x' } }, function()
        sample(c, 'tls.TLSSocket', 'client TLSSocket')
        sample(c:getPeerCertificate(true), 'tls.PeerCertificate', 'getPeerCertificate(true)')
        sample(c:getCipher(), 'tls.CipherInfo', 'getCipher()')
        sample(c:getEphemeralKeyInfo(), 'tls.EphemeralKeyInfo', 'getEphemeralKeyInfo()')
        sample(tls.checkServerIdentity('other.example', c:getPeerCertificate()), 'luatls.Error',
          'ERR_TLS_CERT_ALTNAME_INVALID')
      end)
      c:on('data', function() end)
      c:on('close', function()
        server:close()
        finish()
      end)
    end)
  end)
end

-- the members annotated on `class` that nothing walked has
local function absent_members()
  local absent = {}
  for name, c in pairs(T.classes) do
    local tables = {}
    for class, list_ in pairs(W.evidence) do
      if is_a(class, name) then for _, t in ipairs(list_) do tables[#tables + 1] = t end end
    end
    for k, m in pairs(c.members) do
      local found = false
      for _, t in ipairs(tables) do
        local ok, v = pcall(function() return t[k] end)
        if ok and v ~= nil then found = true break end
      end
      -- never walked, or optional and absent here: it must be named in lua/ or src/ at least
      if not found and (#tables == 0 or m.optional) then found = named_in_sources(k) end
      if not found then absent[#absent + 1] = ('%s.%s (%s)'):format(name, k, m.where) end
    end
  end
  table.sort(absent)
  return absent
end

---------------------------------------------------------------------------

describe('types/ (LuaCATS)', function()
  it('parses: every file is ---@meta, every class and module is well formed', function()
    for _, path in ipairs(list('ls types/*.lua')) do
      assert.truthy(read(path):match('^%-%-%-@meta'), path .. ' does not start with ---@meta')
      local ok, err = loadfile(path)
      assert.truthy(ok, err)
    end
    assert.truthy(T.modules.tls and T.modules.net and T.modules.events)
    for name, c in pairs(T.classes) do
      for _, p in ipairs(c.parents) do
        assert.truthy(T.classes[p], ('%s (%s) extends %s, which is no class'):format(name, c.where, p))
      end
    end
  end)

  it('annotates every module of lua/, and each annotated module exists', function()
    walk_everything()
    assert.same({}, W.unannotated_modules)
    for name in pairs(T.modules) do
      assert.truthy(pcall(require, name), 'types/ annotates a module ' .. name .. ' that does not load')
    end
  end)

  it('annotates every public function and field reached from the modules, globals and real objects', function()
    walk_everything()
    table.sort(W.missing)
    assert.same({}, W.missing)
    table.sort(W.wrong_kind)
    assert.same({}, W.wrong_kind)
  end)

  it('annotates nothing that does not exist', function()
    walk_everything()
    assert.same({}, absent_members())
  end)

  it('annotates every global the runtime adds to Lua, and no other', function()
    local code = 'local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) print(table.concat(t, " "))'
    local mine = H.sh(H.LUATLS .. " -e '" .. code .. "'")
    local stock = H.sh("lua5.4 -e '" .. code .. "'")
    local in_stock, added = {}, {}
    for k in stock:gmatch('%S+') do in_stock[k] = true end
    for k in mine:gmatch('%S+') do if not in_stock[k] then added[#added + 1] = k end end
    local annotated = {}
    for k in pairs(T.globals) do annotated[#annotated + 1] = k end
    table.sort(added)
    table.sort(annotated)
    assert.truthy(#added >= 8)
    assert.same(added, annotated)
  end)

  it('annotates every option the modules read, in an ...Options class', function()
    local options = {}
    for name, c in pairs(T.classes) do
      if name:match('Options$') then
        for k in pairs(c.members) do options[k] = true end
        for _, p in ipairs(c.parents) do
          for k in pairs(T.classes[p].members) do options[k] = true end
        end
      end
    end
    local missing = {}
    for f, text in pairs(sources) do
      if f:match('%.lua$') and not INTERNAL_OPTION_FILES[f] then
        for k in without_comments(text):gmatch('%f[%w_]options?%.([%a_][%w_]*)') do
          if not options[k] and not INTERNAL_OPTIONS[k] then missing[#missing + 1] = k .. ' (' .. f .. ')' end
        end
        for k in without_comments(text):gmatch('%f[%w_]opts%.([%a_][%w_]*)') do
          if not options[k] and not INTERNAL_OPTIONS[k] then missing[#missing + 1] = k .. ' (' .. f .. ')' end
        end
        for k in without_comments(text):gmatch('%f[%w_]o%.([%a_][%w_]*)') do
          if not options[k] and not INTERNAL_OPTIONS[k] then missing[#missing + 1] = k .. ' (' .. f .. ')' end
        end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it('names every event the modules emit in an ...Event alias, and no other', function()
    local emitted = {}
    for f, text in pairs(sources) do
      if f:match('%.lua$') then
        text = without_comments(text)
        for e in text:gmatch('emit%s*%(%s*[\'"]([%w_]+)[\'"]') do emitted[e] = f end
        for e in text:gmatch('emit%s*,[^\n]-[\'"]([%w_]+)[\'"]') do emitted[e] = f end
      end
    end
    local annotated = {}
    for name, a in pairs(T.aliases) do
      if name:match('Event$') then for e in pairs(a.literals) do annotated[e] = a.where end end
    end
    local missing, extra = {}, {}
    for e, f in pairs(emitted) do if not annotated[e] then missing[#missing + 1] = e .. ' (' .. f .. ')' end end
    for e, where in pairs(annotated) do if not emitted[e] then extra[#extra + 1] = e .. ' (' .. where .. ')' end end
    for _, o in ipairs(T.overload_events) do
      if not annotated[o.event] then extra[#extra + 1] = o.event .. ' (' .. o.where .. ')' end
    end
    table.sort(missing)
    table.sort(extra)
    assert.same({}, missing)
    assert.same({}, extra)
    assert.truthy(emitted.secureConnect and emitted.tlsClientError)
  end)
end)
