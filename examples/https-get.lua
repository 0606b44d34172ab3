-- HTTP/1.1 over TLS with callbacks: the twin of examples/https-get-async.lua,
-- which does the same as sequential tasks. Here every byte goes through one
-- 'data' listener, and where the parser is in a response is a state.
--   build/luatls examples/https-get.lua              a responder of its own, two requests
--   build/luatls examples/https-get.lua https://localhost:8443/hello
-- With no URL it starts a tiny HTTPS responder on 127.0.0.1 (the test
-- certificate) and asks it for /hello (a Content-Length body) and /chunked (a
-- chunked body) over one kept-alive connection. Given a URL, it GETs that.
local tls = require('tls')
local fs = require('fs')

local CA = fs.readFileSync('certs/ca-cert.pem')

---------------------------------------------------------------------------
-- the client
---------------------------------------------------------------------------

local function show(path, status, headers, body)
  local how = headers['x-chunks'] and ('chunked, ' .. headers['x-chunks'] .. ' chunks')
    or ('content-length ' .. #body)
  print(('GET %s: %s (%s)'):format(path, status, how))
  io.write(body, body:sub(-1) == '\n' and '' or '\n')
end

-- fetches the paths over one connection to host:port; done(err) at the end
local function get(host, port, paths, done)
  local i = 0
  local buf = ''
  local state, status, headers, parts, need
  local finished = false
  local socket

  local function fail(err)
    if finished then return end
    finished = true
    socket:destroy()
    done(err)
  end

  local function send_next()
    i = i + 1
    local last = i == #paths
    state, status, headers, parts, need = 'head', nil, {}, {}, nil
    socket:write(('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: luatls\r\n%s\r\n')
      :format(paths[i], host, last and 'Connection: close\r\n' or ''))
  end

  local function complete(body)
    show(paths[i], status, headers, body)
    if i < #paths then send_next() else state = 'done'; socket:_end() end
  end

  -- consumes what it can of buf; returns when it needs more bytes
  local function parse()
    while true do
      if state == 'head' then
        local e = buf:find('\r\n\r\n', 1, true)
        if not e then return end
        local head = buf:sub(1, e + 3)
        buf = buf:sub(e + 4)
        status = head:match('^(HTTP/1%.[01] %d%d%d[^\r]*)')
        if not status then return fail('not an HTTP response: ' .. head:sub(1, 40)) end
        for name, value in head:gmatch('\r\n([^:\r\n]+):[ \t]*([^\r\n]*)') do headers[name:lower()] = value end
        if (headers['transfer-encoding'] or ''):lower() == 'chunked' then state = 'size'
        elseif headers['content-length'] then state, need = 'body', tonumber(headers['content-length'])
        else state = 'until-close' end
      elseif state == 'body' then
        if #buf < need then return end
        local body = buf:sub(1, need)
        buf = buf:sub(need + 1)
        complete(body)
      elseif state == 'size' then
        local line, rest = buf:match('^(.-)\r\n(.*)$')
        if not line then return end
        buf = rest
        local size = tonumber(line:match('^%x+') or '', 16)
        if not size then return fail('bad chunk size') end
        if size == 0 then state = 'trailer' else state, need = 'chunk', size end
      elseif state == 'chunk' then
        if #buf < need + 2 then return end         -- the chunk and its CRLF
        parts[#parts + 1] = buf:sub(1, need)
        buf = buf:sub(need + 3)
        state = 'size'
      elseif state == 'trailer' then
        local line, rest = buf:match('^(.-)\r\n(.*)$')
        if not line then return end
        buf = rest
        if line == '' then
          headers['x-chunks'] = #parts
          complete(table.concat(parts))
        end
      else
        return                                     -- 'until-close' and 'done' wait for the end
      end
    end
  end

  socket = tls.connect({ host = host, port = port, ca = CA }, send_next)
  socket:setTimeout(5000, function() fail('timed out') end)
  socket:on('data', function(d)
    buf = buf .. d
    parse()
  end)
  socket:on('end', function()
    if state == 'until-close' then
      complete(buf)
      buf = ''
    elseif state ~= 'done' then
      return fail('the server closed the connection')
    end
  end)
  socket:on('error', fail)
  socket:on('close', function()
    if not finished then
      finished = true
      done()
    end
  end)
end

---------------------------------------------------------------------------
-- the responder: a buffer per connection, answered request by request
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

local function respond(socket)
  socket:on('error', function(err) console.error('responder: ' .. tostring(err)) end)
  socket:setTimeout(10000, function() socket:destroy() end)
  local buf = ''
  socket:on('data', function(d)
    buf = buf .. d
    while true do
      local e = buf:find('\r\n\r\n', 1, true)
      if not e then return end
      local head = buf:sub(1, e + 3)
      buf = buf:sub(e + 4)
      local path = head:match('^GET (%S+) HTTP/1%.1\r\n')
      local close = head:lower():find('\r\nconnection:%s*close') ~= nil
      local page = PAGES[path]
      local status, body, chunked
      if page then status, body, chunked = page()
      else status, body = 'HTTP/1.1 404 Not Found\r\n', 'no such page\n' end
      if not chunked and not status:find('Content-Length', 1, true) then
        status = status .. 'Content-Length: ' .. #body .. '\r\n'
      end
      socket:write(status .. (close and 'Connection: close\r\n' or '') .. '\r\n' .. body)
      if close then
        socket:_end()
        return
      end
    end
  end)
end

local function report(err)
  if err then
    console.error('https-get: ' .. tostring(err))
    process.exitCode = 1
  end
end

local url = ...
if url then
  local host, port, path = url:match('^https://([^/:]+):?(%d*)(/?.*)$')
  if not host then error('usage: https-get.lua [https://host[:port]/path]', 0) end
  get(host, tonumber(port) or 443, { path ~= '' and path or '/' }, report)
  return
end

local server = tls.createServer({
  key = fs.readFileSync('certs/server-key.pem'),
  cert = fs.readFileSync('certs/server-cert.pem'),
}, respond)

server:listen(0, '127.0.0.1', function()
  get('localhost', server:address().port, { '/hello', '/chunked' }, function(err)
    report(err)
    server:close()
  end)
end)
