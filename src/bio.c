/*
** bio.c
** Transports for TLS that are not a bare socket. A memory stream hands its
** encrypted bytes to Lua ('encrypted') and takes the peer's from Lua
** (feed), so TLS can run over any duplex. A prefix BIO lets a socket that is
** upgraded (STARTTLS) give OpenSSL the bytes Lua had already read from it.
*/
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include "stream.h"
#include "modules.h"

/* ---------- the prefix BIO: buffered bytes first, then the fd ---------- */

typedef struct {
  int fd;
  char *buf;
  size_t len, off;
} prefix_data;

static int prefix_read(BIO *b, char *out, int n) {
  prefix_data *d = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  if (d->off < d->len) {
    size_t k = d->len - d->off < (size_t)n ? d->len - d->off : (size_t)n;
    memcpy(out, d->buf + d->off, k);
    d->off += k;
    if (d->off == d->len) {
      free(d->buf);
      d->buf = NULL;
    }
    return (int)k;
  }
  ssize_t r = read(d->fd, out, (size_t)n);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_read(b);
  return (int)r;
}

static int prefix_write(BIO *b, const char *in, int n) {
  prefix_data *d = BIO_get_data(b);
  BIO_clear_retry_flags(b);
  ssize_t r = send(d->fd, in, (size_t)n, MSG_NOSIGNAL);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_write(b);
  return (int)r;
}

static long prefix_ctrl(BIO *b, int cmd, long num, void *ptr) {
  prefix_data *d = BIO_get_data(b);
  (void)num;
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return (long)(d->len - d->off);
    case BIO_C_GET_FD:
      if (ptr) *(int *)ptr = d->fd;
      return d->fd;
    default: return 0;
  }
}

static int prefix_destroy(BIO *b) {
  prefix_data *d = BIO_get_data(b);
  if (d) {
    free(d->buf);
    free(d);
  }
  BIO_set_data(b, NULL);
  return 1;
}

static BIO_METHOD *prefix_method(void) {
  static BIO_METHOD *m;
  if (m == NULL) {
    m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "luatls prefix");
    BIO_meth_set_read(m, prefix_read);
    BIO_meth_set_write(m, prefix_write);
    BIO_meth_set_ctrl(m, prefix_ctrl);
    BIO_meth_set_destroy(m, prefix_destroy);
  }
  return m;
}

/* A BIO over fd that first yields the n bytes at p. */
BIO *lt_prefix_bio(int fd, const char *p, size_t n) {
  prefix_data *d = calloc(1, sizeof *d);
  BIO *b = d ? BIO_new(prefix_method()) : NULL;
  if (b == NULL || (n && (d->buf = malloc(n)) == NULL)) {
    BIO_free(b);
    free(d);
    return NULL;
  }
  if (n) memcpy(d->buf, p, n);   /* d->buf is NULL when n is 0, and memcpy takes no NULL */
  d->fd = fd;
  d->len = n;
  BIO_set_data(b, d);
  BIO_set_init(b, 1);
  return b;
}

/* ---------- memory streams ---------- */

/* Emits what OpenSSL wrote as 'encrypted' chunks. */
void lt_mem_drain(lt_stream *s) {
  if (!s->mem || s->ssl == NULL) return;
  BIO *wbio = SSL_get_wbio(s->ssl);
  while (!s->closed && BIO_ctrl_pending(wbio) > 0) {
    int r = BIO_read(wbio, lt_readbuf, (int)sizeof lt_readbuf);
    if (r <= 0) break;
    size_t n = (size_t)r;
    lt_emit(&s->h, "encrypted", lt_push_readbuf, &n);
  }
}

static lt_stream *memstream(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (!s->mem || s->closed || s->ssl == NULL) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

/*
** Runs the TLS engine on what arrived. From inside an OpenSSL call (a hook
** whose listener writes to a transport that answers at once) the engine
** must not be re-entered: the step waits for the next loop iteration.
*/
static void pump(lt_stream *s, int revents) {
  if (lt_in_ssl()) ev_feed_event(lt_loop, &s->rio, revents);
  else lt_stream_step(s, revents);
}

/* s:feed(bytes): the peer's encrypted bytes; an empty string just drives the handshake */
static int stream_feed(lua_State *L) {
  lt_stream *s = memstream(L);
  size_t n;
  const char *p = lt_checkbytes(L, 2, &n);
  if (n > 0 && BIO_write(SSL_get_rbio(s->ssl), p, (int)n) != (int)n) {
    lt_push_error(L, "ERR_OUT_OF_MEMORY", "not enough memory");
    return lua_error(L);
  }
  pump(s, EV_READ | EV_WRITE);
  return 0;
}

/* s:feed_eof(): the peer's stream ended */
static int stream_feed_eof(lua_State *L) {
  lt_stream *s = memstream(L);
  BIO_set_mem_eof_return(SSL_get_rbio(s->ssl), 0);
  pump(s, EV_READ);
  return 0;
}

/*
** s:drain(): what OpenSSL wrote and was not handed out yet goes out as
** 'encrypted' now, for a socket about to be destroyed (a server's last flight
** when its 'secure' listener destroys it). Nothing while OpenSSL is on the
** stack: its buffers are not touched from inside it.
*/
static int stream_drain(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->mem && !s->closed && s->ssl != NULL && !lt_in_ssl()) lt_mem_drain(s);
  return 0;
}

/* core.mem_stream() -> a stream with no fd, for TLS over a Lua duplex */
static int mem_stream(lua_State *L) {
  lt_stream *s = lt_stream_new(L, -1);
  s->mem = 1;
  return 1;
}

static const luaL_Reg mem_methods[] = {
  {"feed", stream_feed}, {"feed_eof", stream_feed_eof}, {"drain", stream_drain},
  {NULL, NULL}
};

void lt_open_bio(lua_State *L) {
  luaL_getmetatable(L, STREAM_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, mem_methods, 0);
  lua_pop(L, 2);
  lua_pushcfunction(L, mem_stream);
  lua_setfield(L, -2, "mem_stream");
}
