-- F27: a server 'keylog' listener destroys its socket, then opens a file.
-- The handshake OpenSSL is still running must not write into that file.
-- arg[1]: the file, arg[2]: 'TLSv1.2' or 'TLSv1.3'. Prints the process's open
-- fds before the client connects and once it is gone (the same), and the
-- file's size.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local fs = require('fs')
local C = require('cb_common')
local fds = require('fds')

local path, version = arg[1], arg[2]
C.guard(5000)
local held
local server = tls.createServer(C.server_options({ maxVersion = version }), function(s) s:pipe(s) end)
server:on('tlsClientError', function(e) C.say('tlsClientError', C.code(e)) end)
server:on('keylog', function(_, s)
  if held then return end
  s:destroy()
  held = assert(io.open(path, 'w'))   -- kept open until the client is gone
end)

server:listen(0, '127.0.0.1', function()
  C.say('fds-before', (fds()))
  local c = tls.connect({ port = server:address().port, host = 'localhost', ca = C.CA })
  c:on('error', function(e) C.say('client-error', C.code(e)) end)
  c:on('close', function()
    if held then held:close() end
    setImmediate(function()   -- once the callback that closed the sockets has returned
      C.say('fds-after', (fds()))
      server:close()
    end)
  end)
end)
process:on('exit', function() C.say('file-bytes', #fs.readFileSync(path)) end)
