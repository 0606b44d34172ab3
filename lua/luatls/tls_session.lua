-- Session resumption for tls: the client's 'session' event, getSession and
-- the session option; the server's 'newSession' and 'resumeSession' hooks,
-- sessionTimeout and ticket keys. Installed into tls by tls.lua.
local core = require('luatls.core')
local errors = require('luatls.errors')

local HOOK_SESSION_NEW, HOOK_SESSION_RESUME = 0x40, 0x80

return function(tls, TLSSocket, handlers, Server)

-- a new session: on a client the 'session' event, as DER. As in Node, one
-- that arrives before the server is verified (TLS 1.2 sends it inside the
-- handshake) waits for the verdict: client_secure hands it out after
-- 'secureConnect', or drops it with a refused server.
handlers.session = function(s, _, der)
  if s._verified then return s:emit('session', der) end
  s._pendingSession = der
end

-- on a server, 'newSession'(id, data, cb): the connection waits for cb()
handlers.newsession = function(s, id, der)
  local server = s._server
  s._newSessionPending = true
  local answered = false
  local ok, err = xpcall(server.emit, errors.traceback, server, 'newSession', id, der, function()
    if answered or s.destroyed then return end
    answered = true
    s._newSessionPending = false
    if s._securePending then
      s._securePending = false
      s:_secureServer()
    end
  end)
  if not ok then s:destroy(errors.from(err)) end
end

-- 'resumeSession'(id, cb): cb(err, data) now or later; the handshake waits
handlers.resumesession = function(s, id)
  local server = s._server
  local cb, state = tls._hookOnce(s, function(err, data)
    if err then return s:destroy(err) end
    if data ~= nil and type(data) ~= 'string' then
      return s:destroy(errors.invalid_arg_type('sessionData', 'a string or nil', data))
    end
    local okd, bad = pcall(s._handle.resume_done, s._handle, data)
    if not okd then s:destroy(bad) end
  end)
  tls._runHook(state, function(e) s:destroy(e) end, server.emit, server, 'resumeSession', id, cb)
end

-- the flags of the session hooks for one socket; a server whose script keeps
-- the sessions bypasses the built-in cache, in both directions it takes over
function TLSSocket:_sessionHooks(is_server)
  if is_server then
    local server = self._server
    if not server then return 0 end
    local new, resume = server:listenerCount('newSession') > 0, server:listenerCount('resumeSession') > 0
    if new ~= server._cacheNew or resume ~= server._cacheResume then
      server._cacheNew, server._cacheResume = new, resume
      server._context.context:session_cache(not new, not resume)
    end
    return (new and HOOK_SESSION_NEW or 0) | (resume and HOOK_SESSION_RESUME or 0)
  end
  return self:listenerCount('session') > 0 and HOOK_SESSION_NEW or 0
end

-- getSession() -> the session as DER (a string), for tls.connect's session option
function TLSSocket:getSession()
  if not self._handle or self.destroyed then return nil end
  return self._handle:get_session()
end

-- socket:setSession(session): a client offers this session (as 'session' or
-- getSession() gave it) in its handshake. As in Node, what is not a session
-- is ignored; after the handshake has started it raises ERR_TLS_INVALID_STATE
-- (Node replaces the session of the live connection). A server ignores it.
function TLSSocket:setSession(session)
  if type(session) ~= 'string' then
    error(errors.new('ERR_INVALID_ARG_TYPE', 'Session must be a buffer', nil, 'TypeError'), 2)
  end
  if self.destroyed then error(errors.new('ERR_SOCKET_CLOSED', 'Socket is closed'), 2) end
  if self._tlsOptions.isServer or not pcall(core.session_info, session) then return end
  -- no SSL yet (still connecting): offered when the handshake starts
  if self._isServer == nil then
    self._session = session
    return
  end
  local ok, err = pcall(self._handle.set_session, self._handle, session)
  if not ok then error(err, 2) end
end

-- checks a session string early, so a bad one is the caller's error
function tls._checkSession(session)
  if session == nil then return end
  if type(session) ~= 'string' then error(errors.invalid_arg_type('options.session', 'a string', session), 3) end
  local ok, err = pcall(core.session_info, session)
  if not ok then error(errors.for_option(err, 'session'), 3) end
end

-- ticket keys: 48 bytes; new keys keep the previous ones good for resuming
function Server:getTicketKeys()
  return self._context.context:ticket_keys()
end

-- name: how errors call the keys (Node: 'keys' here, 'options.ticketKeys' as an option)
function Server:setTicketKeys(keys, name)
  name = name or 'keys'
  errors.check(name, keys, 'string')
  if #keys ~= 48 then
    error(errors.invalid_arg_value(name, #keys, 'must be exactly 48 bytes'), 2)
  end
  local ok, err = pcall(self._context.context.ticket_keys, self._context.context, keys)
  if not ok then error(errors.for_option(err, 'ticketKeys'), 2) end
end

-- options of a server's context that concern sessions
function Server:_sessionOptions(options)
  if options.sessionTimeout ~= nil then
    -- seconds, a C long in OpenSSL; Node's bounds
    self._context.context:set_timeout(errors.check_number('options.sessionTimeout', options.sessionTimeout,
      0, 0x7fffffff, { integer = true }))
  end
  if options.ticketKeys ~= nil then self:setTicketKeys(options.ticketKeys, 'options.ticketKeys') end
end

end
