-- F36: a SecureContext whose finalizer has already run (called by hand, as a
-- script can) is used again. Each use must raise an error object (or fail
-- that one connection), never dereference the freed SSL_CTX.
--   arg[1] = 'methods': the context methods, each in a pcall.
--   arg[1] = 'server': tls.createServer({ secureContext = dead }) and a client.
--   arg[1] = 'client': tls.connect({ port =, secureContext = dead }).
-- Prints "NAME raised CODE" / "NAME returned", and the events seen.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local C = require('cb_common')

local function dead()
  local ctx = tls.createSecureContext(C.server_options())
  local mt = debug.getmetatable(ctx.context)
  mt.__gc(ctx.context)
  return ctx
end

local mode = arg[1]
C.guard(5000)
if mode == 'methods' then
  local calls = {
    { 'certificate_der' }, { 'issuer_der' }, { 'build_chains' }, { 'check_key' },
    { 'set_options', 1 }, { 'set_ciphers', 'HIGH' }, { 'set_ciphersuites', 'TLS_AES_128_GCM_SHA256' },
    { 'set_versions', 0x0303, 0x0304 }, { 'add_ca', C.CA }, { 'set_cert', C.cert('server-cert.pem') },
    { 'set_key', C.cert('server-key.pem') }, { 'ticket_keys' }, { 'session_cache', true, true },
    { 'set_timeout', 10 }, { 'set_session_id_context', 'x' },
  }
  for _, call in ipairs(calls) do
    local ctx = dead().context
    C.say(call[1] .. '-before')   -- so a crash shows where
    C.say(call[1], C.outcome(pcall(ctx[call[1]], ctx, table.unpack(call, 2))))
  end
elseif mode == 'server' then
  local ok, server = pcall(tls.createServer, { secureContext = dead() })
  C.say('createServer', C.outcome(ok, server))
  if ok then
    server:on('tlsClientError', function(e) C.say('tlsClientError', C.code(e)) end)
    server:listen(0, '127.0.0.1', function()
      local c = tls.connect({ port = server:address().port, host = 'localhost', ca = C.CA })
      c:on('error', function(e) C.say('client-error', C.code(e)) end)
      c:on('close', function()
        C.say('client-close')
        server:close()
      end)
    end)
  end
elseif mode == 'client' then
  local server = tls.createServer(C.server_options(), function(s) s:_end() end)
  server:on('tlsClientError', function() end)
  server:listen(0, '127.0.0.1', function()
    local ok, c = pcall(tls.connect, { port = server:address().port, host = 'localhost', secureContext = dead() })
    C.say('connect', C.outcome(ok, c))
    if not ok then return server:close() end
    c:on('error', function(e) C.say('client-error', C.code(e)) end)
    c:on('close', function()
      C.say('client-close')
      server:close()
    end)
  end)
end
