/*
** x509.c
** X509 -> the certificate object of Node's getPeerCertificate(), and the
** X509 and key objects behind crypto.X509Certificate and crypto.KeyObject.
*/
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "luatls.h"
#include "x509.h"
#include "modules.h"
#include "scratch.h"

static void free_bio(void *p) { BIO_free(p); }
static void free_bn(void *p) { BN_free(p); }
static void free_gens(void *p) { GENERAL_NAMES_free(p); }
static void free_aia(void *p) { AUTHORITY_INFO_ACCESS_free(p); }
static void free_eku(void *p) { EXTENDED_KEY_USAGE_free(p); }

static void push_bio(lua_State *L, BIO *bio) {
  char *p;
  long n = BIO_get_mem_data(bio, &p);
  lua_pushlstring(L, p, (size_t)n);
}

/* { CN = 'localhost', O = ... }; a repeated field becomes a list */
static void push_name(lua_State *L, lt_scratch *s, X509_NAME *name) {
  lua_newtable(L);
  for (int i = 0; i < X509_NAME_entry_count(name); i++) {
    X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    char key[80];
    if (nid != NID_undef) snprintf(key, sizeof key, "%s", OBJ_nid2sn(nid));
    else OBJ_obj2txt(key, sizeof key, X509_NAME_ENTRY_get_object(e), 1);
    unsigned char *utf8;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) continue;
    lt_hold(L, s, utf8, lt_free_openssl);
    lua_pushlstring(L, (char *)utf8, (size_t)n);
    lt_release(s, utf8);
    int t = lua_getfield(L, -2, key);
    if (t == LUA_TNIL) {
      lua_pop(L, 1);
      lua_setfield(L, -2, key);
    } else if (t == LUA_TTABLE) {
      lua_insert(L, -2);
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
      lua_pop(L, 1);
    } else {
      lua_createtable(L, 2, 0);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 1);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 2);
      lua_setfield(L, -2, key);
    }
  }
}

/*
** Subject alternative names as Node prints them. A name that could be
** mistaken for several (a comma, a quote) or holds control characters is
** written as a JSON string after its type, DNS:"a.com\u002c DNS:evil.com",
** so one name can never pass for two.
*/
static int safe_altname(const unsigned char *s, size_t n, int utf8) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\' || c == ',' || c == '\'') return 0;
    if (utf8 ? (c < ' ' || c == 0x7f) : (c < ' ' || c > '~')) return 0;
  }
  return 1;
}

/* the name, quoted when it is not safe; inner_prefix ("UPN" of an othername)
   goes inside the quotes, as Node writes it */
static void add_altname(luaL_Buffer *b, const char *inner_prefix, const unsigned char *s, size_t n, int utf8) {
  int safe = safe_altname(s, n, utf8);
  if (!safe) luaL_addchar(b, '"');
  if (inner_prefix) {
    luaL_addstring(b, inner_prefix);
    luaL_addchar(b, ':');
  }
  if (safe) {
    luaL_addlstring(b, (const char *)s, n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      luaL_addchar(b, '\\');
      luaL_addchar(b, (char)c);
    } else if ((c >= ' ' && c != ',' && c <= '~') || (utf8 && (c & 0x80))) {
      luaL_addchar(b, (char)c);
    } else {
      char u[8];
      snprintf(u, sizeof u, "\\u00%02x", c);
      luaL_addstring(b, u);
    }
  }
  luaL_addchar(b, '"');
}

static void add_ip(luaL_Buffer *b, const ASN1_OCTET_STRING *ip) {
  const unsigned char *p = ASN1_STRING_get0_data(ip);
  int n = ASN1_STRING_length(ip);
  char buf[64];
  if (n == 4) {
    snprintf(buf, sizeof buf, "IP Address:%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
  } else if (n == 16) {
    int k = snprintf(buf, sizeof buf, "IP Address:");
    for (int j = 0; j < 8; j++)
      k += snprintf(buf + k, sizeof buf - (size_t)k, j ? ":%X" : "%X", (p[2 * j] << 8) | p[2 * j + 1]);
  } else {
    snprintf(buf, sizeof buf, "IP Address:<invalid length=%d>", n);
  }
  luaL_addstring(b, buf);
}

/* the othername types Node prints (OpenSSL 3's GENERAL_NAME_print), and whether UTF-8 */
static const char *othername_prefix(const OTHERNAME *on, int *utf8) {
  *utf8 = 1;
  switch (OBJ_obj2nid(on->type_id)) {
    case NID_id_on_SmtpUTF8Mailbox: return "SmtpUTF8Mailbox";
    case NID_XmppAddr: return "XmppAddr";
    case NID_SRVName: *utf8 = 0; return "SRVName";
    case NID_ms_upn: return "UPN";
    case NID_NAIRealm: return "NAIRealm";
    default: return NULL;
  }
}

static void add_general_name(lua_State *L, lt_scratch *s, luaL_Buffer *b, GENERAL_NAME *gen) {
  const ASN1_STRING *str = NULL;
  switch (gen->type) {
    case GEN_DNS: str = gen->d.dNSName; luaL_addstring(b, "DNS:"); break;
    case GEN_EMAIL: str = gen->d.rfc822Name; luaL_addstring(b, "email:"); break;
    case GEN_URI: str = gen->d.uniformResourceIdentifier; luaL_addstring(b, "URI:"); break;
    case GEN_IPADD: add_ip(b, gen->d.iPAddress); return;
    case GEN_RID: {
      char oid[128];
      OBJ_obj2txt(oid, sizeof oid, gen->d.registeredID, 1);
      luaL_addstring(b, "Registered ID:");
      luaL_addstring(b, oid);
      return;
    }
    case GEN_DIRNAME: {
      BIO *bio = lt_hold(L, s, BIO_new(BIO_s_mem()), free_bio);
      char *p;
      luaL_addstring(b, "DirName:");
      if (bio == NULL) return;
      X509_NAME_print_ex(bio, gen->d.directoryName, 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~ASN1_STRFLGS_ESC_CTRL);
      long len = BIO_get_mem_data(bio, &p);
      add_altname(b, NULL, (const unsigned char *)p, (size_t)len, 1);
      lt_release(s, bio);
      return;
    }
    case GEN_OTHERNAME: {
      int utf8;
      const char *prefix = othername_prefix(gen->d.otherName, &utf8);
      const ASN1_TYPE *v = gen->d.otherName->value;
      if (prefix == NULL || v->type != (utf8 ? V_ASN1_UTF8STRING : V_ASN1_IA5STRING)) {
        luaL_addstring(b, "othername:<unsupported>");
        return;
      }
      const ASN1_STRING *name = utf8 ? v->value.utf8string : v->value.ia5string;
      luaL_addstring(b, "othername:");
      add_altname(b, prefix, ASN1_STRING_get0_data(name), (size_t)ASN1_STRING_length(name), utf8);
      return;
    }
    case GEN_X400: luaL_addstring(b, "X400Name:<unsupported>"); return;
    case GEN_EDIPARTY: luaL_addstring(b, "EdiPartyName:<unsupported>"); return;
    default: return;
  }
  add_altname(b, NULL, ASN1_STRING_get0_data(str), (size_t)ASN1_STRING_length(str), 0);
}

/* pushes the subject alternative names as Node prints them; 0 (nothing pushed) without any */
static int push_subjectaltname(lua_State *L, lt_scratch *s, X509 *x) {
  GENERAL_NAMES *names = lt_hold(L, s, X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL), free_gens);
  if (names == NULL) return 0;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    if (i) luaL_addstring(&b, ", ");
    add_general_name(L, s, &b, sk_GENERAL_NAME_value(names, i));
  }
  lt_release(s, names);
  luaL_pushresult(&b);
  return 1;
}

static void set_subjectaltname(lua_State *L, lt_scratch *s, X509 *x) {
  if (push_subjectaltname(L, s, x)) lua_setfield(L, -2, "subjectaltname");
}

/* infoAccess = { ['OCSP - URI'] = {...}, ['CA Issuers - URI'] = {...} } */
static void set_info_access(lua_State *L, lt_scratch *s, X509 *x) {
  AUTHORITY_INFO_ACCESS *aia = lt_hold(L, s, X509_get_ext_d2i(x, NID_info_access, NULL, NULL), free_aia);
  if (aia == NULL) return;
  lua_newtable(L);
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
    ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    if (ad->location->type != GEN_URI) continue;
    char method[80];
    OBJ_obj2txt(method, sizeof method, ad->method, 0);
    lua_pushfstring(L, "%s - URI", method);
    if (lua_rawget(L, -2) == LUA_TNIL) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushfstring(L, "%s - URI", method);
      lua_pushvalue(L, -2);
      lua_rawset(L, -4);
    }
    ASN1_IA5STRING *uri = ad->location->d.uniformResourceIdentifier;
    lua_pushlstring(L, (const char *)ASN1_STRING_get0_data(uri), (size_t)ASN1_STRING_length(uri));
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, "infoAccess");
  lt_release(s, aia);
}

static void set_time(lua_State *L, lt_scratch *s, const ASN1_TIME *t, const char *field) {
  BIO *bio = lt_hold(L, s, BIO_new(BIO_s_mem()), free_bio);
  if (bio == NULL) return;
  if (ASN1_TIME_print(bio, t)) {
    push_bio(L, bio);
    lua_setfield(L, -2, field);
  }
  lt_release(s, bio);
}

static void set_fingerprint(lua_State *L, X509 *x, const EVP_MD *md, const char *field) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n;
  char hex[EVP_MAX_MD_SIZE * 3];
  if (!X509_digest(x, md, d, &n) || n == 0) return;
  for (unsigned int i = 0; i < n; i++)
    snprintf(hex + i * 3, 4, "%02X%s", d[i], i + 1 < n ? ":" : "");
  lua_pushstring(L, hex);
  lua_setfield(L, -2, field);
}

static void set_bn_hex(lua_State *L, lt_scratch *s, const BIGNUM *bn, const char *field, int prefix) {
  char *hex = lt_hold(L, s, BN_bn2hex(bn), lt_free_openssl);
  if (hex == NULL) return;
  if (prefix) {
    /* exponent as Node writes it: 0x10001 */
    char buf[80];
    const char *p = hex;
    size_t i = 0;
    while (*p == '0' && p[1]) p++;
    for (; *p && i + 1 < sizeof buf; p++)
      buf[i++] = (char)((*p >= 'A' && *p <= 'F') ? *p + 32 : *p);
    buf[i] = '\0';
    lua_pushfstring(L, "0x%s", buf);
  } else {
    lua_pushstring(L, hex);
  }
  lua_setfield(L, -2, field);
  lt_release(s, hex);
}

static void set_pubkey(lua_State *L, lt_scratch *s, X509 *x) {
  EVP_PKEY *pkey = X509_get0_pubkey(x);
  if (pkey == NULL) return;
  lua_pushinteger(L, EVP_PKEY_get_bits(pkey));
  lua_setfield(L, -2, "bits");
  int type = EVP_PKEY_get_base_id(pkey);
  if (type == EVP_PKEY_RSA) {
    BIGNUM *n = NULL, *e = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) && lt_hold(L, s, n, free_bn)) {
      set_bn_hex(L, s, n, "modulus", 0);
      lt_release(s, n);
    }
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) && lt_hold(L, s, e, free_bn)) {
      set_bn_hex(L, s, e, "exponent", 1);
      lt_release(s, e);
    }
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len > 0 && lt_hold(L, s, der, lt_free_openssl)) {
      lua_pushlstring(L, (char *)der, (size_t)len);
      lua_setfield(L, -2, "pubkey");
      lt_release(s, der);
    }
  } else if (type == EVP_PKEY_EC) {
    char group[64];
    size_t glen;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen)) {
      lua_pushstring(L, group);
      lua_setfield(L, -2, "asn1Curve");
      const char *nist = EC_curve_nid2nist(OBJ_sn2nid(group));
      if (nist) { lua_pushstring(L, nist); lua_setfield(L, -2, "nistCurve"); }
    }
    unsigned char pt[256];
    size_t plen;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt, &plen)) {
      lua_pushlstring(L, (char *)pt, plen);
      lua_setfield(L, -2, "pubkey");
    }
  }
}

static void set_ext_key_usage(lua_State *L, lt_scratch *s, X509 *x) {
  EXTENDED_KEY_USAGE *eku = lt_hold(L, s, X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL), free_eku);
  if (eku == NULL) return;
  lua_newtable(L);
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1);
    lua_pushstring(L, oid);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "ext_key_usage");
  lt_release(s, eku);
}

static void set_raw(lua_State *L, X509 *x) {
  int len = i2d_X509(x, NULL);
  if (len <= 0) return;
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)len);
  i2d_X509(x, &p);
  luaL_pushresultsize(&b, (size_t)len);
  lua_setfield(L, -2, "raw");
}

static void set_fields(lua_State *L, lt_scratch *s, X509 *x) {
  push_name(L, s, X509_get_subject_name(x));
  lua_setfield(L, -2, "subject");
  push_name(L, s, X509_get_issuer_name(x));
  lua_setfield(L, -2, "issuer");
  set_subjectaltname(L, s, x);
  set_info_access(L, s, x);
  lua_pushboolean(L, X509_check_ca(x) > 0);
  lua_setfield(L, -2, "ca");
  set_pubkey(L, s, x);
  set_time(L, s, X509_get0_notBefore(x), "valid_from");
  set_time(L, s, X509_get0_notAfter(x), "valid_to");
  set_fingerprint(L, x, EVP_sha1(), "fingerprint");
  set_fingerprint(L, x, EVP_sha256(), "fingerprint256");
  set_fingerprint(L, x, EVP_sha512(), "fingerprint512");
  set_ext_key_usage(L, s, x);
  BIGNUM *serial = lt_hold(L, s, ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL), free_bn);
  if (serial) {
    set_bn_hex(L, s, serial, "serialNumber", 0);
    lt_release(s, serial);
  }
}

/* Pushes Node's certificate object for x (raw_only: just { raw = DER }). */
void lt_push_x509(lua_State *L, X509 *x, int raw_only) {
  luaL_checkstack(L, 10, "luatls x509");
  lt_scratch *s = raw_only ? NULL : lt_scratch_new(L);
  lua_createtable(L, 0, 20);
  set_raw(L, x);
  if (raw_only) return;
  set_fields(L, s, x);
  lt_scratch_free(s);
  lua_remove(L, -2);
}

/* ---------- X509 objects: what crypto.X509Certificate reads ---------- */

typedef struct {
  X509 *x;
} lt_x509;

typedef struct {
  EVP_PKEY *pkey;
  int is_private;
} lt_pkey;

/* pushes a new X509 object holding its own reference to x */
void lt_push_x509_object(lua_State *L, X509 *x) {
  lt_x509 *o = lua_newuserdatauv(L, sizeof *o, 0);
  o->x = NULL;
  luaL_setmetatable(L, X509_MT);
  if (X509_up_ref(x)) o->x = x;
}

static X509 *checkx509(lua_State *L, int idx) {
  lt_x509 *o = luaL_checkudata(L, idx, X509_MT);
  if (o->x == NULL) luaL_argerror(L, idx, "certificate is gone");
  return o->x;
}

static int x509_gc(lua_State *L) {
  lt_x509 *o = luaL_checkudata(L, 1, X509_MT);
  X509_free(o->x);
  o->x = NULL;
  return 0;
}

/* pushes an empty key object; the key put in it is freed with it */
static lt_pkey *new_pkey(lua_State *L, int is_private) {
  lt_pkey *k = lua_newuserdatauv(L, sizeof *k, 0);
  k->pkey = NULL;
  k->is_private = is_private;
  luaL_setmetatable(L, PKEY_MT);
  return k;
}

static lt_pkey *checkpkey(lua_State *L, int idx) {
  lt_pkey *k = luaL_checkudata(L, idx, PKEY_MT);
  if (k->pkey == NULL) luaL_argerror(L, idx, "key is gone");
  return k;
}

static int pkey_gc(lua_State *L) {
  lt_pkey *k = luaL_checkudata(L, 1, PKEY_MT);
  EVP_PKEY_free(k->pkey);
  k->pkey = NULL;
  return 0;
}

/* a memory BIO that the Lua stack owns, so an error raised meanwhile frees it */
static BIO *membio(lua_State *L) {
  BIO **slot = lua_newuserdatauv(L, sizeof *slot, 0);
  *slot = NULL;
  luaL_setmetatable(L, "luatls.BIO");
  *slot = BIO_new(BIO_s_mem());
  if (*slot == NULL) {
    lt_push_error(L, "ERR_OUT_OF_MEMORY", "not enough memory");
    lua_error(L);
  }
  return *slot;
}

static int bio_gc(lua_State *L) {
  BIO **slot = luaL_checkudata(L, 1, "luatls.BIO");
  BIO_free(*slot);
  *slot = NULL;
  return 0;
}

/* replaces the BIO (on top of the stack) by its contents, or by nil when
   empty or when what wrote it failed */
static int push_bio_contents(lua_State *L, BIO *bio, int ok) {
  char *p;
  long n = ok ? BIO_get_mem_data(bio, &p) : 0;
  if (n > 0) lua_pushlstring(L, p, (size_t)n);
  else lua_pushnil(L);
  lua_remove(L, -2);
  ERR_clear_error();
  return 1;
}

/* Node's multi-line form: "C=US\nO=luatls test\nCN=localhost" */
#define NAME_FLAGS_MULTILINE (ASN1_STRFLGS_ESC_2253 | ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_UTF8_CONVERT | \
                              XN_FLAG_SEP_MULTILINE | XN_FLAG_FN_SN)

static int x509_name(lua_State *L, X509_NAME *name) {
  BIO *bio = membio(L);
  return push_bio_contents(L, bio, X509_NAME_print_ex(bio, name, 0, NAME_FLAGS_MULTILINE) > 0);
}

static int x509_subject(lua_State *L) { return x509_name(L, X509_get_subject_name(checkx509(L, 1))); }
static int x509_issuer(lua_State *L) { return x509_name(L, X509_get_issuer_name(checkx509(L, 1))); }

static int x509_subject_alt_name(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_scratch *s = lt_scratch_new(L);
  if (!push_subjectaltname(L, s, x)) lua_pushnil(L);
  lt_scratch_free(s);
  return 1;
}

/* "OCSP - URI:http://...\nCA Issuers - URI:..." as Node prints it */
static int x509_info_access(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_scratch *s = lt_scratch_new(L);
  AUTHORITY_INFO_ACCESS *aia = lt_hold(L, s, X509_get_ext_d2i(x, NID_info_access, NULL, NULL), free_aia);
  if (aia == NULL) {
    lua_pushnil(L);
    return 1;
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
    ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    char method[80];
    if (i) luaL_addchar(&b, '\n');
    i2t_ASN1_OBJECT(method, sizeof method, ad->method);
    luaL_addstring(&b, method);
    luaL_addstring(&b, " - ");
    add_general_name(L, s, &b, ad->location);
  }
  luaL_pushresult(&b);
  lt_scratch_free(s);
  return 1;
}

static int x509_serial_number(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_scratch *s = lt_scratch_new(L);
  BIGNUM *serial = lt_hold(L, s, ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL), free_bn);
  char *hex = serial ? lt_hold(L, s, BN_bn2hex(serial), lt_free_openssl) : NULL;
  if (hex == NULL) return 0;
  lua_pushstring(L, hex);
  lt_scratch_free(s);
  return 1;
}

static int x509_time(lua_State *L, const ASN1_TIME *t) {
  BIO *bio = membio(L);
  return push_bio_contents(L, bio, ASN1_TIME_print(bio, t));
}

static int x509_valid_from(lua_State *L) { return x509_time(L, X509_get0_notBefore(checkx509(L, 1))); }
static int x509_valid_to(lua_State *L) { return x509_time(L, X509_get0_notAfter(checkx509(L, 1))); }

/* x:fingerprint('sha1' | 'sha256' | 'sha512') -> 'AB:CD:...' */
static int x509_fingerprint(lua_State *L) {
  X509 *x = checkx509(L, 1);
  static const char *const names[] = { "sha1", "sha256", "sha512", NULL };
  int which = luaL_checkoption(L, 2, "sha1", names);
  const EVP_MD *md = which == 0 ? EVP_sha1() : which == 1 ? EVP_sha256() : EVP_sha512();
  lua_newtable(L);
  set_fingerprint(L, x, md, "f");
  lua_getfield(L, -1, "f");
  return 1;
}

/* the extended key usages as OIDs, or nil */
static int x509_key_usage(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_scratch *s = lt_scratch_new(L);
  lua_newtable(L);
  set_ext_key_usage(L, s, x);
  lt_scratch_free(s);
  lua_getfield(L, -1, "ext_key_usage");
  return 1;
}

static int x509_ca(lua_State *L) {
  lua_pushboolean(L, X509_check_ca(checkx509(L, 1)) == 1);
  return 1;
}

static int x509_der(lua_State *L) {
  X509 *x = checkx509(L, 1);
  int len = i2d_X509(x, NULL);
  if (len <= 0) return 0;
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)len);
  i2d_X509(x, &p);
  luaL_pushresultsize(&b, (size_t)len);
  return 1;
}

static int x509_pem(lua_State *L) {
  X509 *x = checkx509(L, 1);
  BIO *bio = membio(L);
  return push_bio_contents(L, bio, PEM_write_bio_X509(bio, x));
}

static int x509_public_key(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_pkey *k = new_pkey(L, 0);
  k->pkey = X509_get_pubkey(x);
  ERR_clear_error();
  return k->pkey ? 1 : 0;
}

/* the answer of X509_check_host/email/ip: 1 the name (pushed), 0 nothing, else an error */
static int check_result(lua_State *L, int r, const char *invalid) {
  if (r == 1) return 1;
  ERR_clear_error();
  if (r == 0) return 0;
  lt_push_error(L, r == -2 ? "ERR_INVALID_ARG_VALUE" : "ERR_CRYPTO_OPERATION_FAILED",
                r == -2 ? invalid : "Operation failed");
  return lua_error(L);
}

/* x:check_host(name, flags) -> the name in the certificate that matched, or nothing */
static int x509_check_host(lua_State *L) {
  X509 *x = checkx509(L, 1);
  size_t n;
  const char *name = luaL_checklstring(L, 2, &n);
  unsigned int flags = (unsigned int)luaL_checkinteger(L, 3);
  luaL_checkstack(L, 2, NULL);
  char *peername = NULL;
  int r = X509_check_host(x, name, n, flags, &peername);
  if (r == 1) {
    lua_pushstring(L, peername ? peername : name);
    OPENSSL_free(peername);
  }
  return check_result(L, r, "Invalid name");
}

static int x509_check_email(lua_State *L) {
  X509 *x = checkx509(L, 1);
  size_t n;
  const char *email = luaL_checklstring(L, 2, &n);
  unsigned int flags = (unsigned int)luaL_checkinteger(L, 3);
  int r = X509_check_email(x, email, n, flags);
  if (r == 1) lua_pushvalue(L, 2);
  return check_result(L, r, "Invalid name");
}

static int x509_check_ip(lua_State *L) {
  X509 *x = checkx509(L, 1);
  const char *ip = luaL_checkstring(L, 2);
  unsigned int flags = (unsigned int)luaL_checkinteger(L, 3);
  int r = X509_check_ip_asc(x, ip, flags);
  if (r == 1) lua_pushvalue(L, 2);
  return check_result(L, r, "Invalid IP string");
}

/* x:check_issued(other): was x issued by other? */
static int x509_check_issued(lua_State *L) {
  X509 *x = checkx509(L, 1), *issuer = checkx509(L, 2);
  lua_pushboolean(L, X509_check_issued(issuer, x) == X509_V_OK);
  ERR_clear_error();
  return 1;
}

static int x509_check_private_key(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_pkey *k = checkpkey(L, 2);
  lua_pushboolean(L, X509_check_private_key(x, k->pkey) == 1);
  ERR_clear_error();
  return 1;
}

/* x:verify(pkey): is x signed by that key? */
static int x509_verify(lua_State *L) {
  X509 *x = checkx509(L, 1);
  lt_pkey *k = checkpkey(L, 2);
  lua_pushboolean(L, X509_verify(x, k->pkey) > 0);
  ERR_clear_error();
  return 1;
}

/* the object of getPeerCertificate() */
static int x509_legacy(lua_State *L) {
  lt_push_x509(L, checkx509(L, 1), 0);
  return 1;
}

/* PEM that asks for a password gets none: never a prompt on the terminal */
static int no_password(char *buf, int size, int rwflag, void *u) {
  (void)buf; (void)size; (void)rwflag; (void)u;
  return -1;
}

/* core.x509_parse(pem_or_der): PEM first (TRUSTED CERTIFICATE too), then DER;
   a failure is the PEM attempt's error, as in Node */
static int core_x509_parse(lua_State *L) {
  size_t n;
  const char *p = lt_checkbytes(L, 1, &n);
  lt_x509 *o = lua_newuserdatauv(L, sizeof *o, 0);
  o->x = NULL;
  luaL_setmetatable(L, X509_MT);
  ERR_clear_error();
  BIO *bio = BIO_new_mem_buf(p, (int)n);
  X509 *x = bio ? PEM_read_bio_X509_AUX(bio, NULL, no_password, NULL) : NULL;
  BIO_free(bio);
  if (x == NULL) {
    unsigned long pem_error = ERR_peek_error();
    const unsigned char *q = (const unsigned char *)p;
    x = d2i_X509(NULL, &q, (long)n);
    ERR_clear_error();
    if (x == NULL) {
      if (pem_error) lt_push_ssl_error(L, pem_error);
      else lt_push_error(L, "ERR_INVALID_ARG_VALUE", "not a certificate");
      return lua_error(L);
    }
  }
  ERR_clear_error();
  o->x = x;   /* freed with the object */
  return 1;
}

/* ---------- keys: what crypto.KeyObject reads ---------- */

static const char *pkey_type_name(EVP_PKEY *pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: return "rsa";
    case EVP_PKEY_RSA_PSS: return "rsa-pss";
    case EVP_PKEY_DSA: return "dsa";
    case EVP_PKEY_DH: return "dh";
    case EVP_PKEY_EC: return "ec";
    case EVP_PKEY_ED25519: return "ed25519";
    case EVP_PKEY_ED448: return "ed448";
    case EVP_PKEY_X25519: return "x25519";
    case EVP_PKEY_X448: return "x448";
    default: return NULL;
  }
}

static int pkey_is_private(lua_State *L) {
  lua_pushboolean(L, checkpkey(L, 1)->is_private);
  return 1;
}

static int pkey_key_type(lua_State *L) {
  const char *t = pkey_type_name(checkpkey(L, 1)->pkey);
  if (t == NULL) return 0;
  lua_pushstring(L, t);
  return 1;
}

/* Node's asymmetricKeyDetails: modulusLength and publicExponent (RSA),
   namedCurve (EC), modulusLength and divisorLength (DSA) */
static int pkey_details(lua_State *L) {
  EVP_PKEY *pkey = checkpkey(L, 1)->pkey;
  int id = EVP_PKEY_get_base_id(pkey);
  lua_newtable(L);
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) {
    lua_pushinteger(L, EVP_PKEY_get_bits(pkey));
    lua_setfield(L, -2, "modulusLength");
  }
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    BIGNUM *e = NULL;
    lua_Integer v = -1;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) && BN_num_bits(e) <= 62)
      v = (lua_Integer)BN_get_word(e);
    BN_free(e);
    if (v >= 0) {
      lua_pushinteger(L, v);
      lua_setfield(L, -2, "publicExponent");
    }
  } else if (id == EVP_PKEY_DSA) {
    BIGNUM *q = NULL;
    int bits = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_FFC_Q, &q) ? BN_num_bits(q) : -1;
    BN_free(q);
    if (bits >= 0) {
      lua_pushinteger(L, bits);
      lua_setfield(L, -2, "divisorLength");
    }
  } else if (id == EVP_PKEY_EC) {
    char group[64];
    size_t glen;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen)) {
      lua_pushstring(L, group);
      lua_setfield(L, -2, "namedCurve");
    }
  }
  ERR_clear_error();
  return 1;
}

/* k:export(der) -> SPKI (public) or PKCS#8 (private), PEM or DER */
static int pkey_export(lua_State *L) {
  lt_pkey *k = checkpkey(L, 1);
  int der = lua_toboolean(L, 2);
  BIO *bio = membio(L);
  int ok;
  if (k->is_private) ok = der ? i2d_PKCS8PrivateKey_bio(bio, k->pkey, NULL, NULL, 0, NULL, NULL)
                              : PEM_write_bio_PKCS8PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL);
  else ok = der ? i2d_PUBKEY_bio(bio, k->pkey) : PEM_write_bio_PUBKEY(bio, k->pkey);
  return push_bio_contents(L, bio, ok);
}

static int pkey_equals(lua_State *L) {
  lt_pkey *a = checkpkey(L, 1), *b = checkpkey(L, 2);
  lua_pushboolean(L, a->is_private == b->is_private && EVP_PKEY_eq(a->pkey, b->pkey) == 1);
  ERR_clear_error();
  return 1;
}

/* the public half of a private key, as a key object of its own */
static int pkey_public(lua_State *L) {
  lt_pkey *k = checkpkey(L, 1), *pub = new_pkey(L, 0);
  if (!EVP_PKEY_up_ref(k->pkey)) return 0;
  pub->pkey = k->pkey;
  return 1;
}

static int pass_cb(char *buf, int size, int rwflag, void *u) {
  const char *pass = u;
  (void)rwflag;
  if (pass == NULL) return -1;
  int n = (int)strlen(pass);
  if (n > size) n = size;
  memcpy(buf, pass, (size_t)n);
  return n;
}

/*
** core.pkey_parse(data, private[, passphrase]) -> key. A public key comes
** from a PEM public key, certificate or private key, or from DER SPKI; a
** private one from PEM or DER (PKCS#8, PKCS#1, SEC1), encrypted with passphrase.
*/
static int core_pkey_parse(lua_State *L) {
  size_t n;
  const char *p = lt_checkbytes(L, 1, &n);
  int want_private = lua_toboolean(L, 2);
  const char *pass = luaL_optstring(L, 3, NULL);
  lt_pkey *k = new_pkey(L, want_private);
  EVP_PKEY *pkey = NULL;
  unsigned long first = 0;
  ERR_clear_error();
  if (n >= 10 && memcmp(p, "-----BEGIN", 10) == 0) {
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (bio && want_private) {
      pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)pass);
    } else if (bio) {
      pkey = PEM_read_bio_PUBKEY(bio, NULL, pass_cb, (void *)pass);
      first = pkey ? 0 : ERR_peek_error();
      if (pkey == NULL && BIO_reset(bio) == 1) {
        X509 *x = PEM_read_bio_X509(bio, NULL, pass_cb, (void *)pass);
        if (x) {
          pkey = X509_get_pubkey(x);
          X509_free(x);
        }
      }
      if (pkey == NULL && BIO_reset(bio) == 1) pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, (void *)pass);
    }
    BIO_free(bio);
  } else {
    const unsigned char *q = (const unsigned char *)p;
    pkey = want_private ? d2i_AutoPrivateKey(NULL, &q, (long)n) : d2i_PUBKEY(NULL, &q, (long)n);
  }
  if (pkey == NULL) {
    unsigned long e = first != 0 ? first : ERR_peek_error();
    ERR_clear_error();
    if (e) lt_push_ssl_error(L, e);
    else lt_push_error(L, "ERR_INVALID_ARG_VALUE", "not a key");
    return lua_error(L);
  }
  ERR_clear_error();
  k->pkey = pkey;
  return 1;
}

/* core.parse_certificate(pem_or_der) -> certificate object (for tests and tools) */
static int push_x509_protected(lua_State *L) {
  lt_push_x509(L, lua_touserdata(L, 1), 0);
  return 1;
}

static int core_parse_certificate(lua_State *L) {
  size_t n;
  const char *p = lt_checkbytes(L, 1, &n);
  X509 *x = NULL;
  luaL_checkstack(L, 4, "parse_certificate");   /* before anything needs freeing */
  if (n > 10 && memcmp(p, "-----BEGIN", 10) == 0) {
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (bio) x = PEM_read_bio_X509(bio, NULL, no_password, NULL);
    BIO_free(bio);
  } else {
    const unsigned char *q = (const unsigned char *)p;
    x = d2i_X509(NULL, &q, (long)n);
  }
  if (x == NULL) {
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_INVALID_ARG_VALUE", "not a certificate");
    return lua_error(L);
  }
  /* the certificate is freed whether or not Lua runs out of memory building the table */
  lua_pushcfunction(L, push_x509_protected);
  lua_pushlightuserdata(L, x);
  int status = lua_pcall(L, 1, 1, 0);
  X509_free(x);
  if (status != LUA_OK) return lua_error(L);
  return 1;
}

static const luaL_Reg x509_funcs[] = {
  {"parse_certificate", core_parse_certificate}, {"x509_parse", core_x509_parse},
  {"pkey_parse", core_pkey_parse},
  {NULL, NULL}
};

static const luaL_Reg x509_methods[] = {
  {"subject", x509_subject}, {"issuer", x509_issuer}, {"subject_alt_name", x509_subject_alt_name},
  {"info_access", x509_info_access}, {"serial_number", x509_serial_number},
  {"valid_from", x509_valid_from}, {"valid_to", x509_valid_to}, {"fingerprint", x509_fingerprint},
  {"key_usage", x509_key_usage}, {"ca", x509_ca}, {"der", x509_der}, {"pem", x509_pem},
  {"public_key", x509_public_key}, {"check_host", x509_check_host}, {"check_email", x509_check_email},
  {"check_ip", x509_check_ip}, {"check_issued", x509_check_issued},
  {"check_private_key", x509_check_private_key}, {"verify", x509_verify}, {"legacy", x509_legacy},
  {NULL, NULL}
};

static const luaL_Reg pkey_methods[] = {
  {"is_private", pkey_is_private}, {"key_type", pkey_key_type}, {"details", pkey_details},
  {"export", pkey_export}, {"equals", pkey_equals}, {"public", pkey_public},
  {NULL, NULL}
};

static const luaL_Reg bio_methods[] = { {NULL, NULL} };

void lt_open_x509(lua_State *L) {
  lt_newclass(L, X509_MT, x509_methods, x509_gc);
  lt_newclass(L, PKEY_MT, pkey_methods, pkey_gc);
  lt_newclass(L, "luatls.BIO", bio_methods, bio_gc);
  luaL_setfuncs(L, x509_funcs, 0);
  lua_createtable(L, 0, 6);
#define FLAG(name) lua_pushinteger(L, X509_CHECK_FLAG_##name); lua_setfield(L, -2, #name);
  FLAG(ALWAYS_CHECK_SUBJECT) FLAG(NEVER_CHECK_SUBJECT) FLAG(NO_WILDCARDS) FLAG(NO_PARTIAL_WILDCARDS)
  FLAG(MULTI_LABEL_WILDCARDS) FLAG(SINGLE_LABEL_SUBDOMAINS)
#undef FLAG
  lua_setfield(L, -2, "x509_check_flags");
}
