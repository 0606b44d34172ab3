/*
** tls.c
** One TLS connection over a stream's fd: handshake, reads that hand Lua
** one chunk per event, queued writes encrypted into full records, and the
** facts a TLSSocket reports (protocol, cipher, peer certificate, verify result).
*/
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include "stream.h"
#include "context.h"
#include "x509.h"
#include "modules.h"

#define MAX_WRITE (1 << 20)    /* bytes handed to one SSL_write call */

/* Decide after the handshake, as Node does, so the error names the cause. */
static int verify_cb(int ok, X509_STORE_CTX *store) {
  (void)ok; (void)store;
  return 1;
}

/*
** Clearing OpenSSL's error queue costs several hundred instructions in 3.0,
** looking at it a fraction of that, and it is empty nearly always.
*/
static void clear_errors(void) {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

/*
** What a failed SSL_* call left: OpenSSL's first error, errno or a reset,
** read before any Lua runs, so a listener cannot change what is reported.
*/
static void capture_failure(lt_stream *s, int e, int handshaking, int sys, lt_failure *f) {
  unsigned long err = ERR_peek_error();
  if (err) {
    ERR_clear_error();
    *f = (lt_failure){ .kind = LT_FAIL_SSL, .ssl = err };
  } else if (e == SSL_ERROR_SYSCALL && sys != 0 && sys != EAGAIN) {
    *f = (lt_failure){ .kind = LT_FAIL_ERRNO, .sys = sys, .syscall = handshaking ? NULL : "read" };
  } else {
    /* Node's words: a client learns the handshake was cut short, a server a hang-up */
    *f = (lt_failure){ .kind = LT_FAIL_CODE, .code = "ECONNRESET",
      .message = handshaking && !SSL_is_server(s->ssl)
        ? "Client network socket disconnected before secure TLS connection was established"
        : "socket hang up" };
  }
}

/* Bytes written before the upgrade go out as they were written; 0 while some wait. */
static int flush_plain(lt_stream *s) {
  while (s->plain_left > 0) {
    ssize_t n = send(s->fd, s->out.data + s->out.head, s->plain_left, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      s->plain_left = 0;   /* the connection is gone; the handshake will say so */
      return 1;
    }
    lt_buf_consume(&s->out, (size_t)n);
    s->plain_left -= (size_t)n;
  }
  return 1;
}

/*
** A client's last flight waits for the verdict on the server. Node verifies
** the server after the handshake and, when it refuses it, destroys the
** socket before the output OpenSSL produced is written: a TLS 1.3 server
** never receives the client's Finished and sees the connection reset. Here a
** client's records go through this filter, which keeps what OpenSSL writes
** inside SSL_do_handshake until the call has returned and, when that call
** completed the handshake, until 'secure' (the Lua verdict) has run; a
** refused server's socket is closed with them still held, and they are
** freed with the SSL. Held records the kernel does not take at once join the
** head of the write queue as bytes that go out as they are (plain_left), and
** nothing else goes through the filter until they have.
*/
typedef struct {
  lt_stream *s;
  char *buf;
  size_t len, cap;
  int hold;
} flight_data;

static int flight_write(BIO *b, const char *in, int n) {
  flight_data *d = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (n <= 0) return 0;
  if (d->hold) {
    if (d->cap - d->len < (size_t)n) {
      size_t cap = d->cap ? d->cap : 4096;
      while (cap - d->len < (size_t)n) cap *= 2;
      char *p = realloc(d->buf, cap);
      if (p == NULL) return -1;   /* the handshake fails: no memory */
      d->buf = p;
      d->cap = cap;
    }
    memcpy(d->buf + d->len, in, (size_t)n);
    d->len += (size_t)n;
    return n;
  }
  if (d->s->plain_left > 0) {     /* held records still wait in the write queue */
    BIO_set_retry_write(b);
    return -1;
  }
  int r = BIO_write(BIO_next(b), in, n);
  BIO_copy_next_retry(b);
  return r;
}

static long flight_ctrl(BIO *b, int cmd, long num, void *ptr) {
  flight_data *d = BIO_get_data(b);
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      if (d->hold) return 1;
      if (d->s->plain_left > 0) {
        BIO_set_retry_write(b);
        return 0;
      }
      break;
    case BIO_CTRL_WPENDING:
      return (long)d->len + BIO_ctrl(BIO_next(b), cmd, num, ptr);
    default:
      break;
  }
  long r = BIO_ctrl(BIO_next(b), cmd, num, ptr);
  BIO_copy_next_retry(b);
  return r;
}

static int flight_destroy(BIO *b) {
  flight_data *d = BIO_get_data(b);
  if (d) {
    free(d->buf);
    free(d);
  }
  BIO_set_data(b, NULL);
  return 1;
}

static int flight_type;

static BIO_METHOD *flight_method(void) {
  static BIO_METHOD *m;
  if (m == NULL) {
    flight_type = BIO_get_new_index() | BIO_TYPE_FILTER;
    m = BIO_meth_new(flight_type, "luatls held flight");
    if (m == NULL) return NULL;
    BIO_meth_set_write(m, flight_write);
    BIO_meth_set_ctrl(m, flight_ctrl);
    BIO_meth_set_destroy(m, flight_destroy);
  }
  return m;
}

/* the filter in front of next (which it takes), or NULL */
static BIO *flight_new(lt_stream *s, BIO *next) {
  BIO_METHOD *m = flight_method();
  flight_data *d = m ? calloc(1, sizeof *d) : NULL;
  BIO *b = d ? BIO_new(m) : NULL;
  if (b == NULL) {
    free(d);
    return NULL;
  }
  d->s = s;
  BIO_set_data(b, d);
  BIO_set_init(b, 1);
  return BIO_push(b, next);
}

static BIO *flight_of(lt_stream *s) {
  if (s->mem || flight_type == 0 || SSL_is_server(s->ssl)) return NULL;
  return BIO_find_type(SSL_get_wbio(s->ssl), flight_type);
}

static void flight_hold(BIO *b, int hold) { ((flight_data *)BIO_get_data(b))->hold = hold; }

/* s->out: n bytes put in at the head, after the bytes that go out as they are */
static void out_insert_plain(lt_stream *s, const char *p, size_t n) {
  lt_buf *o = &s->out;
  lt_buf_own(o);   /* its old data is freed below */
  size_t pending = o->len - o->head;
  char *data = malloc(pending + n > 0 ? pending + n : 1);
  if (data == NULL) abort();   /* as the write queue's own growth does */
  memcpy(data, o->data + o->head, s->plain_left);
  memcpy(data + s->plain_left, p, n);
  memcpy(data + s->plain_left + n, o->data + o->head + s->plain_left, pending - s->plain_left);
  free(o->data);
  o->data = data;
  o->head = 0;
  o->len = o->cap = pending + n;
  s->plain_left += n;
}

/*
** Sends what the filter holds and stops holding. 1 when some of it waits in
** the write queue for the kernel (the caller waits for EV_WRITE), else 0. A
** connection that is gone drops it: the next read reports the failure.
*/
static int flight_release(lt_stream *s, BIO *b) {
  flight_data *d = BIO_get_data(b);
  size_t off = 0;
  d->hold = 0;
  while (off < d->len && s->plain_left == 0) {
    int n = BIO_write(BIO_next(b), d->buf + off, (int)(d->len - off > INT_MAX ? INT_MAX : d->len - off));
    if (n <= 0) {
      if (!BIO_should_retry(BIO_next(b))) off = d->len;
      break;
    }
    off += (size_t)n;
  }
  if (off < d->len) out_insert_plain(s, d->buf + off, d->len - off);
  d->len = 0;
  if (d->cap > 16384) {
    free(d->buf);
    d->buf = NULL;
    d->cap = 0;
  }
  return s->plain_left > 0;
}

/* a hook failed where OpenSSL could not be told (keylog, new session): the connection fails */
static int hook_failed(lt_stream *s) {
  lt_failure f;
  if (!lt_hooks_take_error(s, &f)) return 0;
  s->eof = 1;
  lt_stream_emit_error(s, &f);
  return 1;
}

static void handshake(lt_stream *s) {
  BIO *flight = flight_of(s);
  if (flight) flight_hold(flight, 1);
  clear_errors();
  errno = 0;
  LT_SSL_ENTER(s);
  int r = SSL_do_handshake(s->ssl);
  int sys = errno, e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, r);
  LT_SSL_LEAVE(s);
  if (s->closed) {          /* a hook destroyed the socket: nothing more to say */
    clear_errors();
    return;
  }
  if (r == 1) {
    s->tls_state = TLS_OPEN;
    if (SSL_version(s->ssl) >= TLS1_3_VERSION) SSL_set_read_ahead(s->ssl, 1);   /* no renegotiation there */
    if (!hook_failed(s)) lt_stream_emit(s, "secure");
    /* accepted: our last flight goes out now (refused: it goes with the SSL) */
    if (flight && !s->closed) flight_release(s, flight);
    return;
  }
  /* a flight (or the alert of a failure) goes out before anything else happens */
  if (flight && flight_release(s, flight)) {
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) { s->hs_want = EV_WRITE; return; }
  }
  if (e == SSL_ERROR_WANT_READ) { s->hs_want = EV_READ; return; }
  if (e == SSL_ERROR_WANT_WRITE) { s->hs_want = EV_WRITE; return; }
  /* a hook is waiting for the script: no I/O until it answers */
  if (e == SSL_ERROR_WANT_X509_LOOKUP || e == SSL_ERROR_WANT_CLIENT_HELLO_CB) { s->hs_want = 0; return; }
  s->hs_want = 0;
  s->eof = 1;
  lt_failure f;
  if (lt_hooks_take_error(s, &f)) ERR_clear_error();
  else capture_failure(s, e, 1, sys, &f);
  lt_stream_emit_error(s, &f);
}

/*
** Whether the fd had nothing more when SSL_read last read it: with
** read-ahead, OpenSSL asks the socket for all the room in its 64 KiB buffer,
** so a read that brought less than a full record's worth found the kernel
** drained, and the bytes can go to Lua without another SSL_read that would
** only meet EAGAIN. Stopping early is always safe on the socket itself:
** libev's epoll is level-triggered, and bytes that came meanwhile wake the
** watcher again (not so for the prefix BIO of an upgraded socket, which holds
** bytes the fd will not announce).
*/
static int fd_drained(lt_stream *s, BIO *r, uint64_t before) {
  uint64_t got = BIO_number_read(r) - before;
  return got > 0 && got < SSL3_RT_MAX_PLAIN_LENGTH && !SSL_has_pending(s->ssl)
      && SSL_get_read_ahead(s->ssl) && BIO_method_type(r) == BIO_TYPE_SOCKET;
}

/*
** The error queue is cleared before a run of calls, not before each: a call
** that succeeds adds nothing to it (nginx clears once per read and per write
** the same way), and each clearing costs several hundred instructions in
** OpenSSL 3.0. It is cleared again after Lua has run ('data').
*/
static void tls_read(lt_stream *s) {
  size_t used = 0;
  int chunks = 0, clean = 0;
  for (;;) {
    if (!clean) clear_errors();
    clean = 1;
    errno = 0;
    BIO *rbio = SSL_get_rbio(s->ssl);
    uint64_t before = BIO_number_read(rbio);
    LT_SSL_ENTER(s);
    int n = SSL_read(s->ssl, lt_readbuf + used, (int)(LT_CHUNK - used));
    int sys = errno, e = n > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, n);
    LT_SSL_LEAVE(s);
    if (s->closed || hook_failed(s)) return;
    if (n > 0) {
      used += (size_t)n;
      if (used < LT_CHUNK) {
        if (!fd_drained(s, rbio, before)) continue;
        s->read_wants_write = 0;
        lt_stream_emit_data(s, used);
        return;
      }
      lt_stream_emit_data(s, used);
      used = 0;
      clean = 0;
      if (s->closed || !s->reading || ++chunks >= 4) break;
      continue;
    }
    lt_failure f = { 0 };
    int failed = e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_ZERO_RETURN;
    if (failed) capture_failure(s, e, 0, sys, &f);   /* before the 'data' listener runs */
    if (used) {
      lt_stream_emit_data(s, used);
      if (s->closed) return;
    }
    s->read_wants_write = (e == SSL_ERROR_WANT_WRITE);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    s->eof = 1;
    s->peer_done = e == SSL_ERROR_ZERO_RETURN;
    if (e == SSL_ERROR_ZERO_RETURN) lt_stream_emit(s, "end");
    else lt_stream_emit_error(s, &f);
    return;
  }
  /* decrypted bytes may wait inside OpenSSL with nothing on the fd */
  if (!s->closed && s->reading && SSL_has_pending(s->ssl))
    ev_feed_event(lt_loop, &s->rio, EV_READ);
}

static void tls_flush(lt_stream *s) {
  if (!flush_plain(s) || s->tls_state != TLS_OPEN) return;
  clear_errors();   /* once: see tls_read */
  while (s->out.len > s->out.head) {
    size_t n = s->out.len - s->out.head;
    errno = 0;
    LT_SSL_ENTER(s);
    int r = SSL_write(s->ssl, s->out.data + s->out.head, (int)(n > MAX_WRITE ? MAX_WRITE : n));
    int sys = errno, e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(s->ssl, r);
    LT_SSL_LEAVE(s);
    if (s->closed) return;
    if (r > 0) {
      lt_buf_consume(&s->out, (size_t)r);
      continue;
    }
    s->write_wants_read = (e == SSL_ERROR_WANT_READ);
    if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) return;
    lt_buf_consume(&s->out, s->out.len - s->out.head);
    unsigned long err = ERR_peek_error();
    ERR_clear_error();
    lt_failure f = err ? (lt_failure){ .kind = LT_FAIL_SSL, .ssl = err }
                       : (lt_failure){ .kind = LT_FAIL_ERRNO, .sys = sys ? sys : EPIPE, .syscall = "write" };
    lt_stream_emit_error(s, &f);
    return;
  }
  lt_stream_flushed(s);
}

static void tls_io(lt_stream *s, int revents) {
  int just_opened = 0;
  if (!flush_plain(s)) {
    s->hs_want = EV_WRITE;
    return;
  }
  if (s->tls_state == TLS_HANDSHAKE) {
    handshake(s);
    if (s->closed || s->tls_state != TLS_OPEN) return;
    just_opened = 1;
  }
  if (s->reading && !s->eof &&
      (just_opened || (revents & EV_READ) || (s->read_wants_write && (revents & EV_WRITE))))
    tls_read(s);
  if (!s->closed && (just_opened || (revents & EV_WRITE) || s->write_wants_read))
    tls_flush(s);
}

static void tls_end(lt_stream *s) {
  clear_errors();
  if (s->tls_state == TLS_OPEN) {
    LT_SSL_ENTER(s);
    SSL_shutdown(s->ssl);
    LT_SSL_LEAVE(s);
  }
  clear_errors();
}

static void tls_release(lt_stream *s) {
  if (s->ssl == NULL) return;
  SSL_free(s->ssl);
  s->ssl = NULL;
  lt_hooks_free(s);
}

/* decrypted bytes may wait inside OpenSSL with no fd event to announce them */
static void tls_read_start(lt_stream *s) {
  if (s->tls_state == TLS_OPEN && SSL_has_pending(s->ssl)) ev_feed_event(lt_loop, &s->rio, EV_READ);
}

/* ---------- TLS on the fd ---------- */

static void fd_io(lt_stream *s, int revents) {
  tls_io(s, revents);
  lt_hooks_after_io(s);
}

static void fd_flush(lt_stream *s) {
  tls_flush(s);
  lt_hooks_after_io(s);
}

/* close_notify, then the socket's FIN */
static void fd_end(lt_stream *s) {
  tls_end(s);
  lt_plain_transport.end(s);
}

const lt_transport lt_tls_fd_transport = {
  "tls", fd_io, fd_flush, fd_end, tls_release, tls_read_start
};

/* ---------- TLS on memory: the records go out as 'encrypted' events ---------- */

static void mem_io(lt_stream *s, int revents) {
  fd_io(s, revents);
  if (!s->closed) lt_mem_drain(s);
}

static void mem_flush(lt_stream *s) {
  fd_flush(s);
  if (!s->closed) lt_mem_drain(s);
}

static void mem_end(lt_stream *s) {
  tls_end(s);
  lt_mem_drain(s);   /* the close_notify goes out as 'encrypted' */
}

const lt_transport lt_tls_mem_transport = {
  "tls-memory", mem_io, mem_flush, mem_end, tls_release, tls_read_start
};

/* ---------- Lua methods on streams ---------- */

static lt_stream *tlsstream(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->ssl == NULL) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

/* the fd itself; memory BIOs for a stream with no fd; bytes read before the
   upgrade first, then the fd */
static int attach_bio(lt_stream *s, SSL *ssl, int is_server, const char *prefix, size_t n) {
  if (s->mem) {
    BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
    if (r == NULL || w == NULL) {
      BIO_free(r);
      BIO_free(w);
      return 0;
    }
    BIO_set_mem_eof_return(r, -1);   /* empty is "wait for more", not EOF */
    SSL_set_bio(ssl, r, w);
    return 1;
  }
  if (is_server) {
    if (prefix && n > 0) {
      BIO *b = lt_prefix_bio(s->fd, prefix, n);
      if (b == NULL) return 0;
      SSL_set_bio(ssl, b, b);
      return 1;
    }
    return SSL_set_fd(ssl, s->fd);
  }
  /* a client reads the fd and writes through the filter that holds its last flight */
  BIO *b = prefix && n > 0 ? lt_prefix_bio(s->fd, prefix, n) : BIO_new_socket(s->fd, BIO_NOCLOSE);
  if (b == NULL) return 0;
  if (!BIO_up_ref(b)) {
    BIO_free(b);
    return 0;
  }
  BIO *w = flight_new(s, b);   /* holds the second reference */
  if (w == NULL) {
    BIO_free(b);
    BIO_free(b);
    return 0;
  }
  SSL_set_bio(ssl, b, w);
  return 1;
}

/* s:starttls(ctx, is_server, servername, request_cert, reject_unauthorized[, prefix][, upgrade]) */
static int stream_starttls(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  SSL_CTX *ctx = lt_checkcontext(L, 2);
  int is_server = lua_toboolean(L, 3);
  const char *servername = luaL_optstring(L, 4, NULL);
  int request_cert = lua_toboolean(L, 5), reject = lua_toboolean(L, 6);
  size_t prefix_len = 0;
  const char *prefix = luaL_optlstring(L, 7, NULL, &prefix_len);
  if (s->closed || s->ssl) {
    lt_push_error(L, s->closed ? "ERR_SOCKET_CLOSED" : "ERR_TLS_INVALID_STATE",
                  s->closed ? "Socket is closed" : "Socket is already secure");
    return lua_error(L);
  }
  clear_errors();
  SSL *ssl = SSL_new(ctx);
  if (ssl == NULL || !attach_bio(s, ssl, is_server, prefix, prefix_len)) {
    SSL_free(ssl);
    if (!lt_push_ssl_queue_error(L)) lt_push_error(L, "ERR_OSSL_UNKNOWN", "SSL_new failed");
    return lua_error(L);
  }
  int mode = SSL_VERIFY_PEER;
  if (is_server) {
    SSL_set_accept_state(ssl);
    mode = !request_cert ? SSL_VERIFY_NONE
         : reject ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
  } else {
    SSL_set_connect_state(ssl);
    /* no read-ahead until the version is known: a TLS 1.2 client with
       records buffered ahead leaves a server's HelloRequest half taken in
       OpenSSL 3.0 (the flag that starts the renegotiation is noted, the
       check that starts it is skipped), and after the next handshake it
       waits for a server with nothing to send */
    SSL_set_read_ahead(ssl, 0);
    if (servername && *servername) SSL_set_tlsext_host_name(ssl, servername);
  }
  SSL_set_verify(ssl, mode, verify_cb);
  s->ssl = ssl;
  s->tp = s->mem ? &lt_tls_mem_transport : &lt_tls_fd_transport;
  lt_hooks_install(s, is_server);
  s->tls_state = TLS_HANDSHAKE;
  /* an upgraded socket: what was written before STARTTLS is not for TLS */
  s->plain_left = lua_toboolean(L, 8) ? s->out.len - s->out.head : 0;
  s->hs_want = is_server && s->plain_left == 0 ? EV_READ : EV_WRITE;
  /* bytes read before the upgrade are already waiting in the prefix BIO */
  if (prefix_len > 0) ev_feed_event(lt_loop, &s->rio, EV_READ);
  lt_stream_update(s);
  return 0;
}

#define VERIFY_CODES(V) \
  V(UNABLE_TO_GET_ISSUER_CERT) V(UNABLE_TO_GET_CRL) \
  V(UNABLE_TO_DECRYPT_CERT_SIGNATURE) V(UNABLE_TO_DECRYPT_CRL_SIGNATURE) \
  V(UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY) V(CERT_SIGNATURE_FAILURE) \
  V(CRL_SIGNATURE_FAILURE) V(CERT_NOT_YET_VALID) V(CERT_HAS_EXPIRED) \
  V(CRL_NOT_YET_VALID) V(CRL_HAS_EXPIRED) V(ERROR_IN_CERT_NOT_BEFORE_FIELD) \
  V(ERROR_IN_CERT_NOT_AFTER_FIELD) V(ERROR_IN_CRL_LAST_UPDATE_FIELD) \
  V(ERROR_IN_CRL_NEXT_UPDATE_FIELD) V(OUT_OF_MEM) V(DEPTH_ZERO_SELF_SIGNED_CERT) \
  V(SELF_SIGNED_CERT_IN_CHAIN) V(UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \
  V(UNABLE_TO_VERIFY_LEAF_SIGNATURE) V(CERT_CHAIN_TOO_LONG) V(CERT_REVOKED) \
  V(INVALID_CA) V(PATH_LENGTH_EXCEEDED) V(INVALID_PURPOSE) V(CERT_UNTRUSTED) \
  V(CERT_REJECTED) V(HOSTNAME_MISMATCH)

static const char *verify_code_name(long err) {
#define V(name) if (err == X509_V_ERR_##name) return #name;
  VERIFY_CODES(V)
#undef V
  return "UNSPECIFIED";
}

/* s:verify_error() -> code, message; nothing when the peer is verified */
static int stream_verify_error(lua_State *L) {
  lt_stream *s = tlsstream(L);
  long err = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;   /* no certificate at all, as Node says */
  X509 *peer = SSL_get1_peer_certificate(s->ssl);
  if (peer) {
    err = SSL_get_verify_result(s->ssl);
    X509_free(peer);
  } else {
    /* no certificate is right for a pre-shared key (TLS 1.3 PSK looks like resumption) */
    const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
    SSL_SESSION *sess = SSL_get_session(s->ssl);
    if ((c && SSL_CIPHER_get_auth_nid(c) == NID_auth_psk) ||
        (sess && SSL_SESSION_get_protocol_version(sess) == TLS1_3_VERSION && SSL_session_reused(s->ssl)))
      err = X509_V_OK;
  }
  if (err == X509_V_OK) return 0;
  lua_pushstring(L, verify_code_name(err));
  lua_pushstring(L, X509_verify_cert_error_string(err));
  return 2;
}

static int stream_protocol(lua_State *L) {
  lt_stream *s = tlsstream(L);
  if (s->tls_state != TLS_OPEN) return 0;
  lua_pushstring(L, SSL_get_version(s->ssl));
  return 1;
}

static int stream_cipher(lua_State *L) {
  lt_stream *s = tlsstream(L);
  const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
  if (c == NULL) return 0;
  lua_createtable(L, 0, 3);
  lua_pushstring(L, SSL_CIPHER_get_name(c));
  lua_setfield(L, -2, "name");
  lua_pushstring(L, SSL_CIPHER_standard_name(c));
  lua_setfield(L, -2, "standardName");
  lua_pushstring(L, SSL_CIPHER_get_version(c));
  lua_setfield(L, -2, "version");
  return 1;
}

static int stream_servername(lua_State *L) {
  lt_stream *s = tlsstream(L);
  const char *name = SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name);
  if (name == NULL) return 0;
  lua_pushstring(L, name);
  return 1;
}

/* s:set_servername(name): the SNI of a client whose handshake has not started */
static int stream_set_servername(lua_State *L) {
  lt_stream *s = tlsstream(L);
  const char *name = luaL_checkstring(L, 2);
  if (s->in_ssl || !SSL_in_before(s->ssl) || SSL_is_server(s->ssl)) {
    lt_push_error(L, "ERR_TLS_INVALID_STATE", "Cannot set the server name once the TLS handshake has started");
    return lua_error(L);
  }
  /* as Node (and the servername option): a name OpenSSL refuses (over 255
     bytes) is dropped, and none is sent; an empty one clears it */
  char *sni = *name ? (char *)name : NULL;   /* the macro casts its argument without parentheses */
  SSL_set_tlsext_host_name(s->ssl, sni);
  ERR_clear_error();
  return 0;
}

static int stream_session_reused(lua_State *L) {
  lt_stream *s = tlsstream(L);
  lua_pushboolean(L, SSL_session_reused(s->ssl));
  return 1;
}

/*
** The peer's chain, leaf first: the verified chain (which ends in the
** trusted root) when verification succeeded, else what the peer sent.
*/
static STACK_OF(X509) *peer_chain(lt_stream *s, X509 *leaf, int *owned) {
  STACK_OF(X509) *chain = SSL_get0_verified_chain(s->ssl);
  *owned = 0;
  if (chain && sk_X509_num(chain) > 0) return chain;
  STACK_OF(X509) *sent = SSL_get_peer_cert_chain(s->ssl);
  chain = sk_X509_new_null();
  if (chain == NULL) return NULL;
  *owned = 1;
  sk_X509_push(chain, leaf);
  for (int i = 0; sent && i < sk_X509_num(sent); i++) {
    X509 *x = sk_X509_value(sent, i);
    if (X509_cmp(x, leaf) != 0) sk_X509_push(chain, x);
  }
  return chain;
}

/* s:peer_certificate(detailed) -> Node's certificate object, issuerCertificate linked */
static int stream_peer_certificate(lua_State *L) {
  lt_stream *s = tlsstream(L);
  int detailed = lua_toboolean(L, 2);
  X509 *leaf = SSL_get1_peer_certificate(s->ssl);
  if (leaf == NULL) return 0;
  lt_push_x509(L, leaf, 0);
  int owned = 0;
  STACK_OF(X509) *chain = detailed ? peer_chain(s, leaf, &owned) : NULL;
  int top = lua_gettop(L);
  for (int i = 1; chain && i < sk_X509_num(chain); i++) {
    lt_push_x509(L, sk_X509_value(chain, i), 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "issuerCertificate");
  }
  if (detailed) {
    /* a self-issued root is its own issuer, as in Node */
    X509 *last = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, sk_X509_num(chain) - 1) : leaf;
    if (X509_check_issued(last, last) == X509_V_OK) {
      lua_pushvalue(L, -1);
      lua_setfield(L, -2, "issuerCertificate");
    }
  }
  lua_settop(L, top);
  if (owned) sk_X509_free(chain);
  X509_free(leaf);
  return 1;
}

static int stream_certificate(lua_State *L) {
  lt_stream *s = tlsstream(L);
  X509 *x = SSL_get_certificate(s->ssl);
  if (x == NULL) return 0;
  lt_push_x509(L, x, 0);
  return 1;
}

/* s:x509_certificate() -> this end's certificate as an X509 object */
static int stream_x509_certificate(lua_State *L) {
  lt_stream *s = tlsstream(L);
  X509 *x = SSL_get_certificate(s->ssl);
  if (x == NULL) return 0;
  lt_push_x509_object(L, x);
  return 1;
}

/* s:peer_x509_certificate() -> the peer's certificate as an X509 object, and
   the rest of the chain it sent, in its order (Node's issuerCertificate links) */
static int stream_peer_x509_certificate(lua_State *L) {
  lt_stream *s = tlsstream(L);
  X509 *leaf = SSL_get0_peer_certificate(s->ssl);
  STACK_OF(X509) *sent = SSL_get_peer_cert_chain(s->ssl);
  if (leaf == NULL) return 0;
  lt_push_x509_object(L, leaf);
  lua_newtable(L);
  int first = sent && sk_X509_num(sent) > 0 && X509_cmp(sk_X509_value(sent, 0), leaf) == 0 ? 1 : 0;
  for (int i = first; sent && i < sk_X509_num(sent); i++) {
    lt_push_x509_object(L, sk_X509_value(sent, i));
    lua_rawseti(L, -2, i - first + 1);
  }
  return 2;
}

/* s:ephemeral_key() -> { type = 'ECDH', name = 'X25519', size = 253 } (clients only) */
static int stream_ephemeral_key(lua_State *L) {
  lt_stream *s = tlsstream(L);
  EVP_PKEY *key = NULL;
  lua_newtable(L);
  if (SSL_is_server(s->ssl) || !SSL_get_peer_tmp_key(s->ssl, &key)) return 1;
  int id = EVP_PKEY_get_base_id(key);
  const char *type = NULL, *name = NULL;
  char group[64];
  size_t glen;
  if (id == EVP_PKEY_DH) {
    type = "DH";
  } else if (id == EVP_PKEY_EC) {
    type = "ECDH";
    if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &glen)) name = group;
  } else if (id == EVP_PKEY_X25519 || id == EVP_PKEY_X448) {
    type = "ECDH";
    name = id == EVP_PKEY_X25519 ? "X25519" : "X448";
  }
  if (type) {
    lua_pushstring(L, type);
    lua_setfield(L, -2, "type");
    if (name) { lua_pushstring(L, name); lua_setfield(L, -2, "name"); }
    lua_pushinteger(L, EVP_PKEY_get_bits(key));
    lua_setfield(L, -2, "size");
  }
  EVP_PKEY_free(key);
  return 1;
}

/* s:shared_sigalgs() -> { 'RSA-PSS+SHA256', 'ECDSA+SHA256', ... } as Node names them */
static int stream_shared_sigalgs(lua_State *L) {
  lt_stream *s = tlsstream(L);
  int n = SSL_get_shared_sigalgs(s->ssl, 0, NULL, NULL, NULL, NULL, NULL);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    int sign = 0, hash = 0;
    SSL_get_shared_sigalgs(s->ssl, i, &sign, &hash, NULL, NULL, NULL);
    const char *sn;
    switch (sign) {
      case EVP_PKEY_RSA: sn = "RSA"; break;
      case EVP_PKEY_RSA_PSS: sn = "RSA-PSS"; break;
      case EVP_PKEY_DSA: sn = "DSA"; break;
      case EVP_PKEY_EC: sn = "ECDSA"; break;
      case NID_ED25519: sn = "Ed25519"; break;
      case NID_ED448: sn = "Ed448"; break;
      default: sn = OBJ_nid2sn(sign); if (sn == NULL) sn = "UNDEF";
    }
    const char *hn = OBJ_nid2sn(hash);
    lua_pushfstring(L, "%s+%s", sn, hn ? hn : "UNDEF");
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* s:release_flight(): a client that writes while its verdict runs sends its
   last flight first, as Node's write() flushes what OpenSSL has produced */
static int stream_release_flight(lua_State *L) {
  lt_stream *s = tlsstream(L);
  BIO *flight = s->closed ? NULL : flight_of(s);
  if (flight) flight_release(s, flight);
  return 0;
}

/*
** s:write_raw(bytes): bytes that go to the fd as they are, under TLS, after
** the raw bytes already waiting and before the records still to be made: a
** script writing to the net.Socket whose fd a TLSSocket took over, as Node's
** parent socket writes to the shared handle. Refused while OpenSSL is on the
** stack (the queue must not move), on a stream with no fd, and while
** application data waits (a record may be half sent: raw bytes would split it).
*/
static int stream_write_raw(lua_State *L) {
  lt_stream *s = tlsstream(L);
  size_t n;
  const char *p = luaL_checklstring(L, 2, &n);
  if (s->closed || s->mem || s->in_ssl || s->shut_req) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    return lua_error(L);
  }
  if (s->out.len - s->out.head > s->plain_left || s->held.len > s->held.head) {
    lt_push_error(L, "ERR_TLS_INVALID_STATE", "TLS records are being written");
    return lua_error(L);
  }
  if (n > 0) out_insert_plain(s, p, n);
  lt_stream_update(s);
  return 0;
}

static const luaL_Reg tls_methods[] = {
  {"release_flight", stream_release_flight}, {"write_raw", stream_write_raw},
  {"ephemeral_key", stream_ephemeral_key}, {"shared_sigalgs", stream_shared_sigalgs},
  {"starttls", stream_starttls}, {"verify_error", stream_verify_error},
  {"protocol", stream_protocol}, {"cipher", stream_cipher},
  {"servername", stream_servername}, {"session_reused", stream_session_reused},
  {"set_servername", stream_set_servername},
  {"peer_certificate", stream_peer_certificate}, {"certificate", stream_certificate},
  {"x509_certificate", stream_x509_certificate}, {"peer_x509_certificate", stream_peer_x509_certificate},
  {NULL, NULL}
};

void lt_open_tls(lua_State *L) {
  luaL_getmetatable(L, STREAM_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, tls_methods, 0);
  lua_pop(L, 2);
}
