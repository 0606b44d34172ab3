-- string_decoder: Node's StringDecoder (see luatls/encoding.lua).
--   local d = require('string_decoder').StringDecoder('utf8')
--   d:write(bytes) -> text of the complete characters; d:end_() -> the rest
return { StringDecoder = require('luatls.encoding').StringDecoder }
