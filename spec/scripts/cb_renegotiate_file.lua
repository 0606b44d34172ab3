-- F27: a TLS 1.2 client renegotiates past tls.CLIENT_RENEG_LIMIT; the server
-- socket's 'error' listener opens a file (and writes nothing to it). The
-- socket's fd must not be given back to the system while its SSL can still
-- write, or OpenSSL's next records land in that file. arg[1]: the file.
-- Prints the error, the renegotiations, the process's open fds before the
-- client connects and once it is gone (the same), and the file's size.
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local fs = require('fs')
local C = require('cb_common')
local fds = require('fds')

local path = arg[1]
C.guard(5000)
local held, server
server = tls.createServer(C.server_options({ maxVersion = 'TLSv1.2' }), function(s)
  s:on('error', function(e)
    C.say('server-error', C.code(e))
    held = assert(io.open(path, 'w'))   -- kept open until the client is gone
  end)
  s:pipe(s)
end)

server:listen(0, '127.0.0.1', function()
  C.say('fds-before', (fds()))
  local c, renegotiations = nil, 0
  c = tls.connect({ port = server:address().port, host = 'localhost', ca = C.CA }, function()
    local function again()
      c:renegotiate({}, function(err)
        if err then return end
        renegotiations = renegotiations + 1
        again()
      end)
    end
    again()
  end)
  c:on('error', function() end)
  c:on('data', function() end)
  c:on('close', function()
    C.say('renegotiations', renegotiations)
    if held then held:close() end
    setImmediate(function()   -- once the callback that closed the sockets has returned
      C.say('fds-after', (fds()))
      server:close()
    end)
  end)
end)
process:on('exit', function() C.say('file-bytes', #fs.readFileSync(path)) end)
