/*
** x509.c
** X509 -> the certificate object of Node's getPeerCertificate().
*/
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "luatls.h"
#include "x509.h"
#include "modules.h"

static void push_bio(lua_State *L, BIO *bio) {
  char *p;
  long n = BIO_get_mem_data(bio, &p);
  lua_pushlstring(L, p, (size_t)n);
}

/* { CN = 'localhost', O = ... }; a repeated field becomes a list */
static void push_name(lua_State *L, X509_NAME *name) {
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
    lua_pushlstring(L, (char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
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

static void add_general_name(lua_State *L, luaL_Buffer *b, GENERAL_NAME *gen) {
  const ASN1_STRING *str = NULL;
  (void)L;
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
      BIO *bio = BIO_new(BIO_s_mem());
      char *p;
      luaL_addstring(b, "DirName:");
      if (bio == NULL) return;
      X509_NAME_print_ex(bio, gen->d.directoryName, 0,
                         XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~ASN1_STRFLGS_ESC_CTRL);
      long len = BIO_get_mem_data(bio, &p);
      add_altname(b, NULL, (const unsigned char *)p, (size_t)len, 1);
      BIO_free(bio);
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

static void set_subjectaltname(lua_State *L, X509 *x) {
  GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
  if (names == NULL) return;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    if (i) luaL_addstring(&b, ", ");
    add_general_name(L, &b, sk_GENERAL_NAME_value(names, i));
  }
  luaL_pushresult(&b);
  lua_setfield(L, -2, "subjectaltname");
  GENERAL_NAMES_free(names);
}

/* infoAccess = { ['OCSP - URI'] = {...}, ['CA Issuers - URI'] = {...} } */
static void set_info_access(lua_State *L, X509 *x) {
  AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
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
  AUTHORITY_INFO_ACCESS_free(aia);
}

static void set_time(lua_State *L, const ASN1_TIME *t, const char *field) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio == NULL) return;
  if (ASN1_TIME_print(bio, t)) {
    push_bio(L, bio);
    lua_setfield(L, -2, field);
  }
  BIO_free(bio);
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

static void set_bn_hex(lua_State *L, const BIGNUM *bn, const char *field, int prefix) {
  char *hex = BN_bn2hex(bn);
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
  OPENSSL_free(hex);
}

static void set_pubkey(lua_State *L, X509 *x) {
  EVP_PKEY *pkey = X509_get0_pubkey(x);
  if (pkey == NULL) return;
  lua_pushinteger(L, EVP_PKEY_get_bits(pkey));
  lua_setfield(L, -2, "bits");
  int type = EVP_PKEY_get_base_id(pkey);
  if (type == EVP_PKEY_RSA) {
    BIGNUM *n = NULL, *e = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n)) set_bn_hex(L, n, "modulus", 0);
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) set_bn_hex(L, e, "exponent", 1);
    BN_free(n);
    BN_free(e);
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(pkey, &der);
    if (len > 0) {
      lua_pushlstring(L, (char *)der, (size_t)len);
      lua_setfield(L, -2, "pubkey");
      OPENSSL_free(der);
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

static void set_ext_key_usage(lua_State *L, X509 *x) {
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
  if (eku == NULL) return;
  lua_newtable(L);
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(eku, i), 1);
    lua_pushstring(L, oid);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "ext_key_usage");
  EXTENDED_KEY_USAGE_free(eku);
}

/* Pushes Node's certificate object for x (raw_only: just { raw = DER }). */
void lt_push_x509(lua_State *L, X509 *x, int raw_only) {
  luaL_checkstack(L, 10, "luatls x509");
  lua_createtable(L, 0, 20);
  unsigned char *der = NULL;
  int len = i2d_X509(x, &der);
  if (len > 0) {
    lua_pushlstring(L, (char *)der, (size_t)len);
    lua_setfield(L, -2, "raw");
    OPENSSL_free(der);
  }
  if (raw_only) return;
  push_name(L, X509_get_subject_name(x));
  lua_setfield(L, -2, "subject");
  push_name(L, X509_get_issuer_name(x));
  lua_setfield(L, -2, "issuer");
  set_subjectaltname(L, x);
  set_info_access(L, x);
  lua_pushboolean(L, X509_check_ca(x) == 1);   /* Node's test: a CA by its basic constraints */
  lua_setfield(L, -2, "ca");
  set_pubkey(L, x);
  set_time(L, X509_get0_notBefore(x), "valid_from");
  set_time(L, X509_get0_notAfter(x), "valid_to");
  set_fingerprint(L, x, EVP_sha1(), "fingerprint");
  set_fingerprint(L, x, EVP_sha256(), "fingerprint256");
  set_fingerprint(L, x, EVP_sha512(), "fingerprint512");
  set_ext_key_usage(L, x);
  BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  if (serial) {
    set_bn_hex(L, serial, "serialNumber", 0);
    BN_free(serial);
  }
}

/* PEM that asks for a password gets none: never a prompt on the terminal */
static int no_password(char *buf, int size, int rwflag, void *u) {
  (void)buf; (void)size; (void)rwflag; (void)u;
  return -1;
}

/* core.parse_certificate(pem_or_der) -> certificate object (for tests and tools) */
static int core_parse_certificate(lua_State *L) {
  size_t n;
  const char *p = lt_checkbytes(L, 1, &n);
  X509 *x = NULL;
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
  lt_push_x509(L, x, 0);
  X509_free(x);
  return 1;
}

static const luaL_Reg x509_funcs[] = {
  {"parse_certificate", core_parse_certificate},
  {NULL, NULL}
};

void lt_open_x509(lua_State *L) {
  luaL_setfuncs(L, x509_funcs, 0);
}
