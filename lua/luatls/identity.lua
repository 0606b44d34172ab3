-- tls.checkServerIdentity: Node's rules for matching a host name against a
-- certificate (RFC 6125), including its escaping of unusual alt names.
local core = require('luatls.core')
local errors = require('luatls.errors')

local M = {}

local function unfqdn(host) return (host:gsub('%.$', '')) end

local function split_host(host)
  local parts = {}
  host = unfqdn(host):lower()
  for p in (host .. '.'):gmatch('([^.]*)%.') do parts[#parts + 1] = p end
  return parts
end

-- a wildcard only in the left-most label, never *.tld, never inside an A-label
local function host_matches(host_parts, pattern)
  if type(pattern) ~= 'string' or pattern == '' then return false end
  local pp = split_host(pattern)
  if #pp ~= #host_parts then return false end
  for _, p in ipairs(pp) do
    if p == '' or p:find('[^\33-\127]') then return false end
  end
  for i = #host_parts, 2, -1 do
    if host_parts[i] ~= pp[i] then return false end
  end
  local sub, psub = host_parts[1], pp[1]
  local star = psub:find('*', 1, true)
  if not star or psub:find('xn--', 1, true) then return sub == psub end
  if psub:find('*', star + 1, true) or #pp <= 2 then return false end
  local prefix, suffix = psub:sub(1, star - 1), psub:sub(star + 1)
  if #prefix + #suffix > #sub then return false end
  return sub:sub(1, #prefix) == prefix and (suffix == '' or sub:sub(-#suffix) == suffix)
end

local ESCAPES = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t' }

-- a JSON string at the start of s -> its value and its length, or nil
local function json_string(s)
  local out, i = {}, 2
  while i <= #s do
    local c = s:sub(i, i)
    if c == '"' then return table.concat(out), i end
    if c:byte() < 32 then return nil end
    if c == '\\' then
      local e = s:sub(i + 1, i + 1)
      if ESCAPES[e] then
        out[#out + 1] = ESCAPES[e]
        i = i + 2
      elseif e == 'u' and s:sub(i + 2, i + 5):match('^%x%x%x%x$') then
        out[#out + 1] = utf8.char(tonumber(s:sub(i + 2, i + 5), 16))
        i = i + 6
      else
        return nil
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return nil
end

-- "DNS:a, \"DNS:b, c\"" -> { 'DNS:a', 'DNS:b, c' }
local function split_alt_names(s)
  if not s:find('"', 1, true) then
    local out = {}
    for name in (s .. ', '):gmatch('(.-), ') do out[#out + 1] = name end
    return out
  end
  local result, token, offset = {}, '', 1
  while offset <= #s do
    local sep = s:find(',', offset, true)
    local quote = s:find('"', offset, true)
    if quote and (not sep or quote < sep) then
      token = token .. s:sub(offset, quote - 1)
      local value, len = json_string(s:sub(quote))
      if not value then
        error(errors.new('ERR_TLS_CERT_ALTNAME_FORMAT', 'Invalid subject alternative name string'), 0)
      end
      token = token .. value
      offset = quote + len
    elseif sep then
      token = token .. s:sub(offset, sep - 1)
      result[#result + 1] = token
      token = ''
      offset = sep + 2
    else
      token = token .. s:sub(offset)
      offset = #s + 1
    end
  end
  result[#result + 1] = token
  return result
end

function M.checkServerIdentity(hostname, cert)
  hostname = tostring(hostname)
  local subject, altnames = cert.subject, cert.subjectaltname
  local dns, ips = {}, {}
  if altnames then
    for _, name in ipairs(split_alt_names(altnames)) do
      if name:sub(1, 4) == 'DNS:' then dns[#dns + 1] = name:sub(5)
      elseif name:sub(1, 11) == 'IP Address:' then ips[#ips + 1] = core.canonical_ip(name:sub(12)) or '' end
    end
  end
  local valid, reason = false, 'Unknown reason'
  hostname = unfqdn(hostname)
  if core.isip(hostname) ~= 0 then
    local want = core.canonical_ip(hostname)
    for _, ip in ipairs(ips) do if ip == want then valid = true end end
    if not valid then reason = ("IP: %s is not in the cert's list: %s"):format(hostname, table.concat(ips, ', ')) end
  elseif #dns > 0 or (subject and subject.CN) then
    local parts = split_host(hostname)
    if #dns > 0 then
      for _, d in ipairs(dns) do if host_matches(parts, d) then valid = true end end
      if not valid then reason = ("Host: %s. is not in the cert's altnames: %s"):format(hostname, altnames) end
    else
      local cn = subject.CN
      local cns = type(cn) == 'table' and cn or { cn }
      for _, c in ipairs(cns) do if host_matches(parts, c) then valid = true end end
      if not valid then reason = ("Host: %s. is not cert's CN: %s"):format(hostname, table.concat(cns, ',')) end
    end
  else
    reason = 'Cert does not contain a DNS name'
  end
  if valid then return nil end
  return errors.new('ERR_TLS_CERT_ALTNAME_INVALID',
    "Hostname/IP does not match certificate's altnames: " .. reason,
    { reason = reason, host = hostname, cert = cert })
end

return M
