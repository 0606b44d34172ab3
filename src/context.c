/*
** context.c
** SecureContext: one SSL_CTX built from an options table, shared by
** refcount between servers, clients and their connections.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "stream.h"
#include "context.h"
#include "modules.h"

#define CONTEXT_MT "luatls.SecureContext"

typedef struct { SSL_CTX *ctx; } lt_context;

/* The finalizer can be called by hand (debug.getmetatable(ctx).__gc(ctx)) and
   leaves the userdata reachable with no SSL_CTX: every use is refused. */
SSL_CTX *lt_checkcontext(lua_State *L, int idx) {
  lt_context *c = luaL_checkudata(L, idx, CONTEXT_MT);
  if (c->ctx == NULL) {
    lt_push_error(L, "ERR_INVALID_STATE", "SecureContext has been freed");
    lua_error(L);
  }
  return c->ctx;
}

/* raises the first queued OpenSSL error, or a generic one naming what failed */
static int raise_ssl(lua_State *L, const char *what) {
  if (!lt_push_ssl_queue_error(L))
    lt_push_error(L, "ERR_OSSL_UNKNOWN", what);
  return lua_error(L);
}

static BIO *checkbio(lua_State *L, int idx) {
  size_t n;
  const char *pem = lt_checkbytes(L, idx, &n);
  BIO *bio = BIO_new_mem_buf(pem, (int)n);
  if (bio == NULL) raise_ssl(L, "out of memory");
  return bio;
}

static int context_new(lua_State *L) {
  lt_context *c = lua_newuserdatauv(L, sizeof *c, 0);
  c->ctx = NULL;
  luaL_setmetatable(L, CONTEXT_MT);
  ERR_clear_error();
  c->ctx = SSL_CTX_new(TLS_method());
  if (c->ctx == NULL) return raise_ssl(L, "SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
  /* idle connections hold no record buffers */
  SSL_CTX_set_mode(c->ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* read as much as the kernel has, not a record header then its body: one
     read() for many records instead of two per record */
  SSL_CTX_set_read_ahead(c->ctx, 1);
  SSL_CTX_set_default_read_buffer_len(c->ctx, 64 * 1024);
  /* a TCP close without close_notify ends the stream, as in Node */
  /* renegotiation as Node has it: allowed, and counted by the script (CLIENT_RENEG_LIMIT) */
  SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
  lt_session_setup(c->ctx);
  return 1;
}

static int password_cb(char *buf, int size, int rwflag, void *u) {
  const char *pass = u;
  (void)rwflag;
  if (pass == NULL) return 0;
  size_t n = strlen(pass);
  if ((int)n > size) n = (size_t)size;
  memcpy(buf, pass, n);
  return (int)n;
}

/* ctx:set_key(pem[, passphrase]) */
static int context_set_key(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  const char *pass = luaL_optstring(L, 3, NULL);
  BIO *bio = checkbio(L, 2);
  ERR_clear_error();
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)pass);
  BIO_free(bio);
  if (key == NULL) return raise_ssl(L, "cannot read the private key");
  int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (!ok) return raise_ssl(L, "cannot use the private key");
  return 0;
}

/* ctx:set_cert(pem): the leaf first, the rest of the file is its chain */
static int context_set_cert(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  BIO *bio = checkbio(L, 2);
  ERR_clear_error();
  X509 *leaf = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
  if (leaf == NULL) {
    BIO_free(bio);
    return raise_ssl(L, "no certificate found");
  }
  int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok) SSL_CTX_clear_chain_certs(ctx);
  X509 *extra;
  while (ok && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    ok = SSL_CTX_add0_chain_cert(ctx, extra);
    if (!ok) X509_free(extra);
  }
  BIO_free(bio);
  if (!ok) return raise_ssl(L, "cannot use the certificate");
  ERR_clear_error();   /* the end of the PEM data leaves a benign error */
  return 0;
}

static X509_STORE *own_store(SSL_CTX *ctx);

/* ctx:add_ca(pem): every certificate in the text becomes trusted, in this
   context only (a context still on the shared default store gets a copy) */
static int context_add_ca(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  X509_STORE *store = own_store(ctx);
  if (store == NULL) return raise_ssl(L, "no CA store");
  BIO *bio = checkbio(L, 2);
  int n = 0;
  X509 *x;
  ERR_clear_error();
  /* _AUX: a TRUSTED CERTIFICATE keeps its trust settings */
  while ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) != NULL) {
    X509_STORE_add_cert(store, x);
    SSL_CTX_add_client_CA(ctx, x);
    X509_free(x);
    n++;
  }
  BIO_free(bio);
  if (n == 0) return raise_ssl(L, "no certificate found");
  ERR_clear_error();
  return 0;
}

/* Adds LUATLS_EXTRA_CA_CERTS to a store; a file that cannot be read is a warning. */
static void add_extra_cas(X509_STORE *store) {
  const char *file = getenv("LUATLS_EXTRA_CA_CERTS");
  if (file == NULL || *file == '\0') return;
  ERR_clear_error();
  if (!X509_STORE_load_file(store, file)) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    fprintf(stderr, "Warning: Ignoring extra certs from `%s`, load failed: %s\n", file, buf);
  }
  ERR_clear_error();
}

/* The system's trusted roots plus the extra ones, read once and shared. */
static X509_STORE *default_store(void) {
  static X509_STORE *store;
  if (store) return store;
  store = X509_STORE_new();
  if (store == NULL) return NULL;
  X509_STORE_set_default_paths(store);
  add_extra_cas(store);
  ERR_clear_error();
  return store;
}

/* A store of its own with the default store's certificates: they are shared,
   not read and parsed again (which takes milliseconds for a system bundle). */
static X509_STORE *copy_of_default(void) {
  X509_STORE *from = default_store(), *to = from ? X509_STORE_new() : NULL;
  if (to == NULL) return NULL;
  STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(from);
  for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
    X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
    if (x && !X509_STORE_add_cert(to, x)) {
      X509_STORE_free(to);
      return NULL;
    }
  }
  return to;
}

/* the context's store, first copied if it is the shared default one */
static X509_STORE *own_store(SSL_CTX *ctx) {
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  if (store == NULL || store != default_store()) return store;
  X509_STORE *copy = copy_of_default();
  if (copy != NULL) SSL_CTX_set_cert_store(ctx, copy);   /* frees our reference to the shared one */
  return copy;
}

/* ctx:use_default_ca(private): the shared default store, or a copy that this
   context may change (for CRLs, and the chain certificates of a PKCS#12) */
static int context_use_default_ca(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (lua_toboolean(L, 2)) {
    X509_STORE *copy = copy_of_default();
    if (copy == NULL) return raise_ssl(L, "no default CA store");
    SSL_CTX_set_cert_store(ctx, copy);   /* the context takes it over */
    return 0;
  }
  X509_STORE *store = default_store();
  if (store == NULL) return raise_ssl(L, "no default CA store");
  SSL_CTX_set1_cert_store(ctx, store);
  return 0;
}

/* core.root_certificates() -> the default store's certificates as PEM strings */
static int core_root_certificates(lua_State *L) {
  X509_STORE *store = default_store();
  lua_newtable(L);
  if (store == NULL) return 1;
  STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
  int n = 0;
  for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
    X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
    BIO *bio = x ? BIO_new(BIO_s_mem()) : NULL;
    if (bio == NULL) continue;
    if (PEM_write_bio_X509(bio, x)) {
      char *p;
      long len = BIO_get_mem_data(bio, &p);
      lua_pushlstring(L, p, (size_t)len);
      lua_rawseti(L, -2, ++n);
    }
    BIO_free(bio);
  }
  return 1;
}

/* ctx:set_pfx(der, passphrase): key, certificate and chain from PKCS#12 */
static int context_set_pfx(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  const char *pass = luaL_optstring(L, 3, "");
  BIO *bio = checkbio(L, 2);
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *extra = NULL;
  ERR_clear_error();
  PKCS12 *p12 = d2i_PKCS12_bio(bio, NULL);
  BIO_free(bio);
  int ok = p12 && PKCS12_parse(p12, pass, &key, &cert, &extra) && key && cert;
  PKCS12_free(p12);
  ok = ok && SSL_CTX_use_certificate(ctx, cert) && SSL_CTX_use_PrivateKey(ctx, key);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  for (int i = 0; ok && i < sk_X509_num(extra); i++) {
    X509 *x = sk_X509_value(extra, i);
    ok = SSL_CTX_add1_chain_cert(ctx, x);
    X509_STORE_add_cert(store, x);
    SSL_CTX_add_client_CA(ctx, x);
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(extra, X509_free);
  if (!ok) return raise_ssl(L, "cannot use the PKCS#12 data");
  return 0;
}

/* ctx:add_crl(pem): revocation lists, checked for the whole chain */
static int context_add_crl(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  BIO *bio = checkbio(L, 2);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  X509_CRL *crl;
  int n = 0;
  ERR_clear_error();
  while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    n++;
  }
  BIO_free(bio);
  if (n == 0) return raise_ssl(L, "no CRL found");
  ERR_clear_error();
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return 0;
}

static int context_set_groups(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set1_groups_list(ctx, luaL_checkstring(L, 2))) {
    ERR_clear_error();
    lt_push_error(L, "ERR_CRYPTO_OPERATION_FAILED", "Failed to set ECDH curve");
    return lua_error(L);
  }
  return 0;
}

static int context_set_sigalgs(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set1_sigalgs_list(ctx, luaL_checkstring(L, 2))) {
    ERR_clear_error();
    lt_push_error(L, "ERR_INVALID_ARG_VALUE", "Failed to set signature algorithms");
    return lua_error(L);
  }
  return 0;
}

/* ctx:set_dhparam(pem | 'auto') -> bits of the parameters (0 for 'auto'), or
   nil when the text holds no parameters (Node discards such a dhparam) */
static int context_set_dhparam(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (strcmp(luaL_checkstring(L, 2), "auto") == 0) {
    SSL_CTX_set_dh_auto(ctx, 1);
    lua_pushinteger(L, 0);
    return 1;
  }
  BIO *bio = checkbio(L, 2);
  EVP_PKEY *dh = PEM_read_bio_Parameters(bio, NULL);
  BIO_free(bio);
  if (dh == NULL) {
    ERR_clear_error();
    lua_pushnil(L);
    return 1;
  }
  int bits = EVP_PKEY_get_bits(dh);
  if (bits < 1024) {
    EVP_PKEY_free(dh);
    lt_push_error(L, "ERR_INVALID_ARG_VALUE", "DH parameter is less than 1024 bits");
    return lua_error(L);
  }
  if (!SSL_CTX_set0_tmp_dh_pkey(ctx, dh)) {
    EVP_PKEY_free(dh);
    return raise_ssl(L, "cannot use the DH parameters");
  }
  lua_pushinteger(L, bits);
  return 1;
}

static int context_set_session_id_context(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  size_t n;
  const char *id = luaL_checklstring(L, 2, &n);
  ERR_clear_error();
  if (n > SSL_MAX_SID_CTX_LENGTH || !SSL_CTX_set_session_id_context(ctx, (const unsigned char *)id, (unsigned)n))
    return raise_ssl(L, "session id context too long");
  return 0;
}

/* core.random_bytes(n) -> n bytes from OpenSSL's CSPRNG */
static int core_random_bytes(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 0 && n <= (1 << 30), 1, "size out of range");
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  if (n > 0 && RAND_bytes(p, (int)n) != 1) return raise_ssl(L, "RAND_bytes failed");
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* core.digest(name, data) -> the raw digest ('sha1', 'sha256', ...) */
static int core_digest(lua_State *L) {
  const EVP_MD *md = EVP_get_digestbyname(luaL_checkstring(L, 1));
  size_t n;
  const char *data = luaL_checklstring(L, 2, &n);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md == NULL) return luaL_argerror(L, 1, "unknown digest");
  if (!EVP_Digest(data, n, out, &len, md, NULL)) return raise_ssl(L, "digest failed");
  lua_pushlstring(L, (const char *)out, len);
  return 1;
}

/* core.get_ciphers() -> OpenSSL's names of the ciphers a default context offers */
static int core_get_ciphers(lua_State *L) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  SSL *ssl = ctx ? SSL_new(ctx) : NULL;
  lua_newtable(L);
  STACK_OF(SSL_CIPHER) *ciphers = ssl ? SSL_get_ciphers(ssl) : NULL;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); i++) {
    lua_pushstring(L, SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)));
    lua_rawseti(L, -2, i + 1);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return 1;
}

/*
** ctx:build_chains(): a certificate given without its chain gets the chain
** OpenSSL would build from the trust store, built once now; otherwise that
** lookup runs again at every handshake. Chains given explicitly stay.
*/
static int context_build_chains(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  int built = 0;
  if (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST)) {
    do {
      STACK_OF(X509) *chain = NULL;
      SSL_CTX_get0_chain_certs(ctx, &chain);
      if (SSL_CTX_get0_certificate(ctx) && sk_X509_num(chain) <= 0 &&
          SSL_CTX_build_cert_chain(ctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR | SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR) > 0)
        built++;
    } while (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT));
  }
  ERR_clear_error();
  SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
  lua_pushinteger(L, built);
  return 1;
}

/*
** ctx:allow_partial_chain(): an intermediate in the trust store is a trust
** anchor of its own (X509_V_FLAG_PARTIAL_CHAIN). Set on the context's verify
** parameters, which every SSL copies, not on the store, which may be shared.
*/
static int context_allow_partial_chain(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
  return 0;
}

static int context_check_key(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_check_private_key(ctx)) return raise_ssl(L, "key does not match certificate");
  return 0;
}

/* ctx:set_versions(min, max): OpenSSL version numbers, 0 for no bound */
static int context_set_versions(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set_min_proto_version(ctx, (int)luaL_checkinteger(L, 2)) ||
      !SSL_CTX_set_max_proto_version(ctx, (int)luaL_checkinteger(L, 3)))
    return raise_ssl(L, "bad protocol version");
  return 0;
}

static int context_set_ciphers(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set_cipher_list(ctx, luaL_checkstring(L, 2)))
    return raise_ssl(L, "no cipher match");
  return 0;
}

static int context_set_ciphersuites(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set_ciphersuites(ctx, luaL_checkstring(L, 2)))
    return raise_ssl(L, "no ciphersuite match");
  return 0;
}

static int context_set_options(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  SSL_CTX_set_options(ctx, (uint64_t)luaL_checkinteger(L, 2));
  return 0;
}

static void push_der(lua_State *L, X509 *x) {
  unsigned char *der = NULL;
  int n = x ? i2d_X509(x, &der) : -1;
  if (n <= 0) {
    lua_pushnil(L);
    return;
  }
  lua_pushlstring(L, (const char *)der, (size_t)n);
  OPENSSL_free(der);
}

/* ctx:certificate_der() -> the (current) certificate, DER */
static int context_certificate_der(lua_State *L) {
  push_der(L, SSL_CTX_get0_certificate(lt_checkcontext(L, 1)));
  return 1;
}

/* ctx:issuer_der() -> its issuer, from the chain or the trust store, DER */
static int context_issuer_der(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  X509 *leaf = SSL_CTX_get0_certificate(ctx), *issuer = NULL;
  STACK_OF(X509) *chain = NULL;
  if (leaf == NULL) return 0;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  for (int i = 0; i < sk_X509_num(chain) && !issuer; i++)
    if (X509_check_issued(sk_X509_value(chain, i), leaf) == X509_V_OK) issuer = sk_X509_value(chain, i);
  if (issuer) {
    push_der(L, issuer);
    return 1;
  }
  X509_STORE_CTX *sctx = X509_STORE_CTX_new();
  if (sctx && X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(ctx), leaf, NULL) == 1 &&
      X509_STORE_CTX_get1_issuer(&issuer, sctx, leaf) == 1) {
    push_der(L, issuer);
    X509_free(issuer);
  } else {
    lua_pushnil(L);
  }
  X509_STORE_CTX_free(sctx);
  ERR_clear_error();
  return 1;
}

static int context_gc(lua_State *L) {
  lt_context *c = luaL_checkudata(L, 1, CONTEXT_MT);
  if (c->ctx) SSL_CTX_free(c->ctx);
  c->ctx = NULL;
  return 0;
}

static const luaL_Reg context_methods[] = {
  {"set_key", context_set_key}, {"set_cert", context_set_cert},
  {"add_ca", context_add_ca}, {"use_default_ca", context_use_default_ca},
  {"addCACert", context_add_ca},   /* Node's name: secureContext.context:addCACert(pem) */
  {"check_key", context_check_key}, {"set_versions", context_set_versions},
  {"build_chains", context_build_chains}, {"allow_partial_chain", context_allow_partial_chain},
  {"set_ciphers", context_set_ciphers}, {"set_ciphersuites", context_set_ciphersuites},
  {"set_options", context_set_options}, {"set_pfx", context_set_pfx},
  {"add_crl", context_add_crl}, {"set_groups", context_set_groups},
  {"set_sigalgs", context_set_sigalgs}, {"set_dhparam", context_set_dhparam},
  {"set_session_id_context", context_set_session_id_context},
  {"certificate_der", context_certificate_der}, {"issuer_der", context_issuer_der},
  {NULL, NULL}
};

static const luaL_Reg context_funcs[] = {
  {"context_new", context_new}, {"root_certificates", core_root_certificates},
  {"get_ciphers", core_get_ciphers}, {"random_bytes", core_random_bytes},
  {"digest", core_digest},
  {NULL, NULL}
};

void lt_open_context(lua_State *L) {
  lt_newclass(L, CONTEXT_MT, context_methods, context_gc);
  luaL_setfuncs(L, context_funcs, 0);
  lua_createtable(L, 0, 24);
#define OP(name) lua_pushinteger(L, (lua_Integer)SSL_OP_##name); lua_setfield(L, -2, "SSL_OP_" #name);
  OP(ALL) OP(ALLOW_NO_DHE_KEX) OP(ALLOW_UNSAFE_LEGACY_RENEGOTIATION) OP(CIPHER_SERVER_PREFERENCE)
  OP(CISCO_ANYCONNECT) OP(COOKIE_EXCHANGE) OP(CRYPTOPRO_TLSEXT_BUG) OP(DONT_INSERT_EMPTY_FRAGMENTS)
  OP(LEGACY_SERVER_CONNECT) OP(NO_COMPRESSION) OP(NO_ENCRYPT_THEN_MAC) OP(NO_QUERY_MTU)
  OP(NO_RENEGOTIATION) OP(NO_SESSION_RESUMPTION_ON_RENEGOTIATION) OP(NO_SSLv2) OP(NO_SSLv3)
  OP(NO_TICKET) OP(NO_TLSv1) OP(NO_TLSv1_1) OP(NO_TLSv1_2) OP(NO_TLSv1_3) OP(PRIORITIZE_CHACHA)
  OP(TLS_ROLLBACK_BUG)
#undef OP
  lua_setfield(L, -2, "ssl_op");
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, TLS1_VERSION); lua_setfield(L, -2, "TLSv1");
  lua_pushinteger(L, TLS1_1_VERSION); lua_setfield(L, -2, "TLSv1.1");
  lua_pushinteger(L, TLS1_2_VERSION); lua_setfield(L, -2, "TLSv1.2");
  lua_pushinteger(L, TLS1_3_VERSION); lua_setfield(L, -2, "TLSv1.3");
  lua_setfield(L, -2, "versions");
  lua_pushstring(L, OpenSSL_version(OPENSSL_VERSION));
  lua_setfield(L, -2, "openssl_version");
}
