---@meta string_decoder

---`require('string_decoder')`: Node's StringDecoder.
---@class string_decoderlib
local string_decoder = {}

---Decodes bytes chunk by chunk without splitting a character (or a base64 group) across two
---results. `StringDecoder([encoding])`, default `'utf8'`; an unknown encoding raises
---`ERR_UNKNOWN_ENCODING`.
---@class string_decoder.StringDecoder
---@overload fun(encoding?: string): string_decoder.StringDecoder
---@field encoding string The canonical name: `'utf8'`, `'hex'`, `'base64'`, `'base64url'`, `'latin1'`, `'ascii'`, `'utf16le'`.
string_decoder.StringDecoder = {}

---The text of every complete character so far; an incomplete one waits for the next call.
---@param bytes string
---@return string
function string_decoder.StringDecoder:write(bytes) end

---What is left (after `bytes`, if given); an incomplete character becomes U+FFFD.
---@param bytes? string
---@return string
function string_decoder.StringDecoder:end_(bytes) end

---The same as `end_` (`end` is a Lua keyword).
---@type fun(self: string_decoder.StringDecoder, bytes?: string): string
string_decoder.StringDecoder["end"] = nil

---Makes a decoder (the same as calling `StringDecoder`).
---@param encoding? string
---@return string_decoder.StringDecoder
function string_decoder.StringDecoder.new(encoding) end

return string_decoder
