---@meta x509

---`require('x509')`: keys, a CA, the certificates it issues (good and deliberately bad),
---CSRs, CRLs and OCSP responses, made in-process (doc/prototyping.md).
---@class x509lib
---@field bad x509.Bad The bad certificates, one call each.
local x509 = {}

---Options of the calls that make a key.
---@class x509.KeyOptions
---@field curve string? An EC key's curve, by NIST or OpenSSL name (`'P-256'`).
---@field rsaBits integer? An RSA key's size (2048; 512 to 16384).

---Options of `x509.createCA`, `ca:issue`, `ca:intermediate`, `ca:sign` and `x509.createSelfSigned`.
---@class x509.CertificateOptions: x509.KeyOptions
---@field subject table|string? `{ CN = 'x', O = 'y' }`, `{ {'CN', 'x'}, ... }` or a CN (`{ CN = 'localhost' }`).
---@field altNames string[]? `'DNS:x'`, `'IP:127.0.0.1'`, `'email:a@b'`, `'URI:https://x'`, `'RID:1.2.3'` (localhost's when no subject is given).
---@field key "ec"|"rsa"|"ed25519"|"ed448"|x509.PrivateKey|string? The subject's key: a type to generate (`'ec'`), a key, or PEM.
---@field passphrase string? For a PEM `key` that is encrypted.
---@field days number? Validity from `notBefore` (365; a CA: 3650).
---@field notBefore integer? Seconds since 1970 (five minutes ago).
---@field notAfter integer? Seconds since 1970 (`notBefore + days`).
---@field serial integer|string? A positive integer or up to 40 hex digits (16 random bytes).
---@field keyUsage string[]|false? OpenSSL's names (`'digitalSignature'`); critical; false for none.
---@field extKeyUsage string[]|false? `'serverAuth'`, `'clientAuth'`, ... or dotted OIDs; false for none.
---@field isCA boolean? A CA certificate (basicConstraints `CA:TRUE`, critical).
---@field pathLen integer? How many CAs may follow a CA certificate.
---@field ocsp string? The OCSP responder's URL (Authority Information Access).
---@field caIssuers string? The issuer certificate's URL (Authority Information Access).
---@field crl string? The CRL's URL (CRL Distribution Points).
---@field digest string? The signature's digest (SHA-256; SHA-384 for P-384, SHA-512 for P-521 keys).
---@field kind x509.BadKind? With `ca:issue`: one of the bad kinds.

---Options of `x509.createCSR`.
---@class x509.CSROptions: x509.KeyOptions
---@field subject table|string? As for certificates (`{ CN = 'localhost' }`).
---@field altNames string[]? The subjectAltName the request asks for.
---@field key "ec"|"rsa"|"ed25519"|"ed448"|x509.PrivateKey|string? The key to make or use (`'ec'`).
---@field passphrase string? For a PEM `key` that is encrypted.
---@field digest string? The request's signature digest.

---Options of `x509.loadCA`.
---@class x509.LoadCAOptions
---@field key x509.PrivateKey|string? The CA's key, or its PEM.
---@field privateKey x509.PrivateKey? The CA's key (what `ca:issue` returns carries it).
---@field cert string The CA's certificate (PEM), then the certificates above it.
---@field chain string[]? More certificates above it.
---@field passphrase string? For an encrypted `key`.

---Options of `ca:crl`.
---@class x509.CRLOptions
---@field revoked (integer|string|x509.Certificate|x509.RevokedEntry)[]? Serials, certificates, or entries.
---@field days number? Until the next update (30).
---@field thisUpdate integer? Seconds since 1970 (five minutes ago).
---@field nextUpdate integer? Seconds since 1970 (`thisUpdate + days`).
---@field number integer? The CRL number (counts up from 1 per CA).
---@field digest string? The signature's digest.

---One revoked certificate in `ca:crl{ revoked = ... }`.
---@class x509.RevokedEntry
---@field serial integer|string
---@field date integer? Seconds since 1970 (now).
---@field reason x509.CRLReason?

---@alias x509.CRLReason "unspecified"|"keyCompromise"|"cACompromise"|"affiliationChanged"|"superseded"|"cessationOfOperation"|"certificateHold"|"removeFromCRL"|"privilegeWithdrawn"|"aACompromise"

---Options of `ca:ocspResponse`.
---@class x509.OCSPResponseOptions
---@field status "good"|"revoked"|"unknown"? (what `ca:revoke` recorded, else good)
---@field reason x509.CRLReason? For `'revoked'`.
---@field revokedAt integer? Seconds since 1970.
---@field days number? Until the next update (7).
---@field thisUpdate integer? Seconds since 1970 (five minutes ago).
---@field nextUpdate integer? Seconds since 1970 (`thisUpdate + days`).
---@field digest string? The signature's digest.

---@alias x509.BadKind "expired"|"notYetValid"|"wrongHost"|"wrongUsage"|"selfSigned"|"untrustedRoot"|"unknownIssuer"|"missingIntermediate"|"pathLength"|"revoked"|"badSignature"|"weakKey"

---A private key inside OpenSSL (a userdata). `tostring` names its type only:
---`<PrivateKey ec P-256>`; PEM leaves only through `key:pem()`.
---@class x509.PrivateKey
local PrivateKey = {}

---PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given.
---@param passphrase string?
---@return string
function PrivateKey:pem(passphrase) end

---The public key, SubjectPublicKeyInfo PEM.
---@return string
function PrivateKey:publicPem() end

---`'ec'`, `'rsa'`, `'ed25519'`, `'ed448'`.
---@return string
function PrivateKey:type() end

---The key's size in bits.
---@return integer
function PrivateKey:bits() end

---An EC key's curve (`'P-256'`), nil for other keys.
---@return string?
function PrivateKey:curve() end

---Whether a certificate (PEM or DER) is for this key.
---@param cert string
---@return boolean
function PrivateKey:matches(cert) end

---What `ca:issue` returns: `key`, `cert` and `ca` are options of the same names, so it can
---be given to `tls.createServer` or `tls.connect` as it is. `tostring` never shows the key.
---@class x509.Certificate
---@field key string? The private key's PEM, made when read (pairs() lists it); nil from `ca:sign`.
---@field privateKey x509.PrivateKey? The key.
---@field cert string The certificate (PEM), then the intermediates up to the root.
---@field chain string[] The issuing CA's certificate and those above it, up to the root.
---@field ca string The root's certificate: what a peer trusts.
---@field serial string Upper-case hex, as `getPeerCertificate().serialNumber`.
---@field kind x509.BadKind? A bad certificate's kind.
---@field crl string? The revoked kind's CRL, for a client's `crl` option.
---@field ciphers string? The weak-key kind's: lets a server use the key (`@SECLEVEL=0`).

---A certificate authority: its key and certificate, and what it issues.
---@class x509.CertificateAuthority: luatls.Object
---@field key x509.PrivateKey The CA's key.
---@field cert string The CA's certificate (PEM).
---@field chain string[] Its certificate and those above it.
---@field root string The root's certificate (PEM).
---@field subject table The CA's subject, as `getPeerCertificate().subject`.
---@field revoked table[] What `ca:revoke` recorded: `{ serial, date, reason }`.
local CertificateAuthority = {}

---A certificate and its key, signed by this CA (`kind`: a bad one).
---@param options x509.CertificateOptions?
---@return x509.Certificate
function CertificateAuthority:issue(options) end

---A CA below this one.
---@param options x509.CertificateOptions?
---@return x509.CertificateAuthority
function CertificateAuthority:intermediate(options) end

---The certificate for a request (its signature is checked; its subject and alt names are
---kept unless the options give others), without a key.
---@param csr string
---@param options x509.CertificateOptions?
---@return x509.Certificate
function CertificateAuthority:sign(csr, options) end

---Records a revocation for later CRLs and OCSP responses; returns the serial.
---@param cert string|integer|x509.Certificate
---@param reason x509.CRLReason?
---@return string
function CertificateAuthority:revoke(cert, reason) end

---What `revoke` recorded for a certificate or serial, or nil.
---@param cert string|integer|x509.Certificate
---@return table?
function CertificateAuthority:isRevoked(cert) end

---A CRL (PEM) for the `crl` option.
---@param options x509.CRLOptions?
---@return string
function CertificateAuthority:crl(options) end

---An OCSP response (DER) for an `'OCSPRequest'` listener's callback.
---@param cert string|x509.Certificate PEM or DER
---@param options x509.OCSPResponseOptions?
---@return string
function CertificateAuthority:ocspResponse(cert, options) end

---A new key.
---@param type "ec"|"rsa"|"ed25519"|"ed448"?
---@param options x509.KeyOptions?
---@return x509.PrivateKey
function x509.generateKey(type, options) end

---A key from PEM or DER.
---@param text string
---@param passphrase string?
---@return x509.PrivateKey
function x509.loadKey(text, passphrase) end

---Whether a value is a `PrivateKey`.
---@param v any
---@return boolean
function x509.isPrivateKey(v) end

---A certificate (PEM or DER) as Node's certificate object.
---@param cert string
---@return tls.PeerCertificate
function x509.parse(cert) end

---A self-signed root CA.
---@param options x509.CertificateOptions?
---@return x509.CertificateAuthority
function x509.createCA(options) end

---A CA from its key and certificate, or from what `ca:issue{ isCA = true }` returned.
---@param options x509.LoadCAOptions|x509.Certificate
---@return x509.CertificateAuthority
function x509.loadCA(options) end

---A self-signed certificate whose `ca` is itself.
---@param options x509.CertificateOptions?
---@return x509.Certificate
function x509.createSelfSigned(options) end

---A certificate request (PEM) and its key.
---@param options x509.CSROptions?
---@return string csr
---@return x509.PrivateKey key
function x509.createCSR(options) end

---The bad certificates: `x509.bad.expired(ca[, options])`, ... Each returns what `ca:issue`
---does, with `ca` the CA a client trusts; a client reports `x509.bad.codes[kind]`.
---@class x509.Bad
---@field codes table<x509.BadKind, string> What a client reports for each kind (`'CERT_HAS_EXPIRED'`, ...).
---@field kinds x509.BadKind[] The kinds, in order.
local Bad = {}

---Valid until yesterday: `CERT_HAS_EXPIRED`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.expired(ca, options) end

---Valid from tomorrow: `CERT_NOT_YET_VALID`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.notYetValid(ca, options) end

---For `wrong.example`: `ERR_TLS_CERT_ALTNAME_INVALID`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.wrongHost(ca, options) end

---No digitalSignature, no serverAuth or clientAuth: `INVALID_PURPOSE`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.wrongUsage(ca, options) end

---A self-signed leaf: `DEPTH_ZERO_SELF_SIGNED_CERT`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.selfSigned(ca, options) end

---From an untrusted root, sent with it: `SELF_SIGNED_CERT_IN_CHAIN`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.untrustedRoot(ca, options) end

---From an intermediate of an unknown root: `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.unknownIssuer(ca, options) end

---From an intermediate of the CA, sent without it: `UNABLE_TO_VERIFY_LEAF_SIGNATURE`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.missingIntermediate(ca, options) end

---One CA more than an intermediate's `pathLen = 0` allows: `PATH_LENGTH_EXCEEDED`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.pathLength(ca, options) end

---Revoked, with the CA's CRL in `crl`: `CERT_REVOKED`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.revoked(ca, options) end

---One bit of the signature flipped: `CERT_SIGNATURE_FAILURE`.
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.badSignature(ca, options) end

---RSA 1024: refused by a server at security level 2 (`ERR_SSL_EE_KEY_TOO_SMALL`), so `ciphers`
---lowers the level; a client reports `UNSPECIFIED` ("EE certificate key too weak").
---@param ca x509.CertificateAuthority
---@param options x509.CertificateOptions?
---@return x509.Certificate
function Bad.weakKey(ca, options) end

return x509
