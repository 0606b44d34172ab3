/*
** hooks.c
** OpenSSL callbacks that ask the script: the certificate callback (SNI,
** OCSPRequest; it pauses the handshake until Lua answers), PSK, ALPN and
** NPN, OCSP stapling, keylog, and the info callback that sees
** renegotiation. Every call into Lua is protected; a hook that fails
** leaves its error in s->hook_error, and the handshake reports that.
*/
#include <string.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include "stream.h"
#include "context.h"
#include "modules.h"

static lt_stream *stream_of(SSL *ssl) { return SSL_get_app_data(ssl); }

/* the error a hook failed with: a registry ref (lt_keep_error) the handshake reports */
static void set_hook_error_ref(lt_stream *s, int ref) {
  if (s->hook_error != LUA_NOREF && s->hook_error != LT_REF_NOMEM)
    luaL_unref(lt_state(), LUA_REGISTRYINDEX, s->hook_error);
  s->hook_error = ref;
}

/*
** Emits a hook's event from inside OpenSSL. What fails there (running out
** of memory while the arguments are made, say) fails this connection,
** like a hook that raises, not the process: 1 heard, 0 not, -1 failed.
*/
int lt_hooks_emit(lt_stream *s, const char *event, lt_pusher push, void *ud) {
  int ref, r = lt_ask(&s->h, event, push, NULL, ud, &ref);
  if (r < 0) set_hook_error_ref(s, ref);
  return r;
}

/* Takes the error a hook left, if any, as a failure record. */
int lt_hooks_take_error(lt_stream *s, lt_failure *f) {
  if (s->hook_error == LUA_NOREF) return 0;
  *f = (lt_failure){ .kind = LT_FAIL_REF, .ref = s->hook_error };
  s->hook_error = LUA_NOREF;
  return 1;
}

/* ---------- certificate callback: SNI and OCSPRequest ---------- */

/* whether a context has a certificate with its key */
static int has_certificate(SSL_CTX *ctx) {
  if (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST)) {
    do {
      if (SSL_CTX_get0_certificate(ctx) && SSL_CTX_get0_privatekey(ctx)) return 1;
    } while (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT));
  }
  return 0;
}

/* Copies a context's certificates, keys, chains and trust into one SSL, as Node does.
   A context without a certificate fails as it does in Node, where OpenSSL is
   handed its null certificate ("passed a null parameter"). */
static int use_context(SSL *ssl, SSL_CTX *ctx) {
  if (!has_certificate(ctx)) return SSL_use_certificate(ssl, NULL);
  int ok = 1;
  SSL_certs_clear(ssl);
  if (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST)) {
    do {
      X509 *x = SSL_CTX_get0_certificate(ctx);
      EVP_PKEY *key = SSL_CTX_get0_privatekey(ctx);
      STACK_OF(X509) *chain = NULL;
      SSL_CTX_get0_chain_certs(ctx, &chain);
      if (x && key)
        ok = ok && SSL_use_certificate(ssl, x) && SSL_use_PrivateKey(ssl, key) && SSL_set1_chain(ssl, chain);
    } while (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT));
  }
  SSL_set1_verify_cert_store(ssl, SSL_CTX_get_cert_store(ctx));
  STACK_OF(X509_NAME) *cas = SSL_CTX_get_client_CA_list(ctx);
  if (cas) SSL_set_client_CA_list(ssl, SSL_dup_CA_list(cas));
  return ok;
}

typedef struct {
  const char *name;
  int ocsp;
} certcb_args;

static void push_certcb(lua_State *L, void *ud) {
  certcb_args *a = ud;
  if (a->name) lua_pushstring(L, a->name);
  else lua_pushnil(L);
  lua_pushboolean(L, a->ocsp);
}

/*
** First call: ask Lua ('certcb' with the server name and whether the client
** wants OCSP) and pause (-1) unless it answered at once. OpenSSL calls
** again when the handshake is driven after the answer; then the chosen
** context is applied. A socket destroyed meanwhile fails the handshake.
*/
static int cert_cb(SSL *ssl, void *arg) {
  lt_stream *s = arg;
  if (s->cert_state == CERT_IDLE) {
    s->cert_state = CERT_RUNNING;
    /* OCSPRequest only for a client that asked for a stapled response */
    certcb_args a = { SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name),
                      SSL_get_tlsext_status_type(ssl) == TLSEXT_STATUSTYPE_ocsp };
    if (lt_hooks_emit(s, "certcb", push_certcb, &a) <= 0) return 0;
  }
  if (s->closed) return 0;
  switch (s->cert_state) {
    case CERT_RUNNING: return -1;
    case CERT_DONE: return s->cert_ctx ? use_context(ssl, s->cert_ctx) : 1;
    default: return 0;
  }
}

/* the handshake waits on the certificate callback: drive it again next
   iteration; an answer given inside the callback needs no event */
static void resume_handshake(lt_stream *s) {
  if (s->tls_state == TLS_HANDSHAKE && !s->closed && s->in_ssl == 0)
    ev_feed_event(lt_loop, &s->wio, EV_WRITE);
}

static lt_stream *hooked(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->closed || s->ssl == NULL) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

/* s:cert_done([ctx][, ocsp_der]) */
static int stream_cert_done(lua_State *L) {
  lt_stream *s = hooked(L);
  SSL_CTX *ctx = lua_isnoneornil(L, 2) ? NULL : lt_checkcontext(L, 2);
  size_t n = 0;
  const char *ocsp = luaL_optlstring(L, 3, NULL, &n);
  if (s->cert_state != CERT_RUNNING) {
    lt_push_error(L, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times");
    return lua_error(L);
  }
  /* a context without a certificate: OpenSSL's own error for it, raised
     here so that the script can end the connection as Node does */
  if (ctx && !has_certificate(ctx)) {
    ERR_clear_error();
    SSL_use_certificate(s->ssl, NULL);
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_OSSL_UNKNOWN", "passed a null parameter");
    return lua_error(L);
  }
  if (ctx) {
    SSL_CTX_up_ref(ctx);
    SSL_CTX_free(s->cert_ctx);
    s->cert_ctx = ctx;
  }
  if (ocsp && n > 0) {
    free(s->ocsp);
    s->ocsp = malloc(n);
    if (s->ocsp) {
      memcpy(s->ocsp, ocsp, n);
      s->ocsp_len = n;
    }
  }
  s->cert_state = CERT_DONE;
  resume_handshake(s);
  return 0;
}

/* s:cert_fail(err): the handshake fails with err */
static int stream_cert_fail(lua_State *L) {
  lt_stream *s = hooked(L);
  if (s->cert_state != CERT_RUNNING) {
    lt_push_error(L, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times");
    return lua_error(L);
  }
  lua_settop(L, 2);
  set_hook_error_ref(s, luaL_ref(L, LUA_REGISTRYINDEX));
  s->cert_state = CERT_FAILED;
  resume_handshake(s);
  return 0;
}

/* s:set_hook_error(err): a synchronous hook failed */
static int stream_set_hook_error(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  lua_settop(L, 2);
  set_hook_error_ref(s, luaL_ref(L, LUA_REGISTRYINDEX));
  return 0;
}

/* ---------- OCSP ---------- */

typedef struct {
  const unsigned char *p;
  size_t n;
} bytes;

/* pushes the bytes, or nil when there are none */
static void push_bytes(lua_State *L, void *ud) {
  bytes *b = ud;
  if (b->p) lua_pushlstring(L, (const char *)b->p, b->n);
  else lua_pushnil(L);
}

static int status_cb(SSL *ssl, void *arg) {
  lt_stream *s = stream_of(ssl);
  (void)arg;
  if (s == NULL || !(s->hooks & HOOK_OCSP)) return SSL_is_server(ssl) ? SSL_TLSEXT_ERR_NOACK : 1;
  if (SSL_is_server(ssl)) {
    if (s->ocsp == NULL) return SSL_TLSEXT_ERR_NOACK;
    unsigned char *copy = OPENSSL_malloc(s->ocsp_len);   /* OpenSSL frees it */
    if (copy == NULL) return SSL_TLSEXT_ERR_NOACK;
    memcpy(copy, s->ocsp, s->ocsp_len);
    SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)s->ocsp_len);
    return SSL_TLSEXT_ERR_OK;
  }
  bytes b = { NULL, 0 };
  long len = SSL_get_tlsext_status_ocsp_resp(ssl, &b.p);
  if (b.p && len > 0) b.n = (size_t)len;
  return lt_hooks_emit(s, "ocspresponse", push_bytes, &b) >= 0 && !s->closed;
}

/* ---------- PSK ---------- */

/* the answer of a 'psk' listener, copied out inside the protected call */
typedef struct {
  const char *arg;             /* identity (server) or hint (client) */
  unsigned char *psk;
  unsigned int max_psk, n;
  char *identity;              /* client: where the identity goes */
  unsigned int max_identity;
} psk_ask;

static void push_psk_arg(lua_State *L, void *ud) {
  psk_ask *a = ud;
  if (a->arg) lua_pushstring(L, a->arg);
  else lua_pushnil(L);
}

static void read_psk_server(lua_State *L, void *ud) {
  psk_ask *a = ud;
  size_t len;
  const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  if (key && len <= a->max_psk) {
    memcpy(a->psk, key, len);
    a->n = (unsigned int)len;
  }
}

static void read_psk_client(lua_State *L, void *ud) {
  psk_ask *a = ud;
  if (!lua_istable(L, -1)) return;
  size_t klen, ilen;
  lua_getfield(L, -1, "psk");
  lua_getfield(L, -2, "identity");
  const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &klen) : NULL;
  const char *id = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &ilen) : NULL;
  if (key && id && klen <= a->max_psk && ilen < a->max_identity) {
    memcpy(a->psk, key, klen);
    memcpy(a->identity, id, ilen + 1);
    a->n = (unsigned int)klen;
  }
}

/* asks the 'psk' listener; a listener that raises fails the handshake with its error */
static unsigned int ask_psk(SSL *ssl, psk_ask *a, lt_reader read) {
  lt_stream *s = stream_of(ssl);
  int ref;
  if (s == NULL || s->closed) return 0;
  if (lt_ask(&s->h, "psk", push_psk_arg, read, a, &ref) < 0) {
    set_hook_error_ref(s, ref);
    return 0;
  }
  return s->closed ? 0 : a->n;
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_len) {
  psk_ask a = { identity ? identity : "", psk, max_len, 0, NULL, 0 };
  return ask_psk(ssl, &a, read_psk_server);
}

static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity, unsigned char *psk, unsigned int max_psk) {
  psk_ask a = { hint, psk, max_psk, 0, identity, max_identity };
  return ask_psk(ssl, &a, read_psk_client);
}

/* ---------- ALPN and NPN ---------- */

/* a wire-format list as a Lua sequence of strings */
static void push_protocols(lua_State *L, const unsigned char *in, unsigned int inlen) {
  lua_newtable(L);
  for (unsigned int i = 0, k = 0; i < inlen; i += 1u + in[i]) {
    if (i + 1u + in[i] > inlen) break;
    lua_pushlstring(L, (const char *)in + i + 1, in[i]);
    lua_rawseti(L, -2, ++k);
  }
}

/* the chosen name must point into the client's list */
static int find_protocol(const unsigned char *in, unsigned int inlen, const char *name, size_t n,
                         const unsigned char **out, unsigned char *outlen) {
  for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
    if (in[i] == n && i + 1u + n <= inlen && memcmp(in + i + 1, name, n) == 0) {
      *out = in + i + 1;
      *outlen = (unsigned char)n;
      return 1;
    }
  }
  return 0;
}

typedef struct {
  const unsigned char *in;
  unsigned int inlen;
  const char *servername;
  const unsigned char *out;
  unsigned char outlen;
  int found;
} alpn_ask;

static void push_alpn(lua_State *L, void *ud) {
  alpn_ask *a = ud;
  push_protocols(L, a->in, a->inlen);
  if (a->servername) lua_pushstring(L, a->servername);
  else lua_pushnil(L);
}

static void read_alpn(lua_State *L, void *ud) {
  alpn_ask *a = ud;
  size_t n;
  const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
  a->found = name && find_protocol(a->in, a->inlen, name, n, &a->out, &a->outlen);
}

static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg) {
  lt_stream *s = stream_of(ssl);
  (void)arg;
  if (s == NULL) return SSL_TLSEXT_ERR_NOACK;
  if (s->closed) return SSL_TLSEXT_ERR_ALERT_FATAL;
  if (s->hooks & HOOK_ALPN_CB) {
    alpn_ask a = { in, inlen, SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), NULL, 0, 0 };
    int ref, r = lt_ask(&s->h, "alpn", push_alpn, read_alpn, &a, &ref);
    if (r < 0) set_hook_error_ref(s, ref);
    if (r <= 0 || !a.found || s->closed) return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = a.out;
    *outlen = a.outlen;
    return SSL_TLSEXT_ERR_OK;
  }
  if (s->alpn == NULL) return SSL_TLSEXT_ERR_NOACK;
  /* the server's preference wins, as in Node */
  if (SSL_select_next_proto((unsigned char **)out, outlen, s->alpn, (unsigned int)s->alpn_len,
                            in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  return SSL_TLSEXT_ERR_OK;
}

static int npn_advertise_cb(SSL *ssl, const unsigned char **out, unsigned int *outlen, void *arg) {
  lt_stream *s = stream_of(ssl);
  (void)arg;
  if (s == NULL || s->npn == NULL) return SSL_TLSEXT_ERR_NOACK;
  *out = s->npn;
  *outlen = (unsigned int)s->npn_len;
  return SSL_TLSEXT_ERR_OK;
}

static int npn_select_cb(SSL *ssl, unsigned char **out, unsigned char *outlen,
                         const unsigned char *in, unsigned int inlen, void *arg) {
  lt_stream *s = stream_of(ssl);
  (void)arg;
  if (s == NULL || s->npn == NULL) return SSL_TLSEXT_ERR_NOACK;
  SSL_select_next_proto(out, outlen, s->npn, (unsigned int)s->npn_len, in, inlen);
  return SSL_TLSEXT_ERR_OK;
}

/* ---------- keylog and renegotiation ---------- */

static void push_keylog_line(lua_State *L, void *ud) {
  lua_pushfstring(L, "%s\n", (const char *)ud);
}

static void keylog_cb(const SSL *ssl, const char *line) {
  lt_stream *s = SSL_get_app_data(ssl);
  if (s == NULL || s->closed || !(s->hooks & HOOK_KEYLOG)) return;
  lt_hooks_emit(s, "keylog", push_keylog_line, (void *)line);
}

/* After the first handshake, a new one is a renegotiation (TLS 1.2 and below):
   its start counts against the limit on servers; its end answers renegotiate(). */
static void info_cb(const SSL *ssl, int where, int ret) {
  lt_stream *s = SSL_get_app_data(ssl);
  (void)ret;
  if (s == NULL) return;
  if ((where & SSL_CB_ALERT) && (where & SSL_CB_WRITE)) s->alert_sent = 1;   /* the close lingers */
  if (where & SSL_CB_HANDSHAKE_DONE) s->handshakes++;
  if (s->closed || !(s->hooks & HOOK_RENEG) || s->handshakes == 0 || SSL_version(ssl) >= TLS1_3_VERSION) return;
  const char *event = (where & SSL_CB_HANDSHAKE_START) ? (SSL_is_server(ssl) ? "renegotiation" : NULL)
                    : (where & SSL_CB_HANDSHAKE_DONE) && s->handshakes > 1 ? "renegotiated" : NULL;
  if (event) lt_hooks_emit(s, event, NULL, NULL);
}

/* ---------- installing ---------- */

void lt_hooks_install(lt_stream *s, int is_server) {
  SSL *ssl = s->ssl;
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  SSL_set_app_data(ssl, s);
  SSL_set_info_callback(ssl, info_cb);
  if (s->hooks & HOOK_CERT) SSL_set_cert_cb(ssl, cert_cb, s);
  if (s->hooks & HOOK_PSK) {
    if (is_server) SSL_set_psk_server_callback(ssl, psk_server_cb);
    else SSL_set_psk_client_callback(ssl, psk_client_cb);
  }
  /* the next three live on the shared context; they find their stream by app data */
  if (s->hooks & HOOK_KEYLOG) SSL_CTX_set_keylog_callback(ctx, keylog_cb);
  if (s->hooks & HOOK_OCSP) {
    SSL_CTX_set_tlsext_status_cb(ctx, status_cb);
    if (!is_server) SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
  }
  if (is_server && (s->alpn || (s->hooks & HOOK_ALPN_CB))) SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
  if (s->npn) {
    if (is_server) SSL_CTX_set_next_protos_advertised_cb(ctx, npn_advertise_cb, NULL);
    else SSL_CTX_set_next_proto_select_cb(ctx, npn_select_cb, NULL);
  }
}

void lt_hooks_free(lt_stream *s) {
  lt_session_free(s);
  SSL_CTX_free(s->cert_ctx);
  s->cert_ctx = NULL;
  free(s->ocsp);
  free(s->alpn);
  free(s->npn);
  s->ocsp = s->alpn = s->npn = NULL;
  set_hook_error_ref(s, LUA_NOREF);
}

/* ---------- Lua methods ---------- */

/* a copy of the string at idx, replacing *dst; checked before anything is freed */
static void replace_string(lua_State *L, int idx, unsigned char **dst, size_t *dst_len) {
  size_t n;
  const char *p = luaL_checklstring(L, idx, &n);
  unsigned char *copy = NULL;
  if (n > 0 && (copy = malloc(n)) == NULL) {
    lt_push_error(L, "ERR_OUT_OF_MEMORY", "not enough memory");
    lua_error(L);
  }
  if (n > 0) memcpy(copy, p, n);
  free(*dst);
  *dst = copy;
  *dst_len = n;
}

/* s:set_hooks(flags[, alpn_wire][, npn_wire]): before starttls' handshake runs */
static int stream_set_hooks(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  lua_Integer flags = luaL_checkinteger(L, 2);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TSTRING);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TSTRING);
  s->hooks = (unsigned)flags;
  if (!lua_isnoneornil(L, 3)) replace_string(L, 3, &s->alpn, &s->alpn_len);
  if (!lua_isnoneornil(L, 4)) replace_string(L, 4, &s->npn, &s->npn_len);
  return 0;
}

static int stream_alpn_protocol(lua_State *L) {
  lt_stream *s = hooked(L);
  const unsigned char *p;
  unsigned int n;
  SSL_get0_alpn_selected(s->ssl, &p, &n);
  if (n == 0) lua_pushboolean(L, 0);
  else lua_pushlstring(L, (const char *)p, n);
  return 1;
}

static int stream_npn_protocol(lua_State *L) {
  lt_stream *s = hooked(L);
  const unsigned char *p;
  unsigned int n;
  SSL_get0_next_proto_negotiated(s->ssl, &p, &n);
  if (n == 0) lua_pushboolean(L, 0);
  else lua_pushlstring(L, (const char *)p, n);
  return 1;
}

static int stream_set_alpn(lua_State *L) {
  lt_stream *s = hooked(L);
  size_t n;
  const char *wire = lt_checkbytes(L, 2, &n);
  SSL_set_alpn_protos(s->ssl, (const unsigned char *)wire, (unsigned int)n);
  return 0;
}

/* s:set_key_cert(ctx): a server socket serves ctx's certificates, keys and
   trust from its next handshake on (Node's setKeyCert); not from inside
   OpenSSL, whose handshake may be using what this replaces */
static int stream_set_key_cert(lua_State *L) {
  lt_stream *s = hooked(L);
  SSL_CTX *ctx = lt_checkcontext(L, 2);
  if (s->in_ssl) {
    lt_push_error(L, "ERR_TLS_INVALID_STATE", "TLS socket connection must be idle to set its certificate");
    return lua_error(L);
  }
  ERR_clear_error();
  if (!use_context(s->ssl, ctx)) {
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_OSSL_UNKNOWN", "SetKeyCert failed");
    return lua_error(L);
  }
  return 0;
}

/* s:set_psk_hint(hint) -> whether OpenSSL took it (at most 128 bytes) */
static int stream_set_psk_hint(lua_State *L) {
  lt_stream *s = hooked(L);
  int ok = SSL_use_psk_identity_hint(s->ssl, luaL_checkstring(L, 2));
  ERR_clear_error();
  lua_pushboolean(L, ok);
  return 1;
}

/* A full handshake, so that a new certificate request is answered; sends the
   HelloRequest (or ClientHello) now, the rest comes with reads. */
static int start_renegotiation(lt_stream *s) {
  if (s->reneg_verify >= 0) SSL_set_verify(s->ssl, s->reneg_verify, SSL_get_verify_callback(s->ssl));
  s->reneg_verify = -1;
  SSL_set_options(s->ssl, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  ERR_clear_error();
  if (!SSL_renegotiate(s->ssl)) return 0;
  lt_stream_hold(s);
  LT_SSL_ENTER(s);
  SSL_do_handshake(s->ssl);
  LT_SSL_LEAVE(s);
  ERR_clear_error();
  if (!s->closed) ev_feed_event(lt_loop, &s->wio, EV_WRITE);
  lt_stream_release_hold(s);
  return 1;
}

/*
** After OpenSSL has returned: a renegotiation asked for while OpenSSL was
** on the stack, or before the first handshake was complete, starts now.
** One that cannot start after all (the peer chose TLS 1.3) is reported to
** the callbacks that wait for it ('renegerror').
*/
void lt_hooks_after_io(lt_stream *s) {
  if (!s->reneg_pending || s->closed || lt_in_ssl() || s->tls_state != TLS_OPEN) return;
  s->reneg_pending = 0;
  /* a handshake is under way (the peer's, or one asked for before): it is
     the one the callbacks wait for; asking OpenSSL again in the middle of
     it leaves its state machine waiting for a message that never comes */
  if (SSL_in_init(s->ssl)) return;
  if (start_renegotiation(s)) return;
  unsigned long e = ERR_peek_error();
  ERR_clear_error();
  lt_failure f = e ? (lt_failure){ .kind = LT_FAIL_SSL, .ssl = e }
                   : (lt_failure){ .kind = LT_FAIL_CODE, .code = "ERR_TLS_RENEGOTIATE",
                                   .message = "Attempt to renegotiate TLS session failed" };
  lt_emit(&s->h, "renegerror", lt_failure_pusher, &f);
}

/*
** s:renegotiate(request_cert, reject_unauthorized) -> true | nil, err
** TLS 1.2 and below. Asked for while OpenSSL is on the stack (from a hook's
** listener), during the first handshake, or by a client, it starts after
** the next I/O step, once the handshake is complete and the outermost
** OpenSSL call has returned: nothing in the SSL changes before.
*/
static int stream_renegotiate(lua_State *L) {
  lt_stream *s = hooked(L);
  if (s->tls_state == TLS_OPEN && (SSL_version(s->ssl) >= TLS1_3_VERSION ||
                                   (SSL_get_options(s->ssl) & SSL_OP_NO_RENEGOTIATION))) {
    lua_pushnil(L);
    lt_push_ssl_error(L, ERR_PACK(ERR_LIB_SSL, 0, SSL_version(s->ssl) >= TLS1_3_VERSION
                                  ? SSL_R_WRONG_SSL_VERSION : SSL_R_NO_RENEGOTIATION));
    return 2;
  }
  if (SSL_is_server(s->ssl) && lua_toboolean(L, 2))
    s->reneg_verify = SSL_VERIFY_PEER | (lua_toboolean(L, 3) ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  /* a client also reads what has come first: OpenSSL 3.0 mishandles a
     HelloRequest it reads while its own renegotiation is under way (it
     finishes, then waits for a server that has nothing to send) */
  if (lt_in_ssl() || s->tls_state != TLS_OPEN || !SSL_is_server(s->ssl) || SSL_in_init(s->ssl)) {
    s->reneg_pending = 1;
    ev_feed_event(lt_loop, &s->wio, EV_WRITE);
  } else if (!start_renegotiation(s)) {
    lua_pushnil(L);
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_TLS_RENEGOTIATE", "Attempt to renegotiate TLS session failed");
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int stream_finished(lua_State *L) {
  lt_stream *s = hooked(L);
  unsigned char buf[EVP_MAX_MD_SIZE];
  size_t n = lua_toboolean(L, 2) ? SSL_get_peer_finished(s->ssl, buf, sizeof buf)
                                 : SSL_get_finished(s->ssl, buf, sizeof buf);
  if (n == 0) return 0;
  lua_pushlstring(L, (const char *)buf, n < sizeof buf ? n : sizeof buf);
  return 1;
}

/* s:export_keying_material(length, label[, context]) */
static int stream_export_keying_material(lua_State *L) {
  lt_stream *s = hooked(L);
  lua_Integer len = lt_checkrange(L, 2, 1, 65536, "length");
  size_t llen, clen = 0;
  const char *label = luaL_checklstring(L, 3, &llen);
  const char *context = luaL_optlstring(L, 4, NULL, &clen);
  luaL_Buffer b;
  unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)len);
  ERR_clear_error();
  if (SSL_export_keying_material(s->ssl, out, (size_t)len, label, llen,
                                 (const unsigned char *)context, clen, context != NULL) != 1) {
    if (!lt_push_ssl_queue_error(L))
      lt_push_error(L, "ERR_TLS_EXPORT_KEYING_MATERIAL", "Key export failed");
    return lua_error(L);
  }
  luaL_pushresultsize(&b, (size_t)len);
  return 1;
}

static int stream_set_max_send_fragment(lua_State *L) {
  lt_stream *s = hooked(L);
  lua_pushboolean(L, SSL_set_max_send_fragment(s->ssl, (long)luaL_checkinteger(L, 2)) == 1);
  return 1;
}

/* OpenSSL's own trace of the handshake messages, on stderr */
static int stream_enable_trace(lua_State *L) {
  lt_stream *s = hooked(L);
  static BIO *err_bio;
  if (err_bio == NULL) err_bio = BIO_new_fp(stderr, BIO_NOCLOSE);
  SSL_set_msg_callback(s->ssl, SSL_trace);
  SSL_set_msg_callback_arg(s->ssl, err_bio);
  return 0;
}

static int stream_tls_ticket(lua_State *L) {
  lt_stream *s = hooked(L);
  SSL_SESSION *sess = SSL_get_session(s->ssl);
  const unsigned char *t;
  size_t n = 0;
  if (sess) SSL_SESSION_get0_ticket(sess, &t, &n);
  if (n == 0) return 0;
  lua_pushlstring(L, (const char *)t, n);
  return 1;
}

static const luaL_Reg hook_methods[] = {
  {"set_hooks", stream_set_hooks}, {"cert_done", stream_cert_done},
  {"cert_fail", stream_cert_fail}, {"set_hook_error", stream_set_hook_error},
  {"alpn_protocol", stream_alpn_protocol}, {"npn_protocol", stream_npn_protocol},
  {"set_alpn", stream_set_alpn}, {"set_psk_hint", stream_set_psk_hint},
  {"set_key_cert", stream_set_key_cert},
  {"renegotiate", stream_renegotiate}, {"finished", stream_finished},
  {"export_keying_material", stream_export_keying_material},
  {"set_max_send_fragment", stream_set_max_send_fragment},
  {"enable_trace", stream_enable_trace}, {"tls_ticket", stream_tls_ticket},
  {NULL, NULL}
};

void lt_open_hooks(lua_State *L) {
  luaL_getmetatable(L, STREAM_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, hook_methods, 0);
  lua_pop(L, 2);
}
