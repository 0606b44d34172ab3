-- The handshake hooks of tls: SNI (addContext, SNICallback), OCSP stapling,
-- ALPN and NPN, PSK, keylog, renegotiation, and the TLSSocket methods that
-- read the finished handshake. Installed into tls by tls.lua.
local core = require('luatls.core')
local errors = require('luatls.errors')

local HOOK_CERT, HOOK_PSK, HOOK_ALPN_CB, HOOK_KEYLOG, HOOK_OCSP, HOOK_RENEG = 1, 2, 4, 8, 16, 32

return function(tls, TLSSocket, handlers, Server)

-- ALPN / NPN wire format ---------------------------------------------------

-- { 'h2', 'http/1.1' } -> '\2h2\8http/1.1'; a string is taken as wire format already
local function wire(name, list)
  if list == nil then return nil end
  if type(list) == 'string' then return list end
  if type(list) ~= 'table' then
    error(errors.invalid_arg_type('options.' .. name, 'a list of strings', list), 4)
  end
  local parts = {}
  for i, p in ipairs(list) do
    if type(p) ~= 'string' or #p == 0 then
      error(errors.invalid_arg_value(('options.%s[%d]'):format(name, i), p, 'must be a string of 1 to 255 bytes'), 4)
    end
    if #p > 255 then
      -- Node's words, and its index from 0
      error(errors.out_of_range(('options.%s[%d]'):format(name, i), '<= 255', #p,
        ('The byte length of the protocol at index %d exceeds the maximum length'):format(i - 1)), 4)
    end
    parts[#parts + 1] = string.char(#p) .. p
  end
  return table.concat(parts)
end

-- convertALPNProtocols(list[, out]) -> wire string; out.ALPNProtocols is set too, as in Node
function tls.convertALPNProtocols(list, out)
  local w = wire('ALPNProtocols', list)
  if type(out) == 'table' then out.ALPNProtocols = w end
  return w
end

-- keylog to a file: --tls-keylog=FILE or SSLKEYLOGFILE -----------------------

local keylog_file
function tls._setKeylogFile(path)
  if keylog_file then keylog_file:close() end
  keylog_file = path and assert(io.open(path, 'a'))
  if keylog_file then keylog_file:setvbuf('line') end
end
local env_keylog = os.getenv('SSLKEYLOGFILE')
if env_keylog and env_keylog ~= '' then pcall(tls._setKeylogFile, env_keylog) end

local function emit_keylog(s, line)
  if s._server then s._server:emit('keylog', line, s)
  else s:emit('keylog', line) end
end

handlers.keylog = function(s, line)
  if keylog_file then keylog_file:write(line) end
  -- as with the other hooks, a listener that raises fails this connection only
  local ok, err = xpcall(emit_keylog, errors.traceback, s, line)
  if not ok then process.nextTick(function() s:destroy(errors.from(err)) end) end
end

-- SNI -----------------------------------------------------------------------

-- server:addContext(hostname, context): '*' matches within one label; later entries win
function Server:addContext(hostname, context)
  errors.check('hostname', hostname, 'string')
  if type(context) ~= 'table' then error(errors.invalid_arg_type('context', 'of type table', context), 2) end
  local ctx = getmetatable(context) == tls.SecureContext and context or tls.createSecureContext(context)
  local pattern = '^' .. hostname:lower():gsub('[%^%$%(%)%%%.%[%]%+%-%?]', '%%%0'):gsub('%*', '[^.]*') .. '$'
  local list = self._contexts or {}
  self._contexts = list
  list[#list + 1] = { pattern = pattern, context = ctx }
  return self
end

function Server:_findContext(servername)
  local list = self._contexts
  if not list or not servername then return nil end
  servername = servername:lower()
  for i = #list, 1, -1 do
    if servername:match(list[i].pattern) then return list[i].context end
  end
  return nil
end

-- The callback a hook answers with, callable once: a later call, or one
-- after the socket closed, returns (and reports) Node's error instead.
local function once(s, fn)
  local state = { answered = false }
  return function(...)
    if s.destroyed then return errors.new('ERR_SOCKET_CLOSED', 'Socket is closed') end
    if state.answered then
      local e = errors.new('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times')
      s:destroy(e)
      return e
    end
    state.answered = true
    return fn(...)
  end, state
end

-- runs a hook; one that raises before answering fails this handshake only
local function run_hook(state, fail, f, ...)
  local ok, err = xpcall(f, errors.traceback, ...)
  if not ok and not state.answered then
    state.answered = true
    fail(errors.from(err))
  end
end
tls._hookOnce, tls._runHook = once, run_hook

-- An error the SNI or OCSP callback answers with (or finds in the answer)
-- ends the connection as Node ends it: destroyed with that error (the
-- server's 'tlsClientError'), no alert sent. The handshake stays paused until
-- then: destroyed on the next tick, outside OpenSSL, whose failure would send
-- an alert. A hook that raises fails the handshake instead (cert_fail).
local function refuse(s, err)
  err = errors.from(err)
  process.nextTick(function() if not s.destroyed then s:destroy(err) end end)
end

-- cert_done, or the connection refused when OpenSSL cannot use the context
local function cert_done(s, ctx, response)
  local ok, err = pcall(s._handle.cert_done, s._handle, ctx and ctx.context, response)
  if not ok then refuse(s, err) end
end

-- answers the certificate callback once: OCSPRequest listeners come after SNI
local function finish_cert(s, ctx, ocsp)
  local server = s._server
  if not ocsp or not server or server:listenerCount('OCSPRequest') == 0 then
    return cert_done(s, ctx)
  end
  local sc = (ctx or server._context).context
  local cb, state = once(s, function(err, response)
    if err then return refuse(s, err) end
    if response ~= nil and type(response) ~= 'string' then
      return refuse(s, errors.invalid_arg_type('response', 'a string or nil', response))
    end
    cert_done(s, ctx, response)
  end)
  run_hook(state, function(e) s._handle:cert_fail(e) end,
    server.emit, server, 'OCSPRequest', sc:certificate_der(), sc:issuer_der(), cb)
end

handlers.certcb = function(s, servername, ocsp)
  local server = s._server
  s.servername = servername or false
  local sni = s._SNICallback or (server and server._SNICallback)
  -- as Node: no name (or an empty one), no SNICallback
  if not sni or not servername or servername == '' then
    return finish_cert(s, server and server:_findContext(servername), ocsp)
  end
  local cb, state = once(s, function(err, ctx)
    if err then return refuse(s, err) end
    if ctx ~= nil and getmetatable(ctx) ~= tls.SecureContext then
      -- options of a context are taken too (Node takes only a SecureContext),
      -- but options without a certificate are what Node calls an invalid context
      if type(ctx) ~= 'table' or (ctx.cert == nil and ctx.pfx == nil) then
        return refuse(s, errors.new(nil, 'Invalid SNI context', nil, 'TypeError'))
      end
      local ok, made = pcall(tls.createSecureContext, ctx)
      if not ok then return refuse(s, made) end
      ctx = made
    end
    finish_cert(s, ctx, ocsp)
  end)
  run_hook(state, function(e) s._handle:cert_fail(e) end, sni, servername, cb)
end

-- socket:setServername(name): the SNI a client sends, before its handshake
-- starts (the certificate is still checked against options.servername or the
-- host, as in Node). Node aborts the process when it is called later; here
-- that raises ERR_TLS_INVALID_STATE.
function TLSSocket:setServername(name)
  errors.check('name', name, 'string')
  if self._tlsOptions.isServer then
    error(errors.new('ERR_TLS_SNI_FROM_SERVER', 'Cannot issue SNI from a TLS server-side socket'), 2)
  end
  if self.destroyed then error(errors.new('ERR_SOCKET_CLOSED', 'Socket is closed'), 2) end
  -- no SSL yet (still connecting): the name goes with the ClientHello
  if self._isServer == nil then
    self._servername = name ~= '' and name or nil
    return
  end
  local ok, err = pcall(self._handle.set_servername, self._handle, name)
  if not ok then error(err, 2) end
end

-- socket:setKeyCert(context): a server socket serves this context's
-- certificates and keys (and trusts its CAs) from its next handshake on.
-- As in Node, the options are checked on any socket, and a client's call
-- changes nothing (Node 20 returns at once for clients too).
function TLSSocket:setKeyCert(context)
  if self.destroyed then return end
  local ctx = getmetatable(context) == tls.SecureContext and context or tls.createSecureContext(context)
  if not self._isServer or not self._handle then return end
  local ok, err = pcall(self._handle.set_key_cert, self._handle, ctx.context)
  if not ok then error(err, 2) end
end

handlers.ocspresponse = function(s, response)
  s:emit('OCSPResponse', response)
end

-- PSK -------------------------------------------------------------------------

-- a hook that raises or answers wrongly fails the handshake with that error
local function guarded(s, f, ...)
  local ok, res = xpcall(f, errors.traceback, ...)
  if not ok then
    s._handle:set_hook_error(errors.from(res))
    return nil
  end
  return res
end

handlers.psk = function(s, arg)
  local opts = s._tlsOptions
  if s._server then
    local key = guarded(s, s._server._pskCallback, s, arg)
    if key ~= nil and type(key) ~= 'string' then
      s._handle:set_hook_error(errors.invalid_arg_type('psk', 'a string', key))
      return nil
    end
    return key
  end
  local r = guarded(s, opts.pskCallback, arg)
  if r == nil then return nil end
  if type(r) ~= 'table' or type(r.psk) ~= 'string' or type(r.identity) ~= 'string' then
    s._handle:set_hook_error(errors.invalid_arg_type('pskCallback result',
      'a table { psk = string, identity = string }', r))
    return nil
  end
  if #r.identity > 256 then
    s._handle:set_hook_error(errors.new('ERR_INVALID_ARG_VALUE', 'PSK identity exceeds 256 bytes', nil, 'RangeError'))
    return nil
  end
  return r
end

-- ALPNCallback --------------------------------------------------------------

handlers.alpn = function(s, protocols, servername)
  local chosen = guarded(s, s._server._ALPNCallback, { servername = servername, protocols = protocols })
  if chosen == nil then return nil end
  for _, p in ipairs(protocols) do if p == chosen then return chosen end end
  s._handle:set_hook_error(errors.new('ERR_TLS_ALPN_CALLBACK_INVALID_RESULT',
    ('ALPN callback returned a value (%s) that did not match any of the client\'s offered protocols (%s)')
      :format(tostring(chosen), table.concat(protocols, ', '))))
  return nil
end

-- renegotiation ---------------------------------------------------------------

handlers.renegotiation = function(s)
  if s._renegotiationDisabled then
    return s:destroy(errors.new('ERR_TLS_RENEGOTIATION_DISABLED', 'TLS session renegotiation disabled for this socket'))
  end
  -- as Node: at most CLIENT_RENEG_LIMIT renegotiations per CLIENT_RENEG_WINDOW seconds
  local now = core.now()
  if now - (s._lastHandshake or 0) >= tls.CLIENT_RENEG_WINDOW * 1000 then s._renegotiations = 0 end
  s._lastHandshake = now
  s._renegotiations = (s._renegotiations or 0) + 1
  if s._renegotiations > tls.CLIENT_RENEG_LIMIT then
    s:destroy(errors.new('ERR_TLS_SESSION_ATTACK', 'TLS session renegotiation attack detected'))
  end
end

-- whether a server socket asks for a client certificate and requires it: the
-- server's options, or the last renegotiate()'s, as Node keeps them per socket
local function cert_policy(s)
  if s._requestCert ~= nil then return s._requestCert, s._rejectUnauthorized end
  local server, o = s._server, s._tlsOptions
  if server then return server._requestCert, server._rejectUnauthorized end
  return o.requestCert == true, o.rejectUnauthorized ~= false
end

-- After every renegotiation the server verifies the client again, as Node's
-- 'secure' handling does, and fails closed: a certificate that is asked for
-- and required but does not verify ends the socket (the renegotiate callbacks
-- get the error). OpenSSL itself accepts any certificate (the verify callback
-- decides nothing, so that authorizationError can name the cause), and refuses
-- only a missing one: that handshake fails, and destroy() answers the callbacks.
handlers.renegotiated = function(s)
  if s.destroyed then return end
  local request, reject = cert_policy(s)
  if s._isServer and request then
    local code, message = s._handle:verify_error()
    s.authorized, s.authorizationError = code == nil, code
    if code and reject then return s:destroy(errors.new(code, message)) end
  end
  local cbs = s._renegCallbacks
  s._renegCallbacks = nil
  for _, cb in ipairs(cbs or {}) do cb(nil) end
  s:emit('secure')
end

-- flags and wire lists for one socket, before its handshake starts
function TLSSocket:_installHooks(is_server)
  local flags, alpn, npn = HOOK_RENEG, nil, nil
  if keylog_file or (is_server and self._server or self):listenerCount('keylog') > 0
    or self:listenerCount('keylog') > 0 then
    flags = flags | HOOK_KEYLOG
  end
  local server = self._server
  if is_server and server then
    local ocsp = server:listenerCount('OCSPRequest') > 0
    if self._SNICallback or server._SNICallback or server._contexts or ocsp then flags = flags | HOOK_CERT end
    if ocsp then flags = flags | HOOK_OCSP end
    if server._pskCallback then flags = flags | HOOK_PSK end
    if server._ALPNCallback then flags = flags | HOOK_ALPN_CB end
    alpn, npn = self._ownALPN or server._alpn, server._npn
  elseif is_server then
    -- a server socket of its own (no tls.Server lends it hooks): its options
    if self._SNICallback then flags = flags | HOOK_CERT end
    alpn = self._ownALPN
  else
    local opts = self._tlsOptions
    if opts.pskCallback then flags = flags | HOOK_PSK end
    if opts.requestOCSP then flags = flags | HOOK_OCSP end
    npn = self._npn
  end
  self._handle:set_hooks(flags | self:_sessionHooks(is_server), alpn, npn)
end

-- A server TLSSocket's own SNICallback and ALPNProtocols options, checked
-- before it takes its socket over; they win over a tls.Server's, as in Node.
function TLSSocket:_ownHooks(options)
  if options.SNICallback ~= nil then errors.check('options.SNICallback', options.SNICallback, 'function') end
  self._SNICallback = options.SNICallback
  self._ownALPN = wire('ALPNProtocols', options.ALPNProtocols)
end

-- server options of the hooks, checked once
function Server:_hookOptions(options)
  for _, k in ipairs({ 'SNICallback', 'pskCallback', 'ALPNCallback' }) do
    if options[k] ~= nil then errors.check('options.' .. k, options[k], 'function') end
  end
  if options.ALPNCallback and options.ALPNProtocols then
    error(errors.new('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
      'The ALPNCallback and ALPNProtocols TLS options are mutually exclusive', nil, 'TypeError'), 4)
  end
  if options.pskIdentityHint ~= nil then errors.check('options.pskIdentityHint', options.pskIdentityHint, 'string') end
  self._SNICallback = options.SNICallback
  self._pskCallback = options.pskCallback
  self._ALPNCallback = options.ALPNCallback
  self._alpn = wire('ALPNProtocols', options.ALPNProtocols)
  self._npn = wire('NPNProtocols', options.NPNProtocols)
end

-- after the handshake: what was negotiated (nothing, once the socket is destroyed)
function TLSSocket:_readNegotiated()
  if self.destroyed or not self._handle then return end
  self.alpnProtocol = self._handle:alpn_protocol()
  self.npnProtocol = self._handle:npn_protocol()
end

-- TLSSocket methods -----------------------------------------------------------

local function open(s) return s._handle and not s.destroyed end

-- renegotiate({ rejectUnauthorized =, requestCert = }, cb): TLS 1.2 and below
function TLSSocket:renegotiate(options, cb)
  if type(options) ~= 'table' then error(errors.invalid_arg_type('options', 'of type table', options), 2) end
  if cb ~= nil then errors.check('callback', cb, 'function') end
  if not open(self) then return false end
  -- as Node: an option left out keeps what the socket has
  local request, reject = cert_policy(self)
  if options.requestCert ~= nil then request = options.requestCert and true or false end
  if options.rejectUnauthorized ~= nil then reject = options.rejectUnauthorized and true or false end
  local ok, err = self._handle:renegotiate(request, reject)
  if not ok then
    if cb then process.nextTick(cb, err) end
    return false
  end
  self._requestCert, self._rejectUnauthorized = request, reject
  if cb then
    self._renegCallbacks = self._renegCallbacks or {}
    table.insert(self._renegCallbacks, cb)
  end
  return true
end

-- a renegotiation asked for during a handshake that could not start once it was done
handlers.renegerror = function(s, err)
  local cbs = s._renegCallbacks
  s._renegCallbacks = nil
  for _, cb in ipairs(cbs or {}) do cb(err) end
end

function TLSSocket:disableRenegotiation() self._renegotiationDisabled = true end

-- nil until the TLS layer exists (right after tls.connect), as Node's undefined
local function started(s) return open(s) and s._tlsStarted end
function TLSSocket:getFinished() return started(self) and self._handle:finished(false) or nil end
function TLSSocket:getPeerFinished() return started(self) and self._handle:finished(true) or nil end
function TLSSocket:getTLSTicket() return open(self) and self._handle:tls_ticket() or nil end

function TLSSocket:exportKeyingMaterial(length, label, context)
  -- up to what the C side exports at once
  length = errors.check_number('length', length, 1, 65536, { integer = true })
  errors.check('label', label, 'string')
  if context ~= nil then errors.check('context', context, 'string') end
  if not open(self) then error(errors.new('ERR_SOCKET_CLOSED', 'Socket is closed'), 2) end
  if not self._secured then
    error(errors.new('ERR_TLS_INVALID_STATE', 'TLS socket connection must be securely established'), 2)
  end
  return self._handle:export_keying_material(length, label, context)
end

-- as Node: any 32-bit integer is taken, and a size OpenSSL refuses (outside
-- 512..16384) answers false
function TLSSocket:setMaxSendFragment(size)
  size = errors.check_number('size', size, -0x80000000, 0x7fffffff, { integer = true })
  if size < 512 or size > 16384 then return false end
  return open(self) and self._handle:set_max_send_fragment(size) or false
end

-- before the SSL exists (right after tls.connect) the request waits for it
function TLSSocket:enableTrace()
  if open(self) and self._tlsStarted then self._handle:enable_trace() else self._traceWanted = true end
end

end
