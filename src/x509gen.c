/*
** x509gen.c
** PrivateKey: a key pair kept inside OpenSSL (an EVP_PKEY), and what a
** certificate authority signs with one: certificates, certificate
** requests, CRLs and OCSP responses (require('x509') in lua/x509.lua).
** A private key leaves as PEM only through key:pem(); tostring names its
** type alone. These calls use OpenSSL's crypto, never an SSL, so a hook
** may call them while OpenSSL is on the stack (core.c keeps the
** connection's error queue aside while Lua runs).
**
** Every OpenSSL object that lives across a call that can raise (any Lua
** API call that may allocate, or an argument error) is held by a scratch
** userdata whose finalizer frees it, so an error never leaks it.
*/
#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "luatls.h"
#include "modules.h"
#include "scratch.h"

#define KEY_MT "luatls.PrivateKey"

typedef struct { EVP_PKEY *pkey; } lt_key;

/* raises the first queued OpenSSL error, or code/what when the queue is empty */
static int fail(lua_State *L, const char *code, const char *what) {
  if (!lt_push_ssl_queue_error(L)) lt_push_error(L, code, what);
  return lua_error(L);
}

static int bad_arg(lua_State *L, const char *option, const char *message) {
  ERR_clear_error();
  lt_push_error(L, "ERR_INVALID_ARG_VALUE", message);
  lua_pushstring(L, option);
  lua_setfield(L, -2, "option");
  return lua_error(L);
}

/* p now belongs to s (NULL: OpenSSL failed, raised as what) */
static void *own(lua_State *L, lt_scratch *s, void *p, lt_freefn f, const char *what) {
  if (p == NULL) fail(L, "ERR_OSSL_UNKNOWN", what);
  return lt_hold(L, s, p, f);
}

static void free_x509(void *p) { X509_free(p); }
static void free_req(void *p) { X509_REQ_free(p); }
static void free_crl(void *p) { X509_CRL_free(p); }
static void free_bio(void *p) { BIO_free(p); }
static void free_gens(void *p) { GENERAL_NAMES_free(p); }
static void free_time(void *p) { ASN1_TIME_free(p); }
static void free_certid(void *p) { OCSP_CERTID_free(p); }
static void free_basicresp(void *p) { OCSP_BASICRESP_free(p); }
static void free_response(void *p) { OCSP_RESPONSE_free(p); }

/* ---------- reading the spec tables lua/x509.lua builds ---------- */

/* a string field or NULL (the table keeps the string alive) */
static const char *str_field(lua_State *L, int t, const char *k, size_t *n) {
  size_t len = 0;
  lua_getfield(L, t, k);
  const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  lua_pop(L, 1);
  if (n) *n = len;
  return s;
}

/* an integer field: 1 and *v when present */
static int int_field(lua_State *L, int t, const char *k, lua_Integer *v) {
  lua_getfield(L, t, k);
  int isnum = 0;
  lua_Integer i = lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  if (isnum) *v = i;
  return isnum;
}

static EVP_PKEY *checkkey(lua_State *L, int idx) {
  lt_key *k = luaL_checkudata(L, idx, KEY_MT);
  if (k->pkey == NULL) {
    lt_push_error(L, "ERR_INVALID_STATE", "PrivateKey has been freed");
    lua_error(L);
  }
  return k->pkey;
}

static EVP_PKEY *key_field(lua_State *L, int t, const char *k, int required) {
  lua_getfield(L, t, k);
  EVP_PKEY *pkey = NULL;
  if (luaL_testudata(L, -1, KEY_MT)) pkey = checkkey(L, -1);
  else if (required) bad_arg(L, k, "a PrivateKey is required");
  lua_pop(L, 1);
  return pkey;
}

/* one X509 from PEM (its first certificate) or DER */
static X509 *read_x509(const char *p, size_t n) {
  if (n > 10 && memcmp(p, "-----BEGIN", 10) == 0) {
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return x;
  }
  const unsigned char *q = (const unsigned char *)p;
  return d2i_X509(NULL, &q, (long)n);
}

static X509 *x509_field(lua_State *L, lt_scratch *s, int t, const char *k) {
  size_t n;
  const char *p = str_field(L, t, k, &n);
  if (p == NULL) return NULL;
  if (n > 0x7fffffff) bad_arg(L, k, "certificate too large");
  ERR_clear_error();
  X509 *x = read_x509(p, n);
  if (x == NULL) {
    lua_pushfstring(L, "The '%s' field is not a certificate", k);
    bad_arg(L, k, lua_tostring(L, -1));
  }
  return own(L, s, x, free_x509, "certificate");
}

static ASN1_INTEGER *serial_of(const char *hex) {
  BIGNUM *bn = NULL;
  ASN1_INTEGER *ai = NULL;
  if (hex && BN_hex2bn(&bn, hex) == (int)strlen(hex) && strlen(hex) > 0 && !BN_is_negative(bn))
    ai = BN_to_ASN1_INTEGER(bn, NULL);
  BN_free(bn);
  return ai;
}

/* subject = { {'CN', 'x'}, {'O', 'y'} }, in that order, into name */
static void set_name(lua_State *L, int t, X509_NAME *name) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, t);
  luaL_checkstack(L, 4, "x509gen name");
  for (lua_Integer i = 1; i <= n; i++) {
    size_t len;
    lua_rawgeti(L, t, i);
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    const char *field = lua_tostring(L, -2), *value = lua_tolstring(L, -1, &len);
    if (field == NULL || value == NULL || len > 0x7fffffff) bad_arg(L, "subject", "bad subject entry");
    ERR_clear_error();
    if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value, (int)len, -1, 0)) {
      unsigned long e = ERR_peek_error();
      char reason[120];
      ERR_error_string_n(e, reason, sizeof reason);
      lua_pushfstring(L, "subject.%s", field);
      lua_pushfstring(L, "Invalid subject field %s = '%s': %s", field, value,
                      ERR_reason_error_string(e) ? ERR_reason_error_string(e) : reason);
      bad_arg(L, lua_tostring(L, -2), lua_tostring(L, -1));
    }
    lua_pop(L, 3);
  }
}

static const struct { const char *name; int type; } gen_types[] = {
  {"DNS", GEN_DNS}, {"IP", GEN_IPADD}, {"email", GEN_EMAIL}, {"URI", GEN_URI},
  {"RID", GEN_RID}, {NULL, 0}
};

/* alt names { 'DNS:localhost', 'IP:::1', 'email:a@b', 'URI:https://x' } as GENERAL_NAMES */
static GENERAL_NAMES *alt_names(lua_State *L, lt_scratch *s, int t) {
  GENERAL_NAMES *gens = own(L, s, GENERAL_NAMES_new(), free_gens, "out of memory");
  lua_Integer n = (lua_Integer)lua_rawlen(L, t);
  luaL_checkstack(L, 4, "x509gen altNames");
  for (lua_Integer i = 1; i <= n; i++) {
    size_t len;
    lua_rawgeti(L, t, i);
    const char *item = lua_tolstring(L, -1, &len);
    const char *colon = item ? strchr(item, ':') : NULL;
    int type = -1;
    for (int j = 0; colon && gen_types[j].name; j++)
      if (strlen(gen_types[j].name) == (size_t)(colon - item) &&
          strncmp(item, gen_types[j].name, (size_t)(colon - item)) == 0)
        type = gen_types[j].type;
    if (type < 0 || strlen(item) != len) {
      lua_pushfstring(L, "altNames[%I] must be 'DNS:', 'IP:', 'email:', 'URI:' or 'RID:' and a value", i);
      bad_arg(L, "altNames", lua_tostring(L, -1));
    }
    ERR_clear_error();
    GENERAL_NAME *gen = a2i_GENERAL_NAME(NULL, NULL, NULL, type, colon + 1, 0);
    if (gen == NULL || !sk_GENERAL_NAME_push(gens, gen)) {
      GENERAL_NAME_free(gen);
      lua_pushfstring(L, "altNames[%I] ('%s') is not a valid name", i, item);
      bad_arg(L, "altNames", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
  }
  return gens;
}

/* one URI as a GENERAL_NAME */
static GENERAL_NAME *uri_name(const char *url) {
  return a2i_GENERAL_NAME(NULL, NULL, NULL, GEN_URI, url, 0);
}

/* authorityInfoAccess: OCSP and caIssuers URLs (either may be NULL) */
static int add_info_access(X509 *x, const char *ocsp, const char *issuers) {
  AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
  const char *urls[2] = { ocsp, issuers };
  int nids[2] = { NID_ad_OCSP, NID_ad_ca_issuers }, ok = aia != NULL;
  for (int i = 0; ok && i < 2; i++) {
    if (urls[i] == NULL) continue;
    ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
    GENERAL_NAME *gen = ad ? uri_name(urls[i]) : NULL;
    ok = gen != NULL;
    if (ok) {
      GENERAL_NAME_free(ad->location);
      ad->location = gen;
      ad->method = OBJ_nid2obj(nids[i]);
      ok = sk_ACCESS_DESCRIPTION_push(aia, ad) > 0;
    }
    if (!ok) ACCESS_DESCRIPTION_free(ad);
  }
  ok = ok && X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_REPLACE) == 1;
  AUTHORITY_INFO_ACCESS_free(aia);
  return ok;
}

/* crlDistributionPoints with one full-name URI */
static int add_crl_point(X509 *x, const char *url) {
  CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
  DIST_POINT *dp = dps ? DIST_POINT_new() : NULL;
  int ok = dp != NULL && (dp->distpoint = DIST_POINT_NAME_new()) != NULL &&
           (dp->distpoint->name.fullname = GENERAL_NAMES_new()) != NULL;
  GENERAL_NAME *gen = ok ? uri_name(url) : NULL;
  if (dp && dp->distpoint) dp->distpoint->type = 0;
  ok = gen != NULL && sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gen) > 0;
  if (!ok) GENERAL_NAME_free(gen);
  ok = ok && sk_DIST_POINT_push(dps, dp) > 0;
  if (!ok) DIST_POINT_free(dp);
  ok = ok && X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_REPLACE) == 1;
  CRL_DIST_POINTS_free(dps);
  return ok;
}

/* an extension from OpenSSL's configuration syntax; value is made by this file or checked below */
static int add_conf_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
  int ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

/* keyUsage and extKeyUsage lists arrive as "critical,name,name": names only, no syntax */
static const char *usage_field(lua_State *L, int t, const char *k) {
  const char *v = str_field(L, t, k, NULL);
  if (v && (v[0] == '\0' || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,") != strlen(v)))
    bad_arg(L, k, "usage names are letters, digits and dots");
  return v;
}

static const EVP_MD *pick_digest(lua_State *L, EVP_PKEY *k, const char *name) {
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) return NULL;   /* no separate digest */
  if (name) {
    const EVP_MD *md = EVP_get_digestbyname(name);
    if (md == NULL) bad_arg(L, "digest", "unknown digest");
    return md;
  }
  if (id == EVP_PKEY_EC) {
    int bits = EVP_PKEY_get_bits(k);
    return bits > 384 ? EVP_sha512() : bits > 256 ? EVP_sha384() : EVP_sha256();
  }
  return EVP_sha256();
}

static ASN1_TIME *time_of(lua_Integer t) { return ASN1_TIME_set(NULL, (time_t)t); }

static int has_ski(X509 *x) { return X509_get_ext_by_NID(x, NID_subject_key_identifier, -1) >= 0; }

/* pushes what bio holds */
static void push_bio(lua_State *L, BIO *bio) {
  char *p;
  long n = BIO_get_mem_data(bio, &p);
  lua_pushlstring(L, p, (size_t)n);
}

static BIO *mem_bio(lua_State *L, lt_scratch *s) {
  return own(L, s, BIO_new(BIO_s_mem()), free_bio, "out of memory");
}

/* ---------- PrivateKey ---------- */

static lt_key *newkey(lua_State *L) {
  lt_key *k = lua_newuserdatauv(L, sizeof *k, 0);
  k->pkey = NULL;
  luaL_setmetatable(L, KEY_MT);
  return k;
}

/* core.gen_key('rsa', bits) | ('ec', curve) | ('ed25519') | ('ed448') -> PrivateKey */
static int gen_key(lua_State *L) {
  const char *type = luaL_checkstring(L, 1);
  lt_key *k = newkey(L);
  ERR_clear_error();
  if (strcmp(type, "rsa") == 0) {
    lua_Integer bits = lt_checkrange(L, 2, 512, 16384, "rsaBits");
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
  } else if (strcmp(type, "ec") == 0) {
    const char *curve = luaL_checkstring(L, 2);
    int nid = EC_curve_nist2nid(curve);
    if (nid == NID_undef) nid = OBJ_sn2nid(curve);
    if (nid == NID_undef) nid = OBJ_ln2nid(curve);
    if (nid == NID_undef) return bad_arg(L, "curve", "unknown curve");
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", OBJ_nid2sn(nid));
  } else if (strcmp(type, "ed25519") == 0) {
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  } else if (strcmp(type, "ed448") == 0) {
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
  } else {
    return bad_arg(L, "key", "key must be 'ec', 'rsa', 'ed25519' or 'ed448'");
  }
  if (k->pkey == NULL) return fail(L, "ERR_OSSL_UNKNOWN", "key generation failed");
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

/* core.read_key(pem_or_der[, passphrase]) -> PrivateKey */
static int read_key(lua_State *L) {
  size_t n;
  const char *p = lt_checkbytes(L, 1, &n);
  const char *pass = luaL_optstring(L, 2, NULL);
  lt_key *k = newkey(L);
  ERR_clear_error();
  if (n > 10 && memcmp(p, "-----BEGIN", 10) == 0) {
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (bio) k->pkey = PEM_read_bio_PrivateKey(bio, NULL, password_cb, (void *)pass);
    BIO_free(bio);
  } else {
    const unsigned char *q = (const unsigned char *)p;
    k->pkey = d2i_AutoPrivateKey(NULL, &q, (long)n);
  }
  if (k->pkey == NULL) {
    /* a passphrase's errors are OpenSSL's (bad decrypt); anything else is not a key */
    if (pass) return fail(L, "ERR_INVALID_ARG_VALUE", "cannot read the private key");
    return bad_arg(L, "key", strstr(p, "ENCRYPTED") ? "the private key is encrypted: a passphrase is needed"
                                                    : "not a private key (PEM or DER)");
  }
  return 1;
}

static const char *key_type(EVP_PKEY *k) {
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return "rsa";
    case EVP_PKEY_RSA_PSS: return "rsa-pss";
    case EVP_PKEY_EC: return "ec";
    case EVP_PKEY_ED25519: return "ed25519";
    case EVP_PKEY_ED448: return "ed448";
    case EVP_PKEY_DSA: return "dsa";
    default: return "unknown";
  }
}

/* the curve's NIST name (P-256) or OpenSSL's (secp256k1); NULL for other keys */
static const char *key_curve(EVP_PKEY *k, char *buf, size_t size) {
  size_t len;
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
      !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, buf, size, &len))
    return NULL;
  const char *nist = EC_curve_nid2nist(OBJ_sn2nid(buf));
  return nist ? nist : buf;
}

/* key:pem([passphrase]) -> PKCS#8 PEM, encrypted with AES-256-CBC when a passphrase is given */
static int key_pem(lua_State *L) {
  EVP_PKEY *k = checkkey(L, 1);
  size_t plen = 0;
  const char *pass = luaL_optlstring(L, 2, NULL, &plen);
  if (pass && (plen == 0 || plen > 1024)) return bad_arg(L, "passphrase", "passphrase must be 1 to 1024 bytes");
  lt_scratch *s = lt_scratch_new(L);
  BIO *bio = mem_bio(L, s);
  ERR_clear_error();
  if (!PEM_write_bio_PKCS8PrivateKey(bio, k, pass ? EVP_aes_256_cbc() : NULL, (const char *)pass, (int)plen, NULL, NULL))
    return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the key");
  push_bio(L, bio);
  lt_scratch_free(s);
  return 1;
}

/* key:publicPem() -> SubjectPublicKeyInfo PEM */
static int key_public_pem(lua_State *L) {
  EVP_PKEY *k = checkkey(L, 1);
  lt_scratch *s = lt_scratch_new(L);
  BIO *bio = mem_bio(L, s);
  ERR_clear_error();
  if (!PEM_write_bio_PUBKEY(bio, k)) return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the public key");
  push_bio(L, bio);
  lt_scratch_free(s);
  return 1;
}

static int key_type_m(lua_State *L) {
  lua_pushstring(L, key_type(checkkey(L, 1)));
  return 1;
}

static int key_bits(lua_State *L) {
  lua_pushinteger(L, EVP_PKEY_get_bits(checkkey(L, 1)));
  return 1;
}

static int key_curve_m(lua_State *L) {
  char buf[80];
  const char *c = key_curve(checkkey(L, 1), buf, sizeof buf);
  if (c == NULL) return 0;
  lua_pushstring(L, c);
  return 1;
}

/* key:matches(certificate) -> is the certificate's public key this key's? */
static int key_matches(lua_State *L) {
  EVP_PKEY *k = checkkey(L, 1);
  size_t n;
  const char *p = lt_checkbytes(L, 2, &n);
  ERR_clear_error();
  X509 *x = read_x509(p, n);
  int ok = x != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), k) == 1;
  X509_free(x);
  ERR_clear_error();
  lua_pushboolean(L, ok);
  return 1;
}

/* <PrivateKey ec P-256>, <PrivateKey rsa 2048>, <PrivateKey ed25519>: never the key */
static int key_tostring(lua_State *L) {
  lt_key *k = luaL_checkudata(L, 1, KEY_MT);
  char buf[80];
  if (k->pkey == NULL) {
    lua_pushliteral(L, "<PrivateKey (freed)>");
    return 1;
  }
  const char *type = key_type(k->pkey), *curve = key_curve(k->pkey, buf, sizeof buf);
  int id = EVP_PKEY_get_base_id(k->pkey);
  if (curve) lua_pushfstring(L, "<PrivateKey %s %s>", type, curve);
  else if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) lua_pushfstring(L, "<PrivateKey %s>", type);
  else lua_pushfstring(L, "<PrivateKey %s %d>", type, EVP_PKEY_get_bits(k->pkey));
  return 1;
}

static int key_gc(lua_State *L) {
  lt_key *k = luaL_checkudata(L, 1, KEY_MT);
  EVP_PKEY_free(k->pkey);
  k->pkey = NULL;
  return 0;
}

/* ---------- certificates ---------- */

/*
** core.gen_certificate(spec) -> PEM. spec (checked by lua/x509.lua):
**   signer      PrivateKey that signs
**   issuer      the issuer's certificate (PEM); absent: self-signed
**   key | csr   the subject's PrivateKey, or a certificate request (PEM)
**               whose signature is checked and whose key is used
**   subject     { {field, value}, ... } (absent with csr: the request's)
**   serial      hex; not_before, not_after: seconds since 1970
**   ca          true: CA:TRUE (critical) [path_len]; false: CA:FALSE; nil: none
**   key_usage, ext_key_usage   "[critical,]name,name" in OpenSSL's names
**   alt_names   { 'DNS:x', ... } (absent with csr: the request's, if any)
**   ocsp, ca_issuers, crl      URLs; digest: a name; corrupt_signature
*/
static int gen_certificate(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  EVP_PKEY *signer = key_field(L, 1, "signer", 1), *pub = key_field(L, 1, "key", 0);
  lt_scratch *s = lt_scratch_new(L);
  size_t n;
  lua_Integer nb = 0, na = 0, pathlen = -1;
  X509 *issuer = x509_field(L, s, 1, "issuer");
  X509 *x = own(L, s, X509_new(), free_x509, "out of memory");
  X509_REQ *req = NULL;
  const char *csr = str_field(L, 1, "csr", &n);
  ERR_clear_error();
  if (csr) {
    if (n > 0x7fffffff) bad_arg(L, "csr", "certificate request too large");
    BIO *bio = own(L, s, BIO_new_mem_buf(csr, (int)n), free_bio, "out of memory");
    req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    if (req == NULL) bad_arg(L, "csr", "not a certificate request (PEM)");
    own(L, s, req, free_req, "certificate request");
    pub = X509_REQ_get0_pubkey(req);
    if (pub == NULL || X509_REQ_verify(req, pub) != 1)
      bad_arg(L, "csr", "the certificate request's signature does not verify");
  }
  if (pub == NULL) bad_arg(L, "key", "a subject key or a certificate request is required");
  if (issuer ? X509_check_private_key(issuer, signer) != 1 : EVP_PKEY_eq(signer, pub) != 1)
    bad_arg(L, "signer", issuer ? "the signing key is not the issuer certificate's key"
                                : "a self-signed certificate is signed by its own key");
  ERR_clear_error();
  ASN1_INTEGER *serial = serial_of(str_field(L, 1, "serial", NULL));
  if (serial == NULL) bad_arg(L, "serial", "serial must be a positive hexadecimal number");
  int ok = X509_set_serialNumber(x, serial);
  ASN1_INTEGER_free(serial);
  if (!int_field(L, 1, "not_before", &nb) || !int_field(L, 1, "not_after", &na))
    bad_arg(L, "days", "validity dates are missing");
  ok = ok && X509_set_version(x, X509_VERSION_3) && X509_set_pubkey(x, pub) &&
       ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) && ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
  if (!ok) fail(L, "ERR_OSSL_UNKNOWN", "cannot make the certificate");
  if (lua_getfield(L, 1, "subject") == LUA_TTABLE) set_name(L, lua_gettop(L), X509_get_subject_name(x));
  else if (req && !X509_set_subject_name(x, X509_REQ_get_subject_name(req))) fail(L, "ERR_OSSL_UNKNOWN", "subject");
  lua_pop(L, 1);
  if (!X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)))
    fail(L, "ERR_OSSL_UNKNOWN", "issuer name");

  /* extensions */
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
  const char *ku = usage_field(L, 1, "key_usage"), *eku = usage_field(L, 1, "ext_key_usage");
  const char *ocsp = str_field(L, 1, "ocsp", NULL), *ca_issuers = str_field(L, 1, "ca_issuers", NULL);
  const char *crl = str_field(L, 1, "crl", NULL), *digest = str_field(L, 1, "digest", NULL);
  int is_ca = lua_getfield(L, 1, "ca");
  is_ca = is_ca == LUA_TNIL ? -1 : lua_toboolean(L, -1);
  lua_pop(L, 1);
  int_field(L, 1, "path_len", &pathlen);
  if (pathlen > 1000000) bad_arg(L, "pathLen", "pathLen is too large");
  lua_getfield(L, 1, "corrupt_signature");
  int corrupt = lua_toboolean(L, -1);
  lua_pop(L, 1);
  GENERAL_NAMES *gens = NULL;
  int alt_type = lua_getfield(L, 1, "alt_names");
  if (alt_type == LUA_TTABLE) gens = alt_names(L, s, lua_gettop(L));
  lua_pop(L, 1);
  const EVP_MD *md = pick_digest(L, signer, digest);
  BIO *out = mem_bio(L, s);

  /* no Lua from here on */
  ERR_clear_error();
  char bc[64];
  if (is_ca == 1 && pathlen >= 0) snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", (int)pathlen);
  else snprintf(bc, sizeof bc, is_ca == 1 ? "critical,CA:TRUE" : "CA:FALSE");
  ok = (is_ca < 0 || add_conf_ext(x, &ctx, NID_basic_constraints, bc)) &&
       (ku == NULL || add_conf_ext(x, &ctx, NID_key_usage, ku)) &&
       (eku == NULL || add_conf_ext(x, &ctx, NID_ext_key_usage, eku)) &&
       add_conf_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
       (issuer == NULL || !has_ski(issuer) || add_conf_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (ok && gens) {
    /* with an empty subject the names are the identity: critical (RFC 5280) */
    int critical = X509_NAME_entry_count(X509_get_subject_name(x)) == 0;
    ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, critical, X509V3_ADD_REPLACE) == 1;
  } else if (ok && req && alt_type == LUA_TNIL) {
    /* the names the request asked for (and no other requested extension) */
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    int i = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
    if (i >= 0) ok = X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1) == 1;
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  ok = ok && ((ocsp == NULL && ca_issuers == NULL) || add_info_access(x, ocsp, ca_issuers)) &&
       (crl == NULL || add_crl_point(x, crl));
  if (!ok) return fail(L, "ERR_INVALID_ARG_VALUE", "cannot add the certificate's extensions");
  if (X509_sign(x, signer, md) <= 0) return fail(L, "ERR_OSSL_UNKNOWN", "cannot sign the certificate");
  if (corrupt) {
    /* one bit of the signature flipped: the certificate no longer verifies */
    const ASN1_BIT_STRING *sig;
    X509_get0_signature(&sig, NULL, x);
    if (sig && sig->length > 0) ((ASN1_BIT_STRING *)sig)->data[sig->length - 1] ^= 0x01;
  }
  if (!PEM_write_bio_X509(out, x)) return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the certificate");
  push_bio(L, out);
  lt_scratch_free(s);
  return 1;
}

/* core.gen_csr{ key, subject, alt_names, digest } -> PEM: a request signed by key */
static int gen_csr(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  EVP_PKEY *key = key_field(L, 1, "key", 1);
  lt_scratch *s = lt_scratch_new(L);
  X509_REQ *req = own(L, s, X509_REQ_new(), free_req, "out of memory");
  if (lua_getfield(L, 1, "subject") == LUA_TTABLE) set_name(L, lua_gettop(L), X509_REQ_get_subject_name(req));
  lua_pop(L, 1);
  GENERAL_NAMES *gens = NULL;
  if (lua_getfield(L, 1, "alt_names") == LUA_TTABLE) gens = alt_names(L, s, lua_gettop(L));
  lua_pop(L, 1);
  const EVP_MD *md = pick_digest(L, key, str_field(L, 1, "digest", NULL));
  BIO *out = mem_bio(L, s);
  ERR_clear_error();
  int ok = X509_REQ_set_version(req, X509_REQ_VERSION_1) && X509_REQ_set_pubkey(req, key);
  if (ok && gens) {
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *ext = exts ? X509V3_EXT_i2d(NID_subject_alt_name, 0, gens) : NULL;
    ok = ext != NULL && sk_X509_EXTENSION_push(exts, ext) > 0;
    if (!ok) X509_EXTENSION_free(ext);
    ok = ok && X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  if (!ok || X509_REQ_sign(req, key, md) <= 0) return fail(L, "ERR_OSSL_UNKNOWN", "cannot sign the request");
  if (!PEM_write_bio_X509_REQ(out, req)) return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the request");
  push_bio(L, out);
  lt_scratch_free(s);
  return 1;
}

/* ---------- revocation: CRLs and OCSP responses ---------- */

/* one revoked entry: serial (hex), date, reason (CRLReason, -1 for none) */
static int add_revoked(X509_CRL *crl, const char *hex, lua_Integer date, lua_Integer reason) {
  X509_REVOKED *r = X509_REVOKED_new();
  ASN1_INTEGER *serial = serial_of(hex);
  ASN1_TIME *t = time_of(date);
  ASN1_ENUMERATED *e = reason >= 0 ? ASN1_ENUMERATED_new() : NULL;
  int ok = r && serial && t && (reason < 0 || e) && X509_REVOKED_set_serialNumber(r, serial) &&
           X509_REVOKED_set_revocationDate(r, t) &&
           (reason < 0 || (ASN1_ENUMERATED_set(e, (long)reason) && X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, 0, 0)));
  ok = ok && X509_CRL_add0_revoked(crl, r);
  if (!ok) X509_REVOKED_free(r);
  ASN1_INTEGER_free(serial);
  ASN1_TIME_free(t);
  ASN1_ENUMERATED_free(e);
  return ok;
}

/*
** core.gen_crl{ signer, issuer, this_update, next_update, number, digest,
**   revoked = { { serial = hex, date = s, reason = n }, ... } } -> PEM (a v2 CRL)
*/
static int gen_crl(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  EVP_PKEY *signer = key_field(L, 1, "signer", 1);
  lt_scratch *s = lt_scratch_new(L);
  X509 *issuer = x509_field(L, s, 1, "issuer");
  if (issuer == NULL) bad_arg(L, "issuer", "the issuer's certificate is required");
  if (X509_check_private_key(issuer, signer) != 1) bad_arg(L, "signer", "the signing key is not the issuer certificate's key");
  X509_CRL *crl = own(L, s, X509_CRL_new(), free_crl, "out of memory");
  lua_Integer this_update = 0, next_update = 0, number = -1;
  if (!int_field(L, 1, "this_update", &this_update) || !int_field(L, 1, "next_update", &next_update))
    bad_arg(L, "days", "update times are missing");
  int_field(L, 1, "number", &number);
  const EVP_MD *md = pick_digest(L, signer, str_field(L, 1, "digest", NULL));
  BIO *out = mem_bio(L, s);
  ASN1_TIME *t1 = own(L, s, time_of(this_update), free_time, "time");
  ASN1_TIME *t2 = own(L, s, time_of(next_update), free_time, "time");
  ERR_clear_error();
  if (!X509_CRL_set_version(crl, X509_CRL_VERSION_2) || !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) ||
      !X509_CRL_set1_lastUpdate(crl, t1) || !X509_CRL_set1_nextUpdate(crl, t2))
    return fail(L, "ERR_OSSL_UNKNOWN", "cannot make the CRL");
  if (lua_getfield(L, 1, "revoked") == LUA_TTABLE) {
    int t = lua_gettop(L);
    lua_Integer count = (lua_Integer)lua_rawlen(L, t);
    for (lua_Integer i = 1; i <= count; i++) {
      lua_Integer date = this_update, reason = -1;
      lua_rawgeti(L, t, i);
      int e = lua_gettop(L);
      const char *hex = lua_istable(L, e) ? str_field(L, e, "serial", NULL) : NULL;
      if (hex) {
        int_field(L, e, "date", &date);
        int_field(L, e, "reason", &reason);
      }
      if (hex == NULL || !add_revoked(crl, hex, date, reason)) {
        lua_pushfstring(L, "revoked[%I] has no valid serial", i);
        bad_arg(L, "revoked", lua_tostring(L, -1));
      }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  int ok = 1;
  if (has_ski(issuer)) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    ok = ext && X509_CRL_add_ext(crl, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (ok && number >= 0) {
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    ok = num && ASN1_INTEGER_set_int64(num, number) && X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
    ASN1_INTEGER_free(num);
  }
  if (!ok || !X509_CRL_sort(crl) || X509_CRL_sign(crl, signer, md) <= 0)
    return fail(L, "ERR_OSSL_UNKNOWN", "cannot sign the CRL");
  if (!PEM_write_bio_X509_CRL(out, crl)) return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the CRL");
  push_bio(L, out);
  lt_scratch_free(s);
  return 1;
}

/*
** core.gen_ocsp_response{ signer, issuer, cert, status (0 good, 1 revoked,
**   2 unknown), revoked_at, reason, this_update, next_update, digest } ->
** DER of a successful OCSP response for cert, signed by its issuer.
*/
static int gen_ocsp_response(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  EVP_PKEY *signer = key_field(L, 1, "signer", 1);
  lt_scratch *s = lt_scratch_new(L);
  X509 *issuer = x509_field(L, s, 1, "issuer"), *cert = x509_field(L, s, 1, "cert");
  if (issuer == NULL || cert == NULL) bad_arg(L, "cert", "the certificate and its issuer's are required");
  if (X509_check_private_key(issuer, signer) != 1) bad_arg(L, "signer", "the signing key is not the issuer certificate's key");
  lua_Integer status = 0, revoked_at = 0, reason = -1, this_update = 0, next_update = -1;
  int_field(L, 1, "status", &status);
  int_field(L, 1, "revoked_at", &revoked_at);
  int_field(L, 1, "reason", &reason);
  int_field(L, 1, "this_update", &this_update);
  int has_next = int_field(L, 1, "next_update", &next_update);
  if (status < 0 || status > 2) bad_arg(L, "status", "status must be 'good', 'revoked' or 'unknown'");
  const EVP_MD *md = pick_digest(L, signer, str_field(L, 1, "digest", NULL));
  ERR_clear_error();
  OCSP_CERTID *id = own(L, s, OCSP_cert_to_id(EVP_sha1(), cert, issuer), free_certid, "certificate id");
  OCSP_BASICRESP *bs = own(L, s, OCSP_BASICRESP_new(), free_basicresp, "out of memory");
  ASN1_TIME *thisupd = own(L, s, time_of(this_update), free_time, "time");
  ASN1_TIME *nextupd = has_next ? own(L, s, time_of(next_update), free_time, "time") : NULL;
  ASN1_TIME *revtime = status == 1 ? own(L, s, time_of(revoked_at), free_time, "time") : NULL;
  if (!OCSP_basic_add1_status(bs, id, (int)status, status == 1 ? (int)reason : 0, revtime, thisupd, nextupd) ||
      !OCSP_basic_sign(bs, issuer, signer, md, NULL, 0))
    return fail(L, "ERR_OSSL_UNKNOWN", "cannot sign the OCSP response");
  OCSP_RESPONSE *resp = own(L, s, OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs), free_response, "OCSP response");
  unsigned char *der = NULL;
  int len = i2d_OCSP_RESPONSE(resp, &der);
  if (len <= 0) return fail(L, "ERR_OSSL_UNKNOWN", "cannot write the OCSP response");
  own(L, s, der, lt_free_openssl, "out of memory");
  lua_pushlstring(L, (const char *)der, (size_t)len);
  lt_scratch_free(s);
  return 1;
}

static const luaL_Reg key_methods[] = {
  {"pem", key_pem}, {"publicPem", key_public_pem}, {"type", key_type_m},
  {"bits", key_bits}, {"curve", key_curve_m}, {"matches", key_matches},
  {NULL, NULL}
};

static const luaL_Reg x509gen_funcs[] = {
  {"gen_key", gen_key}, {"read_key", read_key}, {"gen_certificate", gen_certificate},
  {"gen_csr", gen_csr}, {"gen_crl", gen_crl}, {"gen_ocsp_response", gen_ocsp_response},
  {NULL, NULL}
};

void lt_open_x509gen(lua_State *L) {
  lt_newclass(L, KEY_MT, key_methods, key_gc);
  luaL_getmetatable(L, KEY_MT);
  lua_pushcfunction(L, key_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  luaL_setfuncs(L, x509gen_funcs, 0);
}
