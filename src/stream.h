/*
** stream.h
** One connected stream: the fd, its watchers, the write queue and, once
** TLS starts, its SSL object. stream.c owns its life and events; the bytes
** move through its transport: plain (tcp.c), TLS over the fd or over
** memory (tls.c), which report back through the lt_stream_* calls below.
*/
#ifndef LUATLS_STREAM_H
#define LUATLS_STREAM_H

#include <openssl/ssl.h>
#include "luatls.h"

#define STREAM_MT "luatls.Stream"
#define LT_CHUNK 65536          /* the most one 'data' event carries */

typedef struct {
  char *data;
  size_t head, len, cap;        /* pending bytes are data[head..len) */
  int ref;                      /* > 0: data is a Lua string's bytes, held by this registry ref */
} lt_buf;

enum { TLS_NONE, TLS_HANDSHAKE, TLS_OPEN };

struct lt_stream;

/* What moves a stream's bytes. The loop calls it; it reports through lt_stream_emit*. */
typedef struct lt_transport {
  const char *name;
  void (*io)(struct lt_stream *s, int revents);   /* the fd is ready, or an event was fed */
  void (*flush)(struct lt_stream *s);             /* send what the write queue holds */
  void (*end)(struct lt_stream *s);               /* queue empty after shutdown(): end the write side */
  void (*release)(struct lt_stream *s);           /* drop what the transport holds (not the fd) */
  void (*read_start)(struct lt_stream *s);        /* reading resumes (may be NULL) */
} lt_transport;

extern const lt_transport lt_plain_transport;     /* tcp.c */
extern const lt_transport lt_tls_fd_transport;    /* tls.c: OpenSSL on the fd */
extern const lt_transport lt_tls_mem_transport;   /* tls.c: OpenSSL on memory BIOs */

typedef struct lt_stream {
  lt_handle h;
  const lt_transport *tp;
  int fd;
  ev_io rio, wio;
  int busy;                     /* inside one of our callbacks: fd and SSL stay */
  int in_ssl;                   /* OpenSSL calls on the stack for this stream */
  unsigned is_socket : 1, mem : 1, reading : 1, connecting : 1, eof : 1, shut_req : 1, shut_done : 1,
           closed : 1, dirty : 1, notify_drain : 1,
           read_wants_write : 1, write_wants_read : 1, reneg_pending : 1,
           reset : 1, alert_sent : 1, peer_done : 1;
  lt_buf out;
  lt_buf held;                  /* written while OpenSSL was writing from out */
  SSL *ssl;
  int tls_state;
  int hs_want;                  /* EV_READ or EV_WRITE while handshaking, 0 while a hook runs */
  /* handshake hooks (hooks.c) */
  unsigned hooks;               /* HOOK_* the script asked for */
  int cert_state;               /* CERT_* of the certificate callback */
  SSL_CTX *cert_ctx;            /* chosen by SNI, applied when OpenSSL calls again */
  unsigned char *ocsp;          /* the response to staple */
  size_t ocsp_len;
  unsigned char *alpn, *npn;    /* a server's protocols, wire format */
  size_t alpn_len, npn_len;
  int hook_error;               /* registry ref: what failed the handshake in a hook */
  int handshakes;               /* completed handshakes, for renegotiation */
  int reneg_verify;             /* verify mode for the next renegotiation, or -1 */
  size_t plain_left;            /* queued before STARTTLS: goes out in the clear first */
  int resume_state;             /* CERT_* of the client-hello callback (resumeSession) */
  SSL_SESSION *next_session;    /* what resumeSession found, for the lookup */
  struct lt_stream *next_dirty;
} lt_stream;

extern char lt_readbuf[LT_CHUNK];

/* stream.c */
lt_stream *lt_checkstream(lua_State *L, int idx);
lt_stream *lt_openstream(lua_State *L);
lt_stream *lt_stream_new(lua_State *L, int fd);
void lt_stream_close(lt_stream *s);
void lt_stream_ssl_leave(lt_stream *s);
void lt_stream_step(lt_stream *s, int revents);
void lt_stream_update(lt_stream *s);
void lt_stream_emit_error(lt_stream *s, const lt_failure *f);
void lt_stream_emit_errno(lt_stream *s, int err, const char *syscall);
void lt_stream_emit_data(lt_stream *s, size_t n);
void lt_push_readbuf(lua_State *L, void *ud);
void lt_stream_emit(lt_stream *s, const char *event);
void lt_stream_flushed(lt_stream *s);
void lt_stream_hold(lt_stream *s);
void lt_stream_release_hold(lt_stream *s);
void lt_buf_consume(lt_buf *b, size_t n);
void lt_buf_own(lt_buf *b);

enum { CERT_IDLE, CERT_RUNNING, CERT_DONE, CERT_FAILED };

#define HOOK_CERT       0x01   /* SNI contexts, SNICallback, OCSPRequest */
#define HOOK_PSK        0x02
#define HOOK_ALPN_CB    0x04   /* ALPNCallback */
#define HOOK_KEYLOG     0x08
#define HOOK_OCSP       0x10   /* server: staple; client: requestOCSP */
#define HOOK_RENEG      0x20   /* report renegotiation to Lua */
#define HOOK_SESSION_NEW    0x40   /* server 'newSession', client 'session' */
#define HOOK_SESSION_RESUME 0x80   /* server 'resumeSession' */

/* around every OpenSSL call that may call back into Lua: the stream's
   deferred actions wait until the outermost one returns */
#define LT_SSL_ENTER(s) ((s)->in_ssl++, lt_ssl_enter())
#define LT_SSL_LEAVE(s) lt_stream_ssl_leave(s)

/* hooks.c */
void lt_hooks_install(lt_stream *s, int is_server);
void lt_hooks_free(lt_stream *s);
void lt_hooks_after_io(lt_stream *s);
int lt_hooks_take_error(lt_stream *s, lt_failure *f);
int lt_hooks_emit(lt_stream *s, const char *event, lt_pusher push, void *ud);

/* tcp.c: closes a socket's fd, lingering if the peer must still read what was sent */
void lt_socket_close(lt_stream *s);

/* bio.c */
BIO *lt_prefix_bio(int fd, const char *p, size_t n);
void lt_mem_drain(lt_stream *s);

/* session.c */
void lt_session_setup(SSL_CTX *ctx);
void lt_session_free(lt_stream *s);


#endif
