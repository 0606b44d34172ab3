-- The code blocks of README.md and doc/*.md, what each one is, and how printed
-- output is matched against what a page shows. spec/docs_spec.lua runs them.
--
-- A block is classified by its fence and by an HTML comment on the nearest
-- non-blank line above it (the marker):
--
--   ```lua, no marker         a script: build/luatls runs it to its end (exit 0, nothing on
--                             stderr, within 15 s); every `--> text` comment must be printed,
--                             in order (runs of white space are one space, ` / ` a line break).
--                             Scripts and REPL sessions run in a temporary directory where
--                             certs/ and examples/ are the repository's, so what they write
--                             (`.save`) stays out of the tree
--   <!-- fragment -->         a piece of a program: compiled only, as a chunk or, if it is one
--                             expression (a table shown), as `return <block>`
--   <!-- run: OPTIONS -->     how to run it (below)
--   <!-- skip: REASON -->     an sh block that is not run here; REASON says what runs it
--
--   ```sh (or console, text, no language) with lines starting `$ `: a shell transcript. Each
--       `$ command` runs (one sh for the block, stdin /dev/null), and the lines after it,
--       up to the next `$ `, must be what it printed (stdout and stderr).
--   ```sh with no `$ `: a list of commands, run by `sh -e` (each must succeed), when one of
--       them starts luatls or the marker says `run`. Other sh blocks (make, apt, openssl
--       recipes) are left alone.
--   a block with lines starting `> ` (after an optional `$ build/luatls ARGS`): a REPL
--       transcript. It is typed into build/luatls through a pseudo-terminal, each line once
--       the output above it is on screen, and the screen at the end must be the block
--       (`.. ` lines continue a chunk; `.exit` is typed at the end if the block does not).
--
-- Options of `<!-- run: ... -->`, in any order:
--   on PORT          PORT (a number in the block) stands for a port: the spec puts a free one
--                    in its place, and sets PORT in the environment of what it starts
--   on a printed port  (server) the script picks its own port and prints it at the end of its
--                    first line
--   server           the script is a server that does not end: it is started, a client
--                    connects (TLS, trusting certs/ca-cert.pem, with certs/client-cert.pem;
--                    plain TCP with `tcp`), sends a line and reads; the server must answer
--                    something, still run and be silent on stderr; then it is stopped by its PID
--   client           the script connects to PORT: the spec serves an echo there (TLS with
--                    the test certificate; plain TCP with `tcp`) and runs the script to its end
--   tcp              plain TCP instead of TLS, for server and client
--   discard          (client) the spec's server reads and throws away, instead of echoing
--   with lua5.4      run by stock lua5.4 with the modules of lua/ and build/lib (the rock)
--   with FILE        start `build/luatls FILE` on PORT first (for a transcript that talks to
--                    it), and stop it by its PID afterwards
--   first line in the background   (sh) the first command is a server on PORT: it is started
--                    alone, the others run once it listens, then it is stopped by its PID
--   in scratch       run in a scratch directory, one per page, shared by the blocks of that
--                    page that say so, in their order (files one block makes, the next uses)
--
-- Placeholders in printed output (transcripts and `$` outputs): `<port>` and `<n>` stand for
-- a number, `<version>` for a version, `<bytes>` for hex bytes; a line `...` for any lines.
local D = {}

D.FILES_GLOB = 'README.md doc/*.md'

function D.files()
  local files = {}
  local p = io.popen('ls ' .. D.FILES_GLOB)
  for f in p:lines() do files[#files + 1] = f end
  p:close()
  return files
end

local function read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

local function split_lines(s)
  local lines = {}
  for l in (s:gsub('\n$', '') .. '\n'):gmatch('(.-)\n') do lines[#lines + 1] = l end
  return lines
end
D.split_lines = split_lines

-- { file, line, lang, lines, text, marker } for every fenced block of file
function D.blocks(file)
  local lines = split_lines(read(file))
  local blocks, i = {}, 1
  while i <= #lines do
    local fence, lang = lines[i]:match('^(```+)%s*([%w%.%-]*)%s*$')
    if fence then
      local start, body = i, {}
      i = i + 1
      while i <= #lines and not lines[i]:match('^' .. fence .. '%s*$') do
        body[#body + 1] = lines[i]
        i = i + 1
      end
      assert(i <= #lines, file .. ':' .. start .. ': a code block that never ends')
      local j = start - 1
      while j >= 1 and lines[j]:match('^%s*$') do j = j - 1 end
      local marker = j >= 1 and lines[j]:match('^%s*<!%-%-%s*(.-)%s*%-%->%s*$') or nil
      blocks[#blocks + 1] = { file = file, line = start, lang = lang, lines = body,
        text = table.concat(body, '\n') .. '\n', marker = marker,
        name = file .. ':' .. start }
    end
    i = i + 1
  end
  return blocks
end

-- the options of a `run:` marker; an unknown word is an error
function D.options(marker)
  local o = {}
  if not marker then return o end
  if marker == 'fragment' then o.fragment = true return o end
  local reason = marker:match('^skip:%s*(.+)$')
  if reason then o.skip = reason return o end
  local m = marker:match('^run:?%s*(.*)$')
  if not m then error('unknown marker <!-- ' .. marker .. ' -->', 0) end
  m = ' ' .. m:gsub('[,;]', ' ') .. ' '
  local function take(pattern)
    local a, b, c1 = m:find(pattern)
    if not a then return nil end
    m = m:sub(1, a - 1) .. ' ' .. m:sub(b + 1)
    return c1 or true
  end
  o.background = take('%sfirst line in the background%s')
  o.printed = take('%son a printed port%s')
  o.port = tonumber(take('%son (%d+)%s'))
  o.scratch = take('%sin scratch%s')
  o.lua54 = take('%swith lua5%.4%s')
  o.with = take('%swith (%S+)%s')
  o.server = take('%sserver%s')
  o.client = take('%sclient%s')
  o.tcp = take('%stcp%s')
  o.discard = take('%sdiscard%s')
  local rest = m:match('^%s*(.-)%s*$')
  if rest ~= '' then error('unknown words in <!-- ' .. marker .. ' -->: ' .. rest, 0) end
  return o
end

-- does this line start luatls (build/luatls, or luatls after VAR=value words or a pipe)?
local function starts_luatls(line)
  line = line:gsub('^%$%s+', '')
  if line:find('%f[%w/]build/luatls%f[%s]') or line:find('%f[%w/]build/luatls$') then return true end
  for cmd in (line .. '|'):gmatch('([^|;&]*)[|;&]') do
    local w = cmd:gsub('^%s*', ''):gsub('^[%w_]+=%S*%s+', ''):gsub('^[%w_]+=%S*%s+', '')
    if w:match('^luatls%f[%s]') or w == 'luatls' then return true end
  end
  return false
end
D.starts_luatls = starts_luatls

local SHELLISH = { sh = true, shell = true, bash = true, console = true, text = true, [''] = true }

-- what the block is: 'lua', 'fragment', 'repl', 'transcript', 'sh', 'skip', or 'other'
function D.kind(b)
  local o = D.options(b.marker)
  b.options = o
  if b.lang == 'lua' then
    if o.skip then error(b.name .. ': a lua block cannot be skipped; mark it <!-- fragment -->', 0) end
    return o.fragment and 'fragment' or 'lua'
  end
  if not SHELLISH[b.lang] then return 'other' end
  local prompt, dollar, luatls = false, false, false
  for _, l in ipairs(b.lines) do
    if l:match('^> ') or l == '>' then prompt = true end
    if l:match('^%$ ') then dollar = true end
    if starts_luatls(l) then luatls = true end
  end
  if prompt then
    if o.skip then error(b.name .. ': a REPL transcript cannot be skipped', 0) end
    return 'repl'
  end
  if o.skip then return 'skip' end
  if dollar then return 'transcript' end
  if b.lang ~= 'text' and b.lang ~= '' and (luatls or b.marker) then return 'sh' end
  return 'other'
end

-- every block of every page, classified
function D.all()
  local all = {}
  for _, file in ipairs(D.files()) do
    for _, b in ipairs(D.blocks(file)) do
      b.kind = D.kind(b)
      all[#all + 1] = b
    end
  end
  return all
end

-- PORT in text (as a whole number) replaced by port
function D.substitute(text, from, to)
  if not from then return text end
  return (text:gsub('%f[%d]' .. from .. '%f[%D]', tostring(to)))
end

-- the `--> text` comments of a script, each with runs of white space as one space
function D.arrows(text)
  local out = {}
  for l in text:gmatch('[^\n]+') do
    local a = l:match('%-%->%s*(.-)%s*$')
    if a and not l:match('^%s*%-%-[^>]') then
      out[#out + 1] = (a:gsub(' / ', ' '):gsub('%s+', ' '))
    end
  end
  return out
end

-- are the arrows printed, in order, in out? nil, or the first missing one
function D.check_arrows(arrows, out)
  local flat, from = out:gsub('%s+', ' '), 1
  for _, a in ipairs(arrows) do
    local s, e = flat:find(a, from, true)
    if not s then return a end
    from = e + 1
  end
  return nil
end

local PLACEHOLDERS = {
  ['<port>'] = '%d+', ['<n>'] = '%d+', ['<version>'] = '[%w%.%-]+',
  ['<bytes>'] = '%x%x[%x ]*%x%x',
}

-- a doc line as a Lua pattern, its placeholders opened
local function line_pattern(line)
  local pat = line:gsub('%s+$', ''):gsub('[%^%$%(%)%%%.%[%]%*%+%-%?]', '%%%0')
  pat = pat:gsub('<%a+>', function(ph)
    local p = PLACEHOLDERS[ph]
    return p or nil
  end)
  return '^' .. pat .. '$'
end

local ELLIPSIS = {}

function D.patterns(lines)
  local pats = {}
  for i, l in ipairs(lines) do pats[i] = l == '...' and ELLIPSIS or line_pattern(l) end
  return pats
end

-- Matches patterns pats[i..] against lines out[j..]; accept(j) decides whether what
-- follows the match is fine. Returns the first accepted j, or nil.
local function match_from(pats, i, out, j, accept)
  if i > #pats then
    if accept(j) then return j end
    return nil
  end
  if pats[i] == ELLIPSIS then
    for k = j, #out + 1 do
      local r = match_from(pats, i + 1, out, k, accept)
      if r then return r end
    end
    return nil
  end
  if j > #out then return nil end
  if not (out[j]:gsub('%s+$', '')):find(pats[i]) then return nil end
  return match_from(pats, i + 1, out, j + 1, accept)
end

-- do the lines out say what the doc lines say?
function D.match(doc_lines, out)
  return match_from(D.patterns(doc_lines), 1, out, 1, function(j) return j > #out end) ~= nil
end

-- do doc_lines match the beginning of out, followed by a last line that is just prompt?
function D.match_then_prompt(doc_lines, out, prompt)
  local p = prompt:gsub('%s+$', '')
  return match_from(D.patterns(doc_lines), 1, out, 1, function(j)
    return j == #out and (out[j]:gsub('%s+$', '')) == p
  end) ~= nil
end

-- expected and actual, side by side, for a failure message
function D.diff(doc_lines, out)
  local t = { 'expected (the doc):' }
  for _, l in ipairs(doc_lines) do t[#t + 1] = '  | ' .. l end
  t[#t + 1] = 'got:'
  for _, l in ipairs(out) do t[#t + 1] = '  | ' .. l end
  return table.concat(t, '\n')
end

return D
