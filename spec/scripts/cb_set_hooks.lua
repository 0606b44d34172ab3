-- F34: a stream's set_hooks(flags, alpn, npn) frees the old list before it
-- checks the new one; a bad value then leaves a freed pointer that is freed
-- again when the stream goes. arg[1]: 'alpn' or 'npn'. Prints what the second
-- call raised and "collected" once the stream is gone.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local stream = require('stream')
local C = require('cb_common')

local which = arg[1]
local function hooks(h, list)
  if which == 'alpn' then return h:set_hooks(0, list) end
  return h:set_hooks(0, nil, list)
end

do
  local d = stream.Duplex()
  local c = tls.connect({ socket = d, servername = 'localhost', ca = C.CA })   -- an SSL, no network
  c:on('error', function() end)
  local h = c._handle
  hooks(h, '\2h2')
  local ok, err = pcall(hooks, h, {})
  C.say('second-call', ok and 'returned' or 'raised', type(err))
  c:destroy()
end
collectgarbage()
collectgarbage()
C.say('collected')
