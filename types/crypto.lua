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

---The options of `x:checkHost`, `x:checkEmail` and `x:checkIP`, as Node's.
---@class crypto.X509CheckOptions
---@field subject ("default"|"always"|"never")? When the subject's CN is compared: `'default'` only without alt names of the kind.
---@field wildcards boolean? Default true.
---@field partialWildcards boolean? Default true (`'w*.example.com'`).
---@field multiLabelWildcards boolean? Default false.
---@field singleLabelSubdomains boolean? Default false.

---The options of `key:export`.
---@class crypto.KeyExportOptions
---@field type ("spki"|"pkcs8")? `'spki'` for a public key, `'pkcs8'` for a private one (the defaults).
---@field format ("pem"|"der")? Default `'pem'`.

---A key given with its format or passphrase.
---@class crypto.KeyInput
---@field key string PEM or DER.
---@field format ("pem"|"der")?
---@field passphrase string? For an encrypted private key.

---An asymmetric key, as Node's `KeyObject`: `crypto.createPublicKey`, `crypto.createPrivateKey`,
---or a certificate's `publicKey`.
---@class crypto.KeyObject: luatls.Object
---@field type "public"|"private"
---@field asymmetricKeyType string `'rsa'`, `'rsa-pss'`, `'dsa'`, `'dh'`, `'ec'`, `'ed25519'`, `'ed448'`, `'x25519'`, `'x448'`.
---@field asymmetricKeyDetails table `{ modulusLength = 2048, publicExponent = 65537 }`, `{ namedCurve = 'prime256v1' }`, ...
crypto.KeyObject = {}

---The key as PEM text or DER bytes: SPKI for a public key, PKCS#8 for a private one.
---@param options? crypto.KeyExportOptions
---@return string
function crypto.KeyObject:export(options) end

---Whether `other` is the same key, of the same type.
---@param other crypto.KeyObject
---@return boolean
function crypto.KeyObject:equals(other) end

---A public key from PEM (a public key, a certificate or a private key), DER SPKI
---(`{ key = der, format = 'der' }`), or a private `KeyObject`.
---@param key string|crypto.KeyInput|crypto.KeyObject
---@return crypto.KeyObject
function crypto.createPublicKey(key) end

---A private key from PEM or DER (PKCS#8, PKCS#1, SEC1); `{ key =, passphrase = }` when encrypted.
---@param key string|crypto.KeyInput
---@return crypto.KeyObject
function crypto.createPrivateKey(key) end

---A certificate, as Node's `X509Certificate`: `crypto.X509Certificate(pem_or_der)`, or
---`socket:getPeerX509Certificate()`. Its properties are read when first asked for.
---@class crypto.X509Certificate: luatls.Object
---@overload fun(pem_or_der: string): crypto.X509Certificate
---@field subject string? `'C=US\nO=luatls test\nCN=localhost'`
---@field issuer string?
---@field subjectAltName string? `'DNS:localhost, IP Address:127.0.0.1'`
---@field infoAccess string? `'OCSP - URI:http://...\nCA Issuers - URI:http://...'`
---@field serialNumber string Upper-case hex.
---@field validFrom string `'Dec  2 04:01:15 2026 GMT'`
---@field validTo string
---@field fingerprint string SHA-1, `'AB:CD:...'`.
---@field fingerprint256 string
---@field fingerprint512 string
---@field keyUsage string[]? The extended key usages (OIDs).
---@field ca boolean
---@field raw string DER.
---@field publicKey crypto.KeyObject
---@field issuerCertificate crypto.X509Certificate? On a peer's certificate: the next one the peer sent.
crypto.X509Certificate = {}

---The name in the certificate that matches `name`, or nil.
---@param name string
---@param options? crypto.X509CheckOptions
---@return string?
function crypto.X509Certificate:checkHost(name, options) end

---`email` when the certificate names it, or nil.
---@param email string
---@param options? crypto.X509CheckOptions
---@return string?
function crypto.X509Certificate:checkEmail(email, options) end

---`ip` when the certificate names that address, or nil.
---@param ip string
---@param options? crypto.X509CheckOptions
---@return string?
function crypto.X509Certificate:checkIP(ip, options) end

---Whether `otherCert` issued this certificate.
---@param otherCert crypto.X509Certificate
---@return boolean
function crypto.X509Certificate:checkIssued(otherCert) end

---Whether the private key belongs to this certificate.
---@param privateKey crypto.KeyObject
---@return boolean
function crypto.X509Certificate:checkPrivateKey(privateKey) end

---Whether this certificate is signed with that key (the issuer's `publicKey`).
---@param publicKey crypto.KeyObject
---@return boolean
function crypto.X509Certificate:verify(publicKey) end

---The PEM text.
---@return string
function crypto.X509Certificate:toString() end

---The PEM text.
---@return string
function crypto.X509Certificate:toJSON() end

---The table `getPeerCertificate()` gives for this certificate.
---@return tls.PeerCertificate
function crypto.X509Certificate:toLegacyObject() end

return crypto
