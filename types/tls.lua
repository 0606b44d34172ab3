---@meta tls

---`require('tls')`: TLS 1.2 and 1.3 servers and clients with Node's API.
---@class tlslib
---@field DEFAULT_MIN_VERSION tls.Version Default `minVersion` (`'TLSv1.2'`); `--tls-min-v1.x` sets it.
---@field DEFAULT_MAX_VERSION tls.Version Default `maxVersion` (`'TLSv1.3'`); `--tls-max-v1.x` sets it.
---@field DEFAULT_CIPHERS string Default `ciphers`: Node's list; `--tls-cipher-list` sets it.
---@field DEFAULT_ECDH_CURVE string Default `ecdhCurve` (`'auto'`).
---@field CLIENT_RENEG_LIMIT integer Renegotiations a peer may start per window (3).
---@field CLIENT_RENEG_WINDOW number The window, in seconds (600).
---@field rootCertificates string[] The default trusted roots, as PEM strings (read when first asked for; read-only).
---@field sessionStore tls.SessionStoreLib Sessions and ticket keys shared by a fleet through Redis (doc/scaling.md).
local tls = {}

---@alias tls.Version "TLSv1"|"TLSv1.1"|"TLSv1.2"|"TLSv1.3"

---A key with its own passphrase.
---@class tls.KeyObject
---@field pem string The private key, PEM.
---@field passphrase string?

---PKCS#12 data with its own passphrase.
---@class tls.PfxObject
---@field buf string The PKCS#12 data.
---@field passphrase string?

---The options of `tls.createSecureContext`, taken by servers and clients too.
---@class tls.SecureContextOptions
---@field key string|(string|tls.KeyObject)[]|false? Private keys, PEM (RSA and ECDSA side by side); false (or '', 0): none.
---@field passphrase string? For encrypted keys and `pfx`.
---@field cert string|string[]|false? Certificates, PEM; the certificates after the first in one text are its chain; false: none.
---@field pfx string|(string|tls.PfxObject)[]|tls.PfxObject? PKCS#12 data: key, certificate and chain.
---@field ca string|string[]|false? Trusted certificates, PEM; default (or false): the system's store plus `LUATLS_EXTRA_CA_CERTS`.
---@field crl string|string[]? Certificate revocation lists, PEM; the whole chain is then checked.
---@field allowPartialTrustChain boolean? Every `ca` certificate is a trust anchor, an intermediate too (default false).
---@field ciphers string? One OpenSSL cipher string for both versions (`TLS_*` are TLS 1.3 suites); default `tls.DEFAULT_CIPHERS`.
---@field ecdhCurve string? Key-exchange groups, as `'X25519:P-256'`; default `'auto'`.
---@field dhparam string? PEM DH parameters, or `'auto'` for OpenSSL's groups.
---@field sigalgs string? Signature algorithms, as `'RSA-PSS+SHA256:ECDSA+SHA256'`.
---@field minVersion tls.Version? Default `tls.DEFAULT_MIN_VERSION`.
---@field maxVersion tls.Version? Default `tls.DEFAULT_MAX_VERSION`.
---@field secureProtocol string? Legacy: `'TLS_method'`, `'TLSv1_2_method'`, ...; not with minVersion/maxVersion.
---@field secureOptions integer? `SSL_OP_*` bits from `require('crypto').constants`.
---@field honorCipherOrder boolean? Prefer our cipher order (servers: true unless false).
---@field sessionIdContext string? Up to 32 bytes tying sessions to this context.
---@field privateKeyEngine string? Refused: `ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED`.
---@field privateKeyIdentifier string? Refused: `ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED`.
---@field clientCertEngine string? Refused: `ERR_CRYPTO_CUSTOM_ENGINE_NOT_SUPPORTED`.

---What an `ALPNCallback` is asked.
---@class tls.ALPNCallbackInfo
---@field servername string? The SNI name the client sent.
---@field protocols string[] The protocols the client offers.

---What a client's `pskCallback` returns.
---@class tls.PSKClientResult
---@field psk string The key.
---@field identity string The identity, at most 256 bytes.

---The options of `tls.createServer`.
---@class tls.ServerOptions: tls.SecureContextOptions, net.ServerOptions
---@field secureContext tls.SecureContext? A context made before, instead of the options of one.
---@field requestCert boolean? Ask clients for a certificate (default false).
---@field rejectUnauthorized boolean? With `requestCert`, refuse clients without a valid certificate (default true).
---@field handshakeTimeout integer? Milliseconds from accept until the handshake must be done (120000).
---@field SNICallback (fun(servername: string, cb: fun(err?: luatls.Error, ctx?: tls.SecureContext|tls.SecureContextOptions)))? Picks the context for a name, now or later.
---@field ALPNProtocols string[]|string? Protocols, in order of preference (or the wire format).
---@field ALPNCallback (fun(info: tls.ALPNCallbackInfo): string?)? Picks one of the offered protocols, or nil to refuse.
---@field NPNProtocols string[]|string? The older extension, TLS 1.2.
---@field pskCallback (fun(socket: tls.TLSSocket, identity: string): string?)? The key for an identity, or nil.
---@field pskIdentityHint string? Sent to TLS 1.2 PSK clients (at most 128 bytes, else each connection fails).
---@field sessionTimeout number? Seconds a session lives (300).
---@field ticketKeys string? 48 bytes: key name, HMAC key, AES key.
---@field enableTrace boolean? OpenSSL's trace of every connection's handshake messages, on stderr (as `socket:enableTrace()`).

---The options of `tls.connect`; with those of `net.connect` (`family`, `lookup`,
---`localAddress`, `localPort`, `timeout`, `noDelay`, `keepAlive`, `highWaterMark`, `signal`, ...).
---@class tls.ConnectOptions: tls.SecureContextOptions, net.ConnectOptions
---@field host string? Default `'localhost'`.
---@field port integer|string? Required unless `socket` or `path` is given.
---@field path string? A Unix domain socket to connect to instead of `host` and `port`; the certificate is still checked against `servername`, or `host` (`'localhost'`).
---@field minDHSize integer? The smallest finite-field DH prime, in bits, the server may use for the key exchange (1024): a smaller one destroys the socket with `ERR_TLS_DH_PARAM_SIZE` (with `size` and `minDHSize`) after the handshake. Below 1: `ERR_OUT_OF_RANGE`.
---@field enableTrace boolean? OpenSSL's trace of the handshake messages on stderr, from the ClientHello on; not a boolean: `ERR_INVALID_ARG_TYPE`.
---@field servername string? SNI, and the name the certificate must match (else `host`); without it no SNI is sent, as in Node 20.
---@field rejectUnauthorized boolean? Fail with `'error'` when the server's certificate does not verify (default true).
---@field checkServerIdentity (fun(hostname: string, cert: tls.PeerCertificate): luatls.Error?)? Return an error to refuse the certificate.
---@field ALPNProtocols string[]|string?
---@field NPNProtocols string[]|string?
---@field pskCallback (fun(hint: string?): tls.PSKClientResult?)? The key and identity to use.
---@field requestOCSP boolean? Ask for a stapled OCSP response (`'OCSPResponse'`).
---@field session string? A saved session (DER) to resume.
---@field socket net.Socket|stream.Duplex|table? Connect over this socket (STARTTLS) or duplex instead.
---@field secureContext tls.SecureContext? A context made before.

---The options of `tls.TLSSocket(socket, options)`.
---@class tls.TLSSocketOptions: tls.SecureContextOptions, net.SocketOptions
---@field isServer boolean? The server side of the handshake.
---@field server tls.Server? Use this server's context and hooks; failures are its `'tlsClientError'`.
---@field SNICallback (fun(servername: string, cb: fun(err?: luatls.Error, ctx?: tls.SecureContext|tls.SecureContextOptions)))? A server socket's own: picks the context for a name (wins over `server`'s); not a function: `ERR_INVALID_ARG_TYPE`.
---@field ALPNProtocols string[]|string? A server socket's own protocols (win over `server`'s).
---@field secureContext tls.SecureContext?
---@field requestCert boolean?
---@field rejectUnauthorized boolean?
---@field enableTrace boolean? OpenSSL's trace of the handshake messages, on stderr.

---The options of `socket:renegotiate`.
---@class tls.RenegotiateOptions
---@field requestCert boolean?
---@field rejectUnauthorized boolean?

---A certificate as Node shows it (`getPeerCertificate`, `getCertificate`).
---@class tls.PeerCertificate
---@field subject table<string, string|string[]> `{ C = 'US', O = '...', CN = 'localhost' }`
---@field issuer table<string, string|string[]>
---@field subjectaltname string? `'DNS:localhost, IP Address:127.0.0.1'`
---@field infoAccess table<string, string[]>? `{ ['OCSP - URI'] = { ... } }`
---@field ca boolean
---@field bits integer? Key size.
---@field exponent string? RSA: `'0x10001'`.
---@field modulus string? RSA, hex.
---@field pubkey string? The public key (DER for RSA, the point for EC).
---@field asn1Curve string? EC: `'prime256v1'`.
---@field nistCurve string? EC: `'P-256'`.
---@field valid_from string
---@field valid_to string
---@field fingerprint string SHA-1, `'AB:CD:...'`.
---@field fingerprint256 string
---@field fingerprint512 string
---@field ext_key_usage string[]? OIDs.
---@field serialNumber string Hex.
---@field raw string DER.
---@field issuerCertificate tls.PeerCertificate? With `getPeerCertificate(true)`: the chain up to the root (whose issuer is itself).

---`socket:getCipher()`.
---@class tls.CipherInfo
---@field name string `'TLS_AES_256_GCM_SHA384'`
---@field standardName string
---@field version string `'TLSv1.3'`

---`socket:getEphemeralKeyInfo()` on a client (`{}` without an ephemeral key); nil on a server.
---@class tls.EphemeralKeyInfo
---@field type string? `'ECDH'` or `'DH'`.
---@field name string? `'X25519'`
---@field size integer?

---@alias tls.TLSSocketEvent
---| "secureConnect" # (socket: tls.TLSSocket): the client's handshake completed (and verified, unless rejectUnauthorized = false); the socket is passed as Lua has no `this`
---| "secure"        # (): a handshake completed (a client's after 'secureConnect' and 'session'); again after a renegotiation
---| "session"       # (session: string): a session (DER) to resume later, once the server is verified
---| "keylog"        # (line: string): a key log line (NSS format)
---| "OCSPResponse"  # (response: string?): the stapled OCSP response (with requestOCSP)
---| net.SocketEvent

---@alias tls.ServerEvent
---| "secureConnection" # (socket: tls.TLSSocket): a handshake completed
---| "tlsClientError"   # (err: luatls.Error, socket: tls.TLSSocket): a handshake failed
---| "keylog"           # (line: string, socket: tls.TLSSocket)
---| "newSession"       # (sessionId: string, sessionData: string, cb: fun()): store a session; the connection waits for cb()
---| "resumeSession"    # (sessionId: string, cb: fun(err?: luatls.Error, sessionData?: string)): look a session up
---| "OCSPRequest"      # (cert: string, issuer: string?, cb: fun(err?: luatls.Error, response?: string)): staple a response
---| net.ServerEvent

---@alias tls.SecurePairEvent
---| "secure" # (): the handshake is done

---A `SecureContext` (one OpenSSL `SSL_CTX`) that servers and clients can share.
---@class tls.SecureContext: luatls.Object
---@overload fun(ctx: userdata): tls.SecureContext
---@field context tls.NativeContext The OpenSSL context.
tls.SecureContext = {}

---The OpenSSL context of a `SecureContext` (`secureContext.context`).
---@class tls.NativeContext
local NativeContext = {}

---Trusts the certificates of a PEM text too, in this context only (Node's `addCACert`).
---@param pem string
function NativeContext:addCACert(pem) end

---A TLS socket: a `net.Socket` whose data is encrypted. `tls.TLSSocket(socket, options)`
---wraps a connected socket (STARTTLS) or any duplex.
---@class tls.TLSSocket: net.Socket
---@overload fun(socket: net.Socket|stream.Duplex|table, options?: tls.TLSSocketOptions): tls.TLSSocket
---@field encrypted boolean Always true.
---@field authorized boolean Whether the peer's certificate verified.
---@field authorizationError string? Why not: `'UNABLE_TO_VERIFY_LEAF_SIGNATURE'`, `'CERT_HAS_EXPIRED'`, ...
---@field servername string|false? On a server: the SNI name the client sent, or false; on a client, after the handshake: the name it sent, or false.
---@field alpnProtocol string|false The protocol negotiated, or false.
---@field npnProtocol string|false? The NPN protocol, or false.
tls.TLSSocket = {}

---The old name of `tls.TLSSocket`.
---@type tls.TLSSocket
tls.CleartextStream = nil

---The peer's certificate; `{}` when there is none, nil once destroyed. `detailed`: with the chain.
---@param detailed? boolean
---@return tls.PeerCertificate?
function tls.TLSSocket:getPeerCertificate(detailed) end

---This end's certificate; `{}` when there is none, nil once destroyed.
---@return tls.PeerCertificate?
function tls.TLSSocket:getCertificate() end

---@return string? # `'TLSv1.2'`, `'TLSv1.3'`
function tls.TLSSocket:getProtocol() end

---The peer's certificate as a `crypto.X509Certificate` (its `issuerCertificate` the next one the peer sent), or nil.
---@return crypto.X509Certificate?
function tls.TLSSocket:getPeerX509Certificate() end

---This end's certificate as a `crypto.X509Certificate`, or nil.
---@return crypto.X509Certificate?
function tls.TLSSocket:getX509Certificate() end

---A client's SNI, before its handshake starts; ERR_TLS_SNI_FROM_SERVER on a server,
---ERR_TLS_INVALID_STATE once the handshake has started.
---@param name string
function tls.TLSSocket:setServername(name) end

---A client offers this session (DER) when its handshake starts; what is not a session is ignored.
---@param session string
function tls.TLSSocket:setSession(session) end

---A server socket serves this context's certificates from its next handshake on; nothing on a client (as Node 20).
---@param context tls.SecureContext|tls.SecureContextOptions
function tls.TLSSocket:setKeyCert(context) end

---@return tls.CipherInfo?
function tls.TLSSocket:getCipher() end

---@return tls.EphemeralKeyInfo?
function tls.TLSSocket:getEphemeralKeyInfo() end

---On a server: the signature algorithms both sides accept.
---@return string[]?
function tls.TLSSocket:getSharedSigalgs() end

---@return boolean
function tls.TLSSocket:isSessionReused() end

---The current session (DER), for the `session` option of `tls.connect`; nil when none.
---@return string?
function tls.TLSSocket:getSession() end

---The session ticket the server sent (TLS 1.2), or nil.
---@return string?
function tls.TLSSocket:getTLSTicket() end

---The Finished message sent.
---@return string?
function tls.TLSSocket:getFinished() end

---The Finished message received.
---@return string?
function tls.TLSSocket:getPeerFinished() end

---Keying material (RFC 5705 / 8446), the same on both ends.
---@param length integer
---@param label string
---@param context? string
---@return string
function tls.TLSSocket:exportKeyingMaterial(length, label, context) end

---Smaller records: 512 to 16384 bytes. True when set.
---@param size integer
---@return boolean
function tls.TLSSocket:setMaxSendFragment(size) end

---A new handshake (TLS 1.2 and below); `cb(err)` when it is done. False (and `cb(err)`) on TLS 1.3.
---@param options tls.RenegotiateOptions
---@param cb? fun(err?: luatls.Error)
---@return boolean
function tls.TLSSocket:renegotiate(options, cb) end

---Any renegotiation by the peer then fails with `ERR_TLS_RENEGOTIATION_DISABLED`.
function tls.TLSSocket:disableRenegotiation() end

---OpenSSL's trace of every handshake message, on stderr. Called before the TLS session exists
---(right after `tls.connect`), the trace starts with the ClientHello.
function tls.TLSSocket:enableTrace() end

---@param event tls.TLSSocketEvent|string
---@param listener function
---@return self
---@overload fun(self: tls.TLSSocket, event: "secureConnect", listener: fun(socket: tls.TLSSocket)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "session", listener: fun(session: string)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "keylog", listener: fun(line: string)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "OCSPResponse", listener: fun(response: string?)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "data", listener: fun(chunk: string)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "error", listener: fun(err: luatls.Error)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "close", listener: fun(hadError: boolean)): tls.TLSSocket
function tls.TLSSocket:on(event, listener) end

---@param event tls.TLSSocketEvent|string
---@param listener function
---@return self
---@overload fun(self: tls.TLSSocket, event: "secureConnect", listener: fun(socket: tls.TLSSocket)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "data", listener: fun(chunk: string)): tls.TLSSocket
---@overload fun(self: tls.TLSSocket, event: "error", listener: fun(err: luatls.Error)): tls.TLSSocket
function tls.TLSSocket:once(event, listener) end

---A TLS server: a `net.Server` whose connections are `TLSSocket`s.
---@class tls.Server: net.Server
---@overload fun(options?: tls.ServerOptions|fun(socket: tls.TLSSocket), listener?: fun(socket: tls.TLSSocket)): tls.Server
tls.Server = {}

---Replaces the server's context for the handshakes that follow. The ticket keys stay the
---server's unless `options.ticketKeys` gives others (in a cluster worker: the shared ones).
---@param options tls.ServerOptions
function tls.Server:setSecureContext(options) end

---A context for SNI names matching `hostname` (`'*'` stands for one label; later entries win).
---@param hostname string
---@param context tls.SecureContext|tls.SecureContextOptions
---@return self
function tls.Server:addContext(hostname, context) end

---The 48 bytes of the session ticket keys.
---@return string
function tls.Server:getTicketKeys() end

---Replaces the ticket keys (48 bytes); tickets made with the previous keys still resume.
---@param keys string
function tls.Server:setTicketKeys(keys) end

---@param event tls.ServerEvent|string
---@param listener function
---@return self
---@overload fun(self: tls.Server, event: "secureConnection", listener: fun(socket: tls.TLSSocket)): tls.Server
---@overload fun(self: tls.Server, event: "tlsClientError", listener: fun(err: luatls.Error, socket: tls.TLSSocket)): tls.Server
---@overload fun(self: tls.Server, event: "keylog", listener: fun(line: string, socket: tls.TLSSocket)): tls.Server
---@overload fun(self: tls.Server, event: "newSession", listener: fun(sessionId: string, sessionData: string, cb: fun())): tls.Server
---@overload fun(self: tls.Server, event: "resumeSession", listener: fun(sessionId: string, cb: fun(err?: luatls.Error, sessionData?: string))): tls.Server
---@overload fun(self: tls.Server, event: "OCSPRequest", listener: fun(cert: string, issuer: string?, cb: fun(err?: luatls.Error, response?: string))): tls.Server
---@overload fun(self: tls.Server, event: "connection", listener: fun(socket: tls.TLSSocket)): tls.Server
---@overload fun(self: tls.Server, event: "error", listener: fun(err: luatls.Error)): tls.Server
function tls.Server:on(event, listener) end

---@param event tls.ServerEvent|string
---@param listener function
---@return self
function tls.Server:once(event, listener) end

---The old API's pair: `encrypted` carries TLS records, `cleartext` is read and written in the clear.
---@class tls.SecurePair: events.EventEmitter
---@overload fun(): tls.SecurePair
---@field encrypted stream.Duplex
---@field cleartext tls.TLSSocket
tls.SecurePair = {}

---@param event tls.SecurePairEvent|string
---@param listener function
---@return self
function tls.SecurePair:on(event, listener) end

---Builds a context that any number of servers and clients can share.
---@param options? tls.SecureContextOptions
---@return tls.SecureContext
function tls.createSecureContext(options) end

---Makes a TLS server; `secureConnectionListener` listens for `'secureConnection'`.
---@param options? tls.ServerOptions|fun(socket: tls.TLSSocket)
---@param secureConnectionListener? fun(socket: tls.TLSSocket)
---@return tls.Server
function tls.createServer(options, secureConnectionListener) end

---Connects: `connect(port[, host][, options][, cb])`, `connect(path[, options][, cb])` (a string
---that is not a number is a Unix socket's path) or `connect(options[, cb])`; `cb(socket)` listens
---for `'secureConnect'`.
---@param port integer|string|tls.ConnectOptions
---@param host? string|tls.ConnectOptions|fun(socket: tls.TLSSocket)
---@param options? tls.ConnectOptions|fun(socket: tls.TLSSocket)
---@param cb? fun(socket: tls.TLSSocket)
---@return tls.TLSSocket
function tls.connect(port, host, options, cb) end

---nil when `cert` is valid for `hostname`, else an `ERR_TLS_CERT_ALTNAME_INVALID` error.
---@param hostname string
---@param cert tls.PeerCertificate
---@return luatls.Error?
function tls.checkServerIdentity(hostname, cert) end

---The names of the ciphers OpenSSL offers, lower case.
---@return string[]
function tls.getCiphers() end

---The ALPN wire format of a list (a string is returned as it is); sets `out.ALPNProtocols` too.
---@param protocols string[]|string
---@param out? table
---@return string
function tls.convertALPNProtocols(protocols, out) end

---The old API (deprecated, DEP0064: warns once on stderr): a pair whose `encrypted` stream is
---piped to and from a socket.
---@param context? tls.SecureContext
---@param isServer? boolean
---@param requestCert? boolean
---@param rejectUnauthorized? boolean
---@param options? tls.TLSSocketOptions More options of the cleartext `TLSSocket` (they win).
---@return tls.SecurePair
function tls.createSecurePair(context, isServer, requestCert, rejectUnauthorized, options) end

---`tls.sessionStore`: where a fleet of servers keeps what TLS resumption needs (doc/scaling.md, "A fleet").
---@class tls.SessionStoreLib
---@field TicketKeys tls.RedisTicketKeys The class of `redisTicketKeys`.
local sessionStore = {}

---A store of TLS 1.2 session ids and TLS 1.3 stateful sessions in Redis; `attach` it to servers.
---@param options tls.RedisSessionStoreOptions
---@return tls.RedisSessionStore
function sessionStore.redis(options) end

---Ticket keys read from Redis, rotated by one node of the fleet (a `SET NX` lease), followed by the others (pub/sub).
---@param options tls.RedisTicketKeysOptions
---@return tls.RedisTicketKeys
function sessionStore.redisTicketKeys(options) end

---@class tls.RedisSessionStoreOptions
---@field client redis.Client The Redis connection (`require('redis').createClient`).
---@field prefix string? Key prefix (default `'luatls:'`); a session is `prefix .. 'session:' .. hex(id)`.
---@field ttl integer? Seconds a session stays in Redis (default 300).
---@field timeout number? Milliseconds a handshake waits for a lookup before a full handshake (default 50).

---@class tls.RedisSessionStore
---@field client redis.Client?
---@field prefix string?
---@field ttl integer?
---@field timeout number?
---@field writeTimeout number? Milliseconds a store waits for its SET (the handshake does not wait).
---@field stats table? `{ stored, hits, misses, errors }`: counts since it was made.
local RedisSessionStore = {}

---Wires the server's `'newSession'` and `'resumeSession'` events to Redis.
---@param server tls.Server
---@return tls.Server
function RedisSessionStore:attach(server) end

---The Redis key of a session id.
---@param id string
---@return string
function RedisSessionStore:key(id) end

---@class tls.RedisTicketKeysOptions
---@field client redis.Client The Redis connection; a second one (`duplicate()`) follows the rotations.
---@field prefix string? Key prefix (default `'luatls:'`): `prefix .. 'ticketkeys'` (and `:lease`).
---@field rotation number? Seconds between rotations across the fleet (default 3600).
---@field timeout number? Milliseconds for each Redis command (default 1000).

---@alias tls.RedisTicketKeysEvent
---| "keys" # (current: string, previous: string?): new keys, given to every attached target

---@class tls.RedisTicketKeys: events.EventEmitter
---@field client redis.Client?
---@field prefix string?
---@field rotation number?
---@field timeout number?
---@field rotations integer? Rotations this node made.
---@field current string? The current 48 bytes.
---@field previous string? The previous 48 bytes.
local RedisTicketKeys = {}

---Gives the keys (now and after each change) to a `tls.Server`, or calls `fn(current, previous)`.
---@param target tls.Server|fun(current: string, previous: string?)
---@return tls.Server|function
function RedisTicketKeys:attach(target) end

---Reads the keys from Redis now (made if there are none).
function RedisTicketKeys:refresh() end

---New keys now, whatever the lease.
function RedisTicketKeys:rotate() end

---Stops following Redis; attached servers keep their keys.
function RedisTicketKeys:close() end

return tls
