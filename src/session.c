/*
** session.c
** Session resumption: the new-session callback ('session' on clients,
** 'newSession' on servers), a client-hello callback that pauses the
** handshake while 'resumeSession' looks a session up (OpenSSL 3.0 has no
** pending-session return), the lookup callback that hands that session
** over, and ticket keys as Node has them (48 bytes: name, HMAC, AES).
*/
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "stream.h"
#include "context.h"
#include "modules.h"

#define TICKET_KEYS 48

typedef struct {
  unsigned char cur[TICKET_KEYS], prev[TICKET_KEYS];
  int has_prev;
} ticket_keys;

static int keys_index = -1;

static void free_keys(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
  OPENSSL_clear_free(ptr, sizeof(ticket_keys));
}

static ticket_keys *keys_of(SSL_CTX *ctx) { return SSL_CTX_get_ex_data(ctx, keys_index); }

/* ---------- new sessions ---------- */

static void push_session_id(lua_State *L, SSL_SESSION *sess) {
  unsigned int n;
  const unsigned char *id = SSL_SESSION_get_id(sess, &n);
  lua_pushlstring(L, (const char *)id, n);
}

static int push_session_der(lua_State *L, SSL_SESSION *sess) {
  int n = i2d_SSL_SESSION(sess, NULL);
  if (n <= 0) return 0;
  luaL_Buffer b;
  unsigned char *p = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
  i2d_SSL_SESSION(sess, &p);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

/* pushes id and DER of a new session (inside the protected emit) */
static void push_new_session(lua_State *L, void *ud) {
  SSL_SESSION *sess = ud;
  push_session_id(L, sess);
  if (!push_session_der(L, sess)) lua_pushnil(L);
}

/*
** Clients keep no session in the context: the script has them ('session').
** Servers with session hooks bypass the built-in cache (ctx:session_cache).
*/
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  lt_stream *s = SSL_get_app_data(ssl);
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  int server = SSL_is_server(ssl);
  if (!server) SSL_CTX_remove_session(ctx, sess);
  if (s == NULL || s->closed || !(s->hooks & HOOK_SESSION_NEW)) return 0;
  lt_hooks_emit(s, server ? "newsession" : "session", push_new_session, sess);
  return 0;   /* we keep no reference */
}

/* ---------- resumeSession ---------- */

/* the id a ClientHello offers: TLS 1.2 session id, or a short TLS 1.3 PSK identity
   (a stateful server's "ticket" is its session id); none when it carries a ticket */
static size_t offered_id(SSL *ssl, const unsigned char **id) {
  const unsigned char *ext;
  size_t len;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_session_ticket, &ext, &len) && len > 0) return 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_psk, &ext, &len) && len >= 4) {
    size_t n = ((size_t)ext[2] << 8) | ext[3];
    if (n > 0 && n <= SSL_MAX_SSL_SESSION_ID_LENGTH && len >= 4 + n) {
      *id = ext + 4;
      return n;
    }
    return 0;
  }
  const unsigned char *versions;
  size_t vlen;
  /* a TLS 1.3 hello without PSK: its legacy session id is random, not a session */
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &versions, &vlen)) {
    for (size_t i = 1; i + 1 < vlen; i += 2)
      if (versions[i] == 0x03 && versions[i + 1] == 0x04 && SSL_get_max_proto_version(ssl) != TLS1_2_VERSION)
        return 0;
  }
  return SSL_client_hello_get0_session_id(ssl, id);
}

typedef struct {
  const unsigned char *id;
  size_t n;
} offered;

static void push_offered(lua_State *L, void *ud) {
  offered *o = ud;
  lua_pushlstring(L, (const char *)o->id, o->n);
}

static int client_hello_cb(SSL *ssl, int *al, void *arg) {
  lt_stream *s = SSL_get_app_data(ssl);
  (void)al; (void)arg;
  if (s == NULL || !(s->hooks & HOOK_SESSION_RESUME)) return SSL_CLIENT_HELLO_SUCCESS;
  if (s->resume_state == CERT_IDLE) {
    const unsigned char *id = NULL;
    size_t n = offered_id(ssl, &id);
    if (n == 0) return SSL_CLIENT_HELLO_SUCCESS;
    s->resume_state = CERT_RUNNING;
    offered o = { id, n };
    int r = lt_hooks_emit(s, "resumesession", push_offered, &o);
    if (r == 0) return SSL_CLIENT_HELLO_SUCCESS;
    if (r < 0) return SSL_CLIENT_HELLO_ERROR;
  }
  if (s->closed) return SSL_CLIENT_HELLO_ERROR;
  return s->resume_state == CERT_RUNNING ? SSL_CLIENT_HELLO_RETRY : SSL_CLIENT_HELLO_SUCCESS;
}

/* the lookup: hand over the session resumeSession found (OpenSSL takes our reference) */
static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int len, int *copy) {
  lt_stream *s = SSL_get_app_data(ssl);
  *copy = 0;
  if (s == NULL || s->next_session == NULL) return NULL;
  unsigned int n;
  const unsigned char *sid = SSL_SESSION_get_id(s->next_session, &n);
  if ((int)n != len || memcmp(sid, id, n) != 0) return NULL;
  SSL_SESSION *sess = s->next_session;
  s->next_session = NULL;
  return sess;
}

/* ---------- ticket keys ---------- */

/* Node's scheme: 16 bytes name, 16 HMAC-SHA256 key, 16 AES-128-CBC key */
static int ticket_key_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
                         EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc) {
  ticket_keys *k = keys_of(SSL_get_SSL_CTX(ssl));
  const unsigned char *use = NULL;
  int status = 1;
  if (k == NULL) return -1;
  if (enc) {
    use = k->cur;
    memcpy(name, use, 16);
    if (RAND_bytes(iv, 16) != 1) return -1;
  } else if (memcmp(name, k->cur, 16) == 0) {
    use = k->cur;
    /* TLS 1.3 sends tickets only when asked to renew: a client that resumes
       must get a fresh one, or its session chain ends after one reuse */
    if (SSL_version(ssl) >= TLS1_3_VERSION) status = 2;
  } else if (k->has_prev && memcmp(name, k->prev, 16) == 0) {
    use = k->prev;
    status = 2;   /* good, but issue a ticket under the new keys */
  } else {
    return 0;     /* unknown keys: a full handshake */
  }
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)(use + 16), 16),
    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
    OSSL_PARAM_construct_end()
  };
  if (!EVP_MAC_CTX_set_params(hctx, params)) return -1;
  if (!EVP_CipherInit_ex(ectx, EVP_aes_128_cbc(), NULL, use + 32, iv, enc)) return -1;
  return status;
}

/* ---------- set up on every context ---------- */

void lt_session_setup(SSL_CTX *ctx) {
  if (keys_index < 0)
    keys_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, free_keys);
  ticket_keys *k = OPENSSL_zalloc(sizeof *k);
  if (k && RAND_bytes(k->cur, TICKET_KEYS) == 1) {
    SSL_CTX_set_ex_data(ctx, keys_index, k);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb);
  } else {
    OPENSSL_free(k);
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_CLIENT);
  SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
  SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
}

void lt_session_free(lt_stream *s) {
  SSL_SESSION_free(s->next_session);
  s->next_session = NULL;
}

/* ---------- Lua methods ---------- */

static lt_stream *open_tls(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->closed || s->ssl == NULL) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

static SSL_SESSION *checksession(lua_State *L, int idx) {
  size_t n;
  const unsigned char *p = (const unsigned char *)luaL_checklstring(L, idx, &n);
  ERR_clear_error();
  SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)n);
  if (sess == NULL) {
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_INVALID_ARG_VALUE", "not a TLS session");
    lua_error(L);
  }
  return sess;
}

/* s:get_session() -> DER | nil */
static int stream_get_session(lua_State *L) {
  lt_stream *s = open_tls(L);
  SSL_SESSION *sess = SSL_get_session(s->ssl);
  return sess && push_session_der(L, sess) ? 1 : 0;
}

/* s:set_session(der): offer this session (clients, before the handshake) */
static int stream_set_session(lua_State *L) {
  lt_stream *s = open_tls(L);
  if (s->in_ssl) {   /* the session OpenSSL is using would be freed under it */
    lt_push_error(L, "ERR_TLS_INVALID_STATE", "TLS socket connection must be idle to set a session");
    return lua_error(L);
  }
  if (!SSL_in_before(s->ssl)) {   /* it would replace the session of a live connection */
    lt_push_error(L, "ERR_TLS_INVALID_STATE", "Cannot set a session once the TLS handshake has started");
    return lua_error(L);
  }
  SSL_SESSION *sess = checksession(L, 2);
  int ok = SSL_set_session(s->ssl, sess);
  SSL_SESSION_free(sess);
  lua_pushboolean(L, ok);
  return 1;
}

/* s:resume_done([der]): what resumeSession found (nothing: a full handshake) */
static int stream_resume_done(lua_State *L) {
  lt_stream *s = open_tls(L);
  if (s->resume_state != CERT_RUNNING) {
    lt_push_error(L, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times");
    return lua_error(L);
  }
  if (!lua_isnoneornil(L, 2)) {
    size_t n;
    const unsigned char *p = (const unsigned char *)luaL_checklstring(L, 2, &n);
    SSL_SESSION_free(s->next_session);
    /* bytes that are not a session (a store's garbage) are a miss, as in Node:
       a full handshake rather than a failed one */
    s->next_session = d2i_SSL_SESSION(NULL, &p, (long)n);
    ERR_clear_error();
  }
  s->resume_state = CERT_DONE;
  /* answered inside the callback, OpenSSL goes on by itself */
  if (s->tls_state == TLS_HANDSHAKE && s->in_ssl == 0) ev_feed_event(lt_loop, &s->wio, EV_WRITE);
  return 0;
}

/* core.session_info(der) -> { id =, ticket = bool, protocol =, timeout = } */
static int core_session_info(lua_State *L) {
  SSL_SESSION *sess = checksession(L, 1);
  lua_createtable(L, 0, 4);
  push_session_id(L, sess);
  lua_setfield(L, -2, "id");
  lua_pushboolean(L, SSL_SESSION_has_ticket(sess));
  lua_setfield(L, -2, "ticket");
  int v = SSL_SESSION_get_protocol_version(sess);
  lua_pushstring(L, v == TLS1_3_VERSION ? "TLSv1.3" : v == TLS1_2_VERSION ? "TLSv1.2" : "TLS");
  lua_setfield(L, -2, "protocol");
  lua_pushinteger(L, (lua_Integer)SSL_SESSION_get_timeout(sess));
  lua_setfield(L, -2, "timeout");
  lua_pushinteger(L, (lua_Integer)SSL_SESSION_get_ticket_lifetime_hint(sess));
  lua_setfield(L, -2, "lifetime");
  SSL_SESSION_free(sess);
  return 1;
}

/* ctx:ticket_keys([keys]) -> the current 48 bytes; new keys keep the old ones for decryption */
static int context_ticket_keys(lua_State *L) {
  ticket_keys *k = keys_of(lt_checkcontext(L, 1));
  if (k == NULL) return luaL_error(L, "no ticket keys");
  if (!lua_isnoneornil(L, 2)) {
    size_t n;
    const char *keys = luaL_checklstring(L, 2, &n);
    if (n != TICKET_KEYS) {
      lt_push_error(L, "ERR_INVALID_ARG_VALUE", "Session ticket keys must be a 48-byte buffer");
      return lua_error(L);
    }
    if (memcmp(k->cur, keys, TICKET_KEYS) != 0) {
      memcpy(k->prev, k->cur, TICKET_KEYS);
      k->has_prev = 1;
      memcpy(k->cur, keys, TICKET_KEYS);
    }
  }
  lua_pushlstring(L, (const char *)k->cur, TICKET_KEYS);
  return 1;
}

/* ctx:session_cache(store, lookup): use the built-in server cache or not */
static int context_session_cache(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  long mode = SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_CLIENT;
  if (!lua_toboolean(L, 2)) mode |= SSL_SESS_CACHE_NO_INTERNAL_STORE;
  if (!lua_toboolean(L, 3)) mode |= SSL_SESS_CACHE_NO_INTERNAL_LOOKUP;
  SSL_CTX_set_session_cache_mode(ctx, mode);
  return 0;
}

static int context_set_timeout(lua_State *L) {
  SSL_CTX *ctx = lt_checkcontext(L, 1);
  SSL_CTX_set_timeout(ctx, (long)lt_checkrange(L, 2, 0, INT32_MAX, "sessionTimeout"));
  return 0;
}

static const luaL_Reg session_methods[] = {
  {"get_session", stream_get_session}, {"set_session", stream_set_session},
  {"resume_done", stream_resume_done},
  {NULL, NULL}
};

static const luaL_Reg context_session_methods[] = {
  {"ticket_keys", context_ticket_keys}, {"set_timeout", context_set_timeout},
  {"session_cache", context_session_cache},
  {NULL, NULL}
};

void lt_open_session(lua_State *L) {
  luaL_getmetatable(L, STREAM_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, session_methods, 0);
  lua_pop(L, 2);
  luaL_getmetatable(L, "luatls.SecureContext");
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, context_session_methods, 0);
  lua_pop(L, 2);
  lua_pushcfunction(L, core_session_info);
  lua_setfield(L, -2, "session_info");
}
