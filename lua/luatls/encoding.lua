-- Node's string encodings over Lua strings, and StringDecoder.
--
-- A Lua string is Node's Buffer (bytes) and also Node's string: text is UTF-8.
-- encode(text, enc) is Buffer.from(text, enc): the bytes that text stands for
-- in enc; decode(bytes, enc) is buf.toString(enc), giving UTF-8 text (or hex,
-- base64 digits). Encodings, case-insensitive as in Node:
--   utf8 (utf-8)            bytes as they are; decoding replaces what is not
--                           UTF-8 with U+FFFD, as Node does
--   hex                     two digits a byte; decoding stops at the first pair
--                           that is not hex, as Node's does
--   base64, base64url       either alphabet is read, whitespace and other
--                           characters are skipped, reading stops at '='
--   latin1 (binary)         one byte a UTF-16 code unit, its low 8 bits
--   ascii                   as latin1 for encoding; decoding keeps 7 bits
--   utf16le (ucs2)          two bytes a UTF-16 code unit, little-endian
-- Text that is not valid UTF-8, given to latin1, ascii or utf16le, is read
-- byte by byte where it is not: such a byte stands for the code point of its
-- value. A lone surrogate decoded from utf16le becomes U+FFFD (UTF-8 cannot
-- hold it).
local errors = require('luatls.errors')

local M = {}

local byte, char, concat = string.byte, string.char, table.concat
local utf8char = utf8.char

local NAMES = {
  ['utf8'] = 'utf8', ['utf-8'] = 'utf8',
  hex = 'hex', base64 = 'base64', base64url = 'base64url',
  latin1 = 'latin1', binary = 'latin1', ascii = 'ascii',
  utf16le = 'utf16le', ['utf-16le'] = 'utf16le', ucs2 = 'utf16le', ['ucs-2'] = 'utf16le',
}

-- the canonical name of an encoding, or nil
function M.normalize(enc)
  if type(enc) ~= 'string' then return nil end
  return NAMES[enc] or NAMES[enc:lower()]
end

function M.isEncoding(enc) return M.normalize(enc) ~= nil end

function M.unknown(enc)
  return errors.new('ERR_UNKNOWN_ENCODING', 'Unknown encoding: ' .. tostring(enc), nil, 'TypeError')
end

-- the canonical name, raising ERR_UNKNOWN_ENCODING (level: as error())
function M.check(enc, level)
  local n = M.normalize(enc)
  if not n then error(M.unknown(enc), (level or 1) + 1) end
  return n
end

---------------------------------------------------------------------------
-- UTF-8
---------------------------------------------------------------------------

local FFFD = '\239\191\189'

-- WHATWG's UTF-8 decoder: each maximal invalid subpart becomes one U+FFFD
local function utf8_clean(s)
  if utf8.len(s) then return s end
  local out, n = {}, 0
  local i, len = 1, #s
  local run = 1   -- start of the valid bytes not yet copied
  while i <= len do
    local b = byte(s, i)
    if b < 0x80 then
      i = i + 1
    else
      local need, lo, hi = 0, 0x80, 0xBF
      if b >= 0xC2 and b <= 0xDF then need = 1
      elseif b >= 0xE0 and b <= 0xEF then
        need = 2
        if b == 0xE0 then lo = 0xA0 elseif b == 0xED then hi = 0x9F end
      elseif b >= 0xF0 and b <= 0xF4 then
        need = 3
        if b == 0xF0 then lo = 0x90 elseif b == 0xF4 then hi = 0x8F end
      end
      local j, ok = i + 1, need > 0
      for k = 1, need do
        local c = byte(s, j)
        if not c or c < lo or c > hi then ok = false; break end
        lo, hi = 0x80, 0xBF
        j = j + 1
        if k == need then ok = true end
      end
      if ok then
        i = j
      else
        -- the lead and the continuation bytes that were right form one subpart
        if run < i then n = n + 1; out[n] = s:sub(run, i - 1) end
        n = n + 1; out[n] = FFFD
        i = need > 0 and j or i + 1
        run = i
      end
    end
  end
  if run <= len then n = n + 1; out[n] = s:sub(run) end
  return concat(out)
end
M.utf8_clean = utf8_clean

-- code points of UTF-8 text; a byte that is not part of a valid sequence
-- stands for itself. Calls fn(cp) for each.
local function each_codepoint(s, fn)
  if not s:find('[\128-\255]') then
    for i = 1, #s do fn(byte(s, i)) end
    return
  end
  local i, len = 1, #s
  while i <= len do
    local b = byte(s, i)
    local cp, size
    if b >= 0xC2 and b <= 0xF4 then
      local need = b <= 0xDF and 1 or b <= 0xEF and 2 or 3
      local ok, code = true, b & (need == 1 and 0x1F or need == 2 and 0x0F or 0x07)
      for k = 1, need do
        local c = byte(s, i + k)
        if not c or c < 0x80 or c > 0xBF then ok = false; break end
        code = (code << 6) | (c & 0x3F)
      end
      local min = need == 1 and 0x80 or need == 2 and 0x800 or 0x10000
      if ok and code >= min and code <= 0x10FFFF and not (code >= 0xD800 and code <= 0xDFFF) then
        cp, size = code, need + 1
      end
    end
    if not cp then cp, size = b, 1 end
    fn(cp)
    i = i + size
  end
end

-- UTF-16 code units of text, as Node's strings hold them
local function each_unit(s, fn)
  each_codepoint(s, function(cp)
    if cp >= 0x10000 then
      cp = cp - 0x10000
      fn(0xD800 | (cp >> 10))
      fn(0xDC00 | (cp & 0x3FF))
    else
      fn(cp)
    end
  end)
end

local function latin1_encode(s)
  if not s:find('[\128-\255]') then return s end
  local out, n = {}, 0
  each_unit(s, function(u) n = n + 1; out[n] = char(u & 0xFF) end)
  return concat(out)
end

local function latin1_decode(s)
  if not s:find('[\128-\255]') then return s end
  return (s:gsub('[\128-\255]', function(c) return utf8char(byte(c)) end))
end

local function ascii_decode(s)
  if not s:find('[\128-\255]') then return s end
  return (s:gsub('[\128-\255]', function(c) return char(byte(c) & 0x7F) end))
end

local function utf16le_encode(s)
  local out, n = {}, 0
  each_unit(s, function(u) n = n + 1; out[n] = char(u & 0xFF, u >> 8) end)
  return concat(out)
end

-- even-length input; a lone surrogate becomes U+FFFD
local function utf16le_decode(s)
  local out, n = {}, 0
  local i, len = 1, #s - 1
  while i <= len do
    local lo, hi = byte(s, i, i + 1)
    local u = lo | (hi << 8)
    i = i + 2
    if u >= 0xD800 and u <= 0xDBFF and i <= len then
      local l2, h2 = byte(s, i, i + 1)
      local u2 = l2 | (h2 << 8)
      if u2 >= 0xDC00 and u2 <= 0xDFFF then
        u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00)
        i = i + 2
      end
    end
    if u >= 0xD800 and u <= 0xDFFF then
      n = n + 1; out[n] = FFFD
    else
      n = n + 1; out[n] = utf8char(u)
    end
  end
  return concat(out)
end

---------------------------------------------------------------------------
-- hex and base64
---------------------------------------------------------------------------

local function hex_encode(s)
  return (s:gsub('.', function(c) return ('%02x'):format(byte(c)) end))
end

local function hex_decode(s)
  local out, n = {}, 0
  for i = 1, #s - 1, 2 do
    local pair = s:sub(i, i + 1)
    if not pair:match('^%x%x$') then break end
    n = n + 1; out[n] = char(tonumber(pair, 16))
  end
  return concat(out)
end

local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
local SEXTET = {}
for i = 1, 64 do
  SEXTET[byte(B64, i)] = i - 1
  SEXTET[byte(B64URL, i)] = i - 1
end

local function b64_encode(s, alphabet, pad)
  local out, n = {}, 0
  local len = #s
  for i = 1, len, 3 do
    local a, b, c = byte(s, i, i + 2)
    local v = (a << 16) | ((b or 0) << 8) | (c or 0)
    local d1, d2 = (v >> 18) & 63, (v >> 12) & 63
    local d3, d4 = (v >> 6) & 63, v & 63
    n = n + 1
    if c then
      out[n] = alphabet:sub(d1 + 1, d1 + 1) .. alphabet:sub(d2 + 1, d2 + 1) ..
        alphabet:sub(d3 + 1, d3 + 1) .. alphabet:sub(d4 + 1, d4 + 1)
    elseif b then
      out[n] = alphabet:sub(d1 + 1, d1 + 1) .. alphabet:sub(d2 + 1, d2 + 1) ..
        alphabet:sub(d3 + 1, d3 + 1) .. (pad and '=' or '')
    else
      out[n] = alphabet:sub(d1 + 1, d1 + 1) .. alphabet:sub(d2 + 1, d2 + 1) .. (pad and '==' or '')
    end
  end
  return concat(out)
end

local function b64_decode(s)
  local out, n = {}, 0
  local acc, bits = 0, 0
  for i = 1, #s do
    local b = byte(s, i)
    if b == 61 then break end   -- '='
    local v = SEXTET[b]
    if v then
      acc = ((acc << 6) | v) & 0xFFFFFF
      bits = bits + 6
      if bits >= 8 then
        bits = bits - 8
        n = n + 1; out[n] = char((acc >> bits) & 0xFF)
      end
    end
  end
  return concat(out)
end

---------------------------------------------------------------------------

local ENCODE = {
  utf8 = function(s) return s end,
  hex = hex_decode,
  base64 = b64_decode,
  base64url = b64_decode,
  latin1 = latin1_encode,
  ascii = latin1_encode,
  utf16le = utf16le_encode,
}

local DECODE = {
  utf8 = utf8_clean,
  hex = hex_encode,
  base64 = function(s) return b64_encode(s, B64, true) end,
  base64url = function(s) return b64_encode(s, B64URL, false) end,
  latin1 = latin1_decode,
  ascii = ascii_decode,
  utf16le = function(s) return utf16le_decode(s) end,
}

-- Buffer.from(text, enc): the bytes text stands for. enc nil or 'buffer': as they are.
function M.encode(text, enc)
  if enc == nil or enc == 'buffer' then return text end
  return ENCODE[M.check(enc, 2)](text)
end

-- buf.toString(enc)
function M.decode(bytes, enc)
  if enc == nil then enc = 'utf8' end
  return DECODE[M.check(enc, 2)](bytes)
end

---------------------------------------------------------------------------
-- StringDecoder: decodes a byte stream chunk by chunk without splitting a
-- character (or a base64 group) across two results.
---------------------------------------------------------------------------

local StringDecoder = {}
StringDecoder.__index = StringDecoder
StringDecoder.encoding = 'utf8'   -- each decoder's own, set by new()
M.StringDecoder = StringDecoder

-- the start of an incomplete but so far valid UTF-8 sequence at the end of s
local function utf8_tail(s)
  local len = #s
  for i = len, math.max(1, len - 2), -1 do
    local b = byte(s, i)
    if b < 0x80 then return nil end
    if b >= 0xC0 then
      local need = (b >= 0xC2 and b <= 0xDF) and 2 or (b >= 0xE0 and b <= 0xEF) and 3
        or (b >= 0xF0 and b <= 0xF4) and 4 or 0
      if len - i + 1 >= need then return nil end
      local second = byte(s, i + 1)
      if second then
        local lo, hi = 0x80, 0xBF
        if b == 0xE0 then lo = 0xA0 elseif b == 0xED then hi = 0x9F
        elseif b == 0xF0 then lo = 0x90 elseif b == 0xF4 then hi = 0x8F end
        if second < lo or second > hi then return nil end
      end
      return i
    end
  end
  return nil
end

function StringDecoder.new(enc)
  local e = M.check(enc == nil and 'utf8' or enc, 2)
  return setmetatable({ encoding = e, _held = '' }, StringDecoder)
end
setmetatable(StringDecoder, { __call = function(_, enc) return StringDecoder.new(enc) end })

-- write(bytes) -> the text of every complete character so far
function StringDecoder:write(bytes)
  local s = self._held .. (bytes or '')
  local e = self.encoding
  local cut = #s   -- decode s[1..cut], hold the rest
  if e == 'utf8' then
    local t = utf8_tail(s)
    if t then cut = t - 1 end
  elseif e == 'base64' or e == 'base64url' then
    cut = #s - #s % 3
  elseif e == 'utf16le' then
    cut = #s - #s % 2
    -- a high surrogate waits for its low half
    if cut >= 2 then
      local u = byte(s, cut - 1) | (byte(s, cut) << 8)
      if u >= 0xD800 and u <= 0xDBFF then cut = cut - 2 end
    end
  end
  self._held = s:sub(cut + 1)
  if cut == 0 then return '' end
  return DECODE[e](cut == #s and s or s:sub(1, cut))
end

-- end([bytes]) -> what is left, incomplete characters as U+FFFD
function StringDecoder:end_(bytes)
  local out = bytes and self:write(bytes) or ''
  local held = self._held
  self._held = ''
  if held == '' then return out end
  if self.encoding == 'utf8' then return out .. FFFD end
  if self.encoding == 'utf16le' then
    -- a lone high surrogate, and an odd byte Node drops
    return out .. (#held >= 2 and FFFD or '')
  end
  return out .. DECODE[self.encoding](held)
end
StringDecoder['end'] = StringDecoder.end_

return M
