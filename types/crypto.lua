---@meta crypto

---`require('crypto')`: what TLS scripts need of Node's crypto module.
---@class cryptolib
local crypto = {}

---OpenSSL's `SSL_OP_*` bits (for `secureOptions`) and the default cipher lists.
---@class crypto.Constants
---@field defaultCoreCipherList string Node's default cipher list.
---@field defaultCipherList string The current `tls.DEFAULT_CIPHERS`.
---@field SSL_OP_ALL integer
---@field SSL_OP_ALLOW_NO_DHE_KEX integer
---@field SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION integer
---@field SSL_OP_CIPHER_SERVER_PREFERENCE integer
---@field SSL_OP_CISCO_ANYCONNECT integer
---@field SSL_OP_COOKIE_EXCHANGE integer
---@field SSL_OP_CRYPTOPRO_TLSEXT_BUG integer
---@field SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS integer
---@field SSL_OP_LEGACY_SERVER_CONNECT integer
---@field SSL_OP_NO_COMPRESSION integer
---@field SSL_OP_NO_ENCRYPT_THEN_MAC integer
---@field SSL_OP_NO_QUERY_MTU integer
---@field SSL_OP_NO_RENEGOTIATION integer
---@field SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION integer
---@field SSL_OP_NO_SSLv2 integer
---@field SSL_OP_NO_SSLv3 integer
---@field SSL_OP_NO_TICKET integer
---@field SSL_OP_NO_TLSv1 integer
---@field SSL_OP_NO_TLSv1_1 integer
---@field SSL_OP_NO_TLSv1_2 integer
---@field SSL_OP_NO_TLSv1_3 integer
---@field SSL_OP_PRIORITIZE_CHACHA integer
---@field SSL_OP_TLS_ROLLBACK_BUG integer

---@type crypto.Constants
crypto.constants = nil

---`size` random bytes from OpenSSL.
---@param size integer
---@return string
function crypto.randomBytes(size) end

return crypto
