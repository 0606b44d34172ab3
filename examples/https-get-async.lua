-- HTTP/1.1 over TLS, written as sequential tasks with luatls.async: the twin of
-- examples/https-get.lua, which does the same with callbacks.
--   build/luatls examples/https-get-async.lua              a responder of its own, two requests
--   build/luatls examples/https-get-async.lua https://localhost:8443/hello
-- With no URL it starts a tiny HTTPS responder on 127.0.0.1 (the test
-- certificate) and asks it for /hello (a Content-Length body) and /chunked (a
-- chunked body) over one kept-alive connection. Given a URL, it GETs that.
local async = require('luatls.async')
local tls = require('tls')
local fs = require('fs')

local CA = fs.readFileSync('certs/ca-cert.pem')

---------------------------------------------------------------------------
-- the client
---------------------------------------------------------------------------

-- one request and its response: the status line, the headers (lower-case
-- names) and the body
local function request(s, host, path, last)
  s:writeAsync(('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: luatls\r\n%s\r\n')
    :format(path, host, last and 'Connection: close\r\n' or ''))
  local head = s:readUntil('\r\n\r\n')
  if not head or head:sub(-4) ~= '\r\n\r\n' then error('the server closed the connection', 0) end
  local status = head:match('^(HTTP/1%.[01] %d%d%d[^\r]*)')
  if not status then error('not an HTTP response: ' .. head:sub(1, 40), 0) end
  local headers = {}
  for name, value in head:gmatch('\r\n([^:\r\n]+):[ \t]*([^\r\n]*)') do headers[name:lower()] = value end
  local body
  if (headers['transfer-encoding'] or ''):lower() == 'chunked' then
    local parts = {}
    while true do
      local size = tonumber((s:readLine() or ''):match('^%x+') or '', 16)
      if not size then error('bad chunk size', 0) end
      if size == 0 then break end
      parts[#parts + 1] = s:read(size)
      s:readLine()                               -- the CRLF after the chunk
    end
    repeat local trailer = s:readLine() until trailer == '' or trailer == nil
    body = table.concat(parts)
    headers['x-chunks'] = #parts
  elseif headers['content-length'] then
    body = s:read(tonumber(headers['content-length'])) or ''
  else
    body = s:readAll()                           -- until the server closes
  end
  return status, headers, body
end

local function show(path, status, headers, body)
  local how = headers['x-chunks'] and ('chunked, ' .. headers['x-chunks'] .. ' chunks')
    or ('content-length ' .. #body)
  print(('GET %s: %s (%s)'):format(path, status, how))
  io.write(body, body:sub(-1) == '\n' and '' or '\n')
end

-- fetches the paths over one connection to host:port
local function get(host, port, paths)
  local s = async.tls.connect({ host = host, port = port, ca = CA, timeout = 5000 })
  for i, path in ipairs(paths) do
    show(path, request(s, host, path, i == #paths))
  end
  s:endAsync()
end

---------------------------------------------------------------------------
-- the responder: one task per connection, reading one request after another
---------------------------------------------------------------------------

local PAGES = {
  ['/hello'] = function() return 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n',
    'hello from luatls\n' end,
  ['/chunked'] = function()
    local chunks = { 'one ', 'two ', 'three\n' }
    local body = {}
    for _, c in ipairs(chunks) do body[#body + 1] = ('%x\r\n%s\r\n'):format(#c, c) end
    return 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n',
      table.concat(body) .. '0\r\n\r\n', true
  end,
}

local function respond(sock)
  local s = async.wrap(sock, { timeout = 10000 })
  while true do
    local head = s:readUntil('\r\n\r\n')
    if not head or head:sub(-4) ~= '\r\n\r\n' then break end     -- the client has finished
    local path = head:match('^GET (%S+) HTTP/1%.1\r\n')
    local close = head:lower():find('\r\nconnection:%s*close') ~= nil
    local page = PAGES[path]
    local status, body, chunked
    if page then status, body, chunked = page()
    else status, body = 'HTTP/1.1 404 Not Found\r\n', 'no such page\n' end
    if not chunked and not status:find('Content-Length', 1, true) then
      status = status .. 'Content-Length: ' .. #body .. '\r\n'
    end
    s:writeAsync(status .. (close and 'Connection: close\r\n' or '') .. '\r\n' .. body)
    if close then break end
  end
  s:endAsync()
end

local url = ...
if url then
  local host, port, path = url:match('^https://([^/:]+):?(%d*)(/?.*)$')
  if not host then error('usage: https-get-async.lua [https://host[:port]/path]', 0) end
  async.run(get, host, tonumber(port) or 443, { path ~= '' and path or '/' }):catch(function(err)
    console.error('https-get: ' .. tostring(err))
    process.exitCode = 1
  end)
  return
end

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, function(sock)
  async.run(respond, sock):catch(function(err) console.error('responder: ' .. tostring(err)) end)
end)

async.run(function()
  server:listen(0, '127.0.0.1')
  async.once(server, 'listening')
  get('localhost', server:address().port, { '/hello', '/chunked' })
end):next(function() server:close() end, function(err)
  console.error('https-get: ' .. tostring(err))
  process.exitCode = 1
  server:close()
end)
