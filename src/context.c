/*
** context.c
** SecureContext: one SSL_CTX built from an options table, shared by
** refcount between servers, clients and their connections.
*/
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "luatls.h"

#define CONTEXT_MT "luatls.SecureContext"

typedef struct { SSL_CTX *ctx; } lt_context;

SSL_CTX *lt_checkcontext(lua_State *L, int idx) {
  lt_context *c = luaL_checkudata(L, idx, CONTEXT_MT);
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
  const char *pem = luaL_checklstring(L, idx, &n);
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
  /* a TCP close without close_notify ends the stream, as in Node */
  SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
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

/* ctx:add_ca(pem): every certificate in the text becomes trusted */
static int context_add_ca(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  BIO *bio = checkbio(L, 2);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  X509 *x;
  ERR_clear_error();
  while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
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

static int context_use_default_ca(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  ERR_clear_error();
  if (!SSL_CTX_set_default_verify_paths(ctx)) return raise_ssl(L, "no default CA store");
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

static int context_gc(lua_State *L) {
  lt_context *c = luaL_checkudata(L, 1, CONTEXT_MT);
  if (c->ctx) SSL_CTX_free(c->ctx);
  c->ctx = NULL;
  return 0;
}

static const luaL_Reg context_methods[] = {
  {"set_key", context_set_key}, {"set_cert", context_set_cert},
  {"add_ca", context_add_ca}, {"use_default_ca", context_use_default_ca},
  {"check_key", context_check_key}, {"set_versions", context_set_versions},
  {"set_ciphers", context_set_ciphers}, {"set_ciphersuites", context_set_ciphersuites},
  {"set_options", context_set_options},
  {NULL, NULL}
};

static const luaL_Reg context_funcs[] = {
  {"context_new", context_new},
  {NULL, NULL}
};

void lt_open_context(lua_State *L) {
  lt_newclass(L, CONTEXT_MT, context_methods, context_gc);
  luaL_setfuncs(L, context_funcs, 0);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, TLS1_VERSION); lua_setfield(L, -2, "TLSv1");
  lua_pushinteger(L, TLS1_1_VERSION); lua_setfield(L, -2, "TLSv1.1");
  lua_pushinteger(L, TLS1_2_VERSION); lua_setfield(L, -2, "TLSv1.2");
  lua_pushinteger(L, TLS1_3_VERSION); lua_setfield(L, -2, "TLSv1.3");
  lua_setfield(L, -2, "versions");
  lua_pushstring(L, OpenSSL_version(OPENSSL_VERSION));
  lua_setfield(L, -2, "openssl_version");
}
