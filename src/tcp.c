/*
** tcp.c
** Non-blocking TCP: listening servers (luatls.Server) and connected streams
** (luatls.Stream). Reads become one 'data' event per chunk; writes go to a
** queue that is flushed once per loop iteration, so small writes coalesce.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "stream.h"

#define SERVER_MT "luatls.Server"
#define ACCEPT_BATCH 64

char lt_readbuf[LT_CHUNK];

typedef struct {
  lt_handle h;
  int fd;
  int closed;
  ev_io aio;
  ev_timer retry;               /* out of fds with no spare: listen again later */
} lt_server;

static int spare_fd = -1;       /* given up to accept-and-close when out of fds */
static ev_prepare flush_prepare;
static lt_stream *dirty_list;

/* ---------- addresses ---------- */

static int make_addr(lua_State *L, const char *ip, int port, struct sockaddr_storage *ss,
                     socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
  } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
  } else {
    return luaL_error(L, "not an IP address: %s", ip);
  }
  return ss->ss_family;
}

/* pushes address, port, family ('IPv4'/'IPv6'); 0 results on failure */
static int push_addr(lua_State *L, int fd, int peer) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char ip[INET6_ADDRSTRLEN];
  int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
               : getsockname(fd, (struct sockaddr *)&ss, &len);
  if (r != 0) return 0;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    lua_pushstring(L, ip);
    lua_pushinteger(L, ntohs(a->sin_port));
    lua_pushliteral(L, "IPv4");
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    lua_pushstring(L, ip);
    lua_pushinteger(L, ntohs(a->sin6_port));
    lua_pushliteral(L, "IPv6");
  } else {
    return 0;
  }
  return 3;
}

/* ---------- write queue ---------- */

static void buf_append(lt_buf *b, const char *p, size_t n) {
  if (b->head == b->len) b->head = b->len = 0;
  if (b->cap - b->len < n) {
    size_t pending = b->len - b->head;
    if (b->head > 0) {
      memmove(b->data, b->data + b->head, pending);
      b->head = 0;
      b->len = pending;
    }
    if (b->cap - b->len < n) {
      size_t cap = b->cap ? b->cap : 4096;
      while (cap - b->len < n) cap *= 2;
      char *d = realloc(b->data, cap);
      if (d == NULL) abort();   /* as Lua's own allocator failing would */
      b->data = d;
      b->cap = cap;
    }
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void lt_buf_consume(lt_buf *b, size_t n) {
  b->head += n;
  if (b->head == b->len) {
    b->head = b->len = 0;
    if (b->cap > 4 * LT_CHUNK) {   /* an idle socket keeps no big buffer */
      free(b->data);
      b->data = NULL;
      b->cap = 0;
    }
  }
}

static void buf_free(lt_buf *b) {
  free(b->data);
  b->data = NULL;
  b->head = b->len = b->cap = 0;
}

/* ---------- streams: events ---------- */

void lt_stream_emit(lt_stream *s, const char *event) {
  lt_emit(&s->h, event, NULL, NULL);
}

static void push_readbuf(lua_State *L, void *ud) {
  lua_pushlstring(L, lt_readbuf, *(size_t *)ud);
}

void lt_stream_emit_data(lt_stream *s, size_t n) {
  lt_emit(&s->h, "data", push_readbuf, &n);
}

void lt_stream_emit_error(lt_stream *s, const lt_failure *f) {
  if (!lt_emit(&s->h, "error", lt_failure_pusher, (void *)f) && f->kind == LT_FAIL_REF)
    luaL_unref(lt_state(), LUA_REGISTRYINDEX, f->ref);   /* nobody took it */
}

static void emit_errno(lt_stream *s, int err, const char *syscall) {
  lt_failure f = { .kind = LT_FAIL_ERRNO, .sys = err, .syscall = syscall };
  lt_stream_emit_error(s, &f);
}

/* ---------- streams: I/O ---------- */

void lt_stream_update(lt_stream *s) {
  if (s->closed || s->fd < 0) return;
  int hs = s->tls_state == TLS_HANDSHAKE;
  int want_r = !s->connecting &&
               ((hs && s->hs_want == EV_READ) || (!hs && s->reading && !s->eof) ||
                s->write_wants_read);
  int want_w = s->connecting || (hs && s->hs_want == EV_WRITE) || s->read_wants_write ||
               (!hs && (s->out.len > s->out.head || (s->shut_req && !s->shut_done)));
  if (want_r) lt_io_start(&s->h, &s->rio); else lt_io_stop(&s->h, &s->rio);
  if (want_w) lt_io_start(&s->h, &s->wio); else lt_io_stop(&s->h, &s->wio);
}

static void plain_read(lt_stream *s) {
  ssize_t n = read(s->fd, lt_readbuf, sizeof lt_readbuf);
  if (n > 0) {
    lt_stream_emit_data(s, (size_t)n);
  } else if (n == 0) {
    s->eof = 1;
    lt_stream_emit(s, "end");
  } else if (errno != EAGAIN && errno != EINTR) {
    s->eof = 1;
    emit_errno(s, errno, "read");
  }
}

/* The queue is empty: report drain, then do a requested shutdown. */
void lt_stream_flushed(lt_stream *s) {
  if (s->notify_drain) {
    s->notify_drain = 0;
    lt_stream_emit(s, "drain");
    if (s->closed) return;
  }
  if (s->shut_req && !s->shut_done && s->tls_state != TLS_HANDSHAKE) {
    s->shut_done = 1;
    if (s->ssl) lt_tls_shutdown(s);
    if (s->mem) {
      lt_mem_drain(s);   /* the close_notify goes out as 'encrypted' */
    } else if (s->is_socket) {
      shutdown(s->fd, SHUT_WR);
    } else {
      /* a pipe has one direction: closing it is how the reader sees EOF */
      lt_io_stop(&s->h, &s->rio);
      lt_io_stop(&s->h, &s->wio);
      close(s->fd);
      s->fd = -1;
      s->eof = 1;
      s->reading = 0;
    }
    lt_stream_emit(s, "shutdown");
  }
}

static void plain_flush(lt_stream *s) {
  while (s->out.len > s->out.head) {
    const char *p = s->out.data + s->out.head;
    size_t len = s->out.len - s->out.head;
    ssize_t n = s->is_socket ? send(s->fd, p, len, MSG_NOSIGNAL) : write(s->fd, p, len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      buf_free(&s->out);
      emit_errno(s, errno, "write");
      return;
    }
    lt_buf_consume(&s->out, (size_t)n);
  }
  lt_stream_flushed(s);
}

static void stream_flush(lt_stream *s) {
  if (s->closed || s->connecting) return;
  if (s->ssl) lt_tls_flush(s);
  else plain_flush(s);
}

static void finish_connect(lt_stream *s) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS) return;
  s->connecting = 0;
  if (err) emit_errno(s, err, "connect");
  else lt_stream_emit(s, "connect");
}

static void stream_release(lt_stream *s);

static void io_step(lt_stream *s, int revents) {
  s->busy++;
  if (s->connecting) {
    finish_connect(s);
  } else if (s->ssl) {
    lt_tls_io(s, revents);
    lt_hooks_after_io(s);
  } else {
    if (revents & EV_READ) plain_read(s);
    if (!s->closed && (revents & EV_WRITE)) plain_flush(s);
  }
  if (!s->closed) lt_mem_drain(s);
  s->busy--;
  if (s->closed) stream_release(s);
  else lt_stream_update(s);
  lt_run_ticks();   /* ticks queued by hooks that ran inside OpenSSL */
}

/* Around an OpenSSL call made from a Lua method: hooks that run inside it
   may close the stream, and its SSL must outlive the call. */
void lt_stream_hold(lt_stream *s) { s->busy++; }

void lt_stream_release_hold(lt_stream *s) {
  s->busy--;
  if (s->closed) stream_release(s);
}

static void io_cb(EV_P_ ev_io *w, int revents) {
  (void)EV_A;
  io_step(w->data, revents);
}

void lt_mem_pump(lt_stream *s, int revents) { io_step(s, revents); }

/* Runs before the loop blocks: one flush per stream written to this iteration. */
static void flush_cb(EV_P_ ev_prepare *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  while (dirty_list) {
    lt_stream *s = dirty_list;
    dirty_list = s->next_dirty;
    s->dirty = 0;
    s->busy++;
    stream_flush(s);
    if (s->ssl) lt_hooks_after_io(s);
    if (!s->closed) lt_mem_drain(s);
    s->busy--;
    if (s->closed) stream_release(s);
    else lt_stream_update(s);
  }
  lt_run_ticks();
}

static void mark_dirty(lt_stream *s) {
  if (s->dirty) return;
  s->dirty = 1;
  s->next_dirty = dirty_list;
  dirty_list = s;
}

static void unmark_dirty(lt_stream *s) {
  if (!s->dirty) return;
  for (lt_stream **p = &dirty_list; *p; p = &(*p)->next_dirty) {
    if (*p == s) { *p = s->next_dirty; break; }
  }
  s->dirty = 0;
}

/* ---------- streams: Lua objects ---------- */

lt_stream *lt_checkstream(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, STREAM_MT);
}

static lt_stream *openstream(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->closed) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

static void stream_close_handle(lt_handle *h);

static lt_stream *new_stream(lua_State *L, int fd) {
  lt_stream *s = lua_newuserdatauv(L, sizeof *s, 1);
  memset(s, 0, sizeof *s);
  s->fd = fd;
  s->hook_error = LUA_NOREF;
  ev_io_init(&s->rio, io_cb, fd, EV_READ);
  ev_io_init(&s->wio, io_cb, fd, EV_WRITE);
  s->rio.data = s->wio.data = s;
  lt_handle_init(&s->h, "socket", stream_close_handle);
  luaL_setmetatable(L, STREAM_MT);
  return s;
}

static void close_fd(lt_stream *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

/* Drops what the fd and SSL hold; the memory goes with the userdata. */
static void stream_release(lt_stream *s) {
  if (s->busy) return;
  lt_tls_free(s);
  close_fd(s);
  buf_free(&s->out);
  lt_handle_deactivate(&s->h);
}

/*
** Closed from inside an OpenSSL call on this stream (a hook's listener),
** the fd keeps its number until that call has returned: OpenSSL may still
** write to it, and a file or socket the script opens meanwhile must not
** get that number and with it this connection's records.
*/
static void stream_close_handle(lt_handle *h) {
  lt_stream *s = (lt_stream *)h;
  if (s->closed) return;
  lt_io_stop(&s->h, &s->rio);
  lt_io_stop(&s->h, &s->wio);
  unmark_dirty(s);
  s->closed = 1;
  if (s->in_ssl == 0) close_fd(s);
  lt_handle_unlink(&s->h);
  stream_release(s);
}

static int stream_close(lua_State *L) {
  stream_close_handle(&lt_checkstream(L, 1)->h);
  return 0;
}

/* s:start(dispatch): events go to dispatch(event, ...) from now on */
static int stream_start(lua_State *L) {
  lt_stream *s = openstream(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  lua_setiuservalue(L, 1, 1);
  lt_handle_activate(L, &s->h, 1);
  lt_stream_update(s);
  return 0;
}

static int stream_read_start(lua_State *L) {
  lt_stream *s = openstream(L);
  s->reading = 1;
  lt_stream_update(s);
  /* TLS may hold decrypted bytes that no fd event will announce */
  if (s->ssl && s->tls_state == TLS_OPEN && SSL_has_pending(s->ssl))
    ev_feed_event(lt_loop, &s->rio, EV_READ);
  return 0;
}

static int stream_read_stop(lua_State *L) {
  lt_stream *s = openstream(L);
  s->reading = 0;
  lt_stream_update(s);
  return 0;
}

/* s:write(data, notify) -> bytes queued; notify asks for one 'drain' when empty */
static int stream_write(lua_State *L) {
  lt_stream *s = openstream(L);
  size_t n;
  const char *p = luaL_checklstring(L, 2, &n);
  if (s->shut_req) {
    lt_push_error(L, "ERR_STREAM_WRITE_AFTER_END", "write after end");
    return lua_error(L);
  }
  if (n > 0) buf_append(&s->out, p, n);
  if (lua_toboolean(L, 3)) s->notify_drain = 1;
  mark_dirty(s);
  lt_stream_update(s);
  lua_pushinteger(L, (lua_Integer)(s->out.len - s->out.head));
  return 1;
}

static int stream_shutdown(lua_State *L) {
  lt_stream *s = openstream(L);
  s->shut_req = 1;
  mark_dirty(s);
  lt_stream_update(s);
  return 0;
}

static int stream_sockname(lua_State *L) {
  lt_stream *s = openstream(L);
  if (!s->is_socket) return 0;
  return push_addr(L, s->fd, 0);
}

static int stream_peername(lua_State *L) {
  lt_stream *s = openstream(L);
  if (!s->is_socket) return 0;
  return push_addr(L, s->fd, 1);
}

static int stream_nodelay(lua_State *L) {
  lt_stream *s = openstream(L);
  int on = lua_toboolean(L, 2);
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return 0;
}

/* s:reset(): the close that follows sends RST instead of FIN */
static int stream_reset(lua_State *L) {
  lt_stream *s = openstream(L);
  struct linger lg = { 1, 0 };
  if (s->is_socket) setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  return 0;
}

static int stream_keepalive(lua_State *L) {
  lt_stream *s = openstream(L);
  int on = lua_toboolean(L, 2), delay = (int)luaL_optinteger(L, 3, 0);
  setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  if (on && delay > 0) setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &delay, sizeof delay);
  return 0;
}

static int stream_setref(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  int unref = !lua_toboolean(L, 2);
  if (s->closed || s->h.unrefed == unref) {
    s->h.unrefed = unref;
    return 0;
  }
  int r = ev_is_active(&s->rio), w = ev_is_active(&s->wio);
  lt_io_stop(&s->h, &s->rio);
  lt_io_stop(&s->h, &s->wio);
  s->h.unrefed = unref;
  if (r) lt_io_start(&s->h, &s->rio);
  if (w) lt_io_start(&s->h, &s->wio);
  return 0;
}

/* core.tcp_connect(ip, port) -> stream | nil, err */
static int tcp_connect(lua_State *L) {
  const char *ip = luaL_checkstring(L, 1);
  int port = (int)luaL_checkinteger(L, 2);
  struct sockaddr_storage ss;
  socklen_t len;
  int family = make_addr(L, ip, port, &ss, &len);
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    lua_pushnil(L);
    lt_push_errno(L, errno, "socket");
    return 2;
  }
  lt_stream *s = new_stream(L, fd);
  s->is_socket = 1;
  if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
    int err = errno;
    lua_pushcfunction(L, stream_close);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0);
    lua_pushnil(L);
    lt_push_errno(L, err, "connect");
    return 2;
  }
  s->connecting = 1;
  return 1;
}

static const luaL_Reg stream_methods[] = {
  {"start", stream_start}, {"close", stream_close},
  {"read_start", stream_read_start}, {"read_stop", stream_read_stop},
  {"write", stream_write}, {"shutdown", stream_shutdown},
  {"sockname", stream_sockname}, {"peername", stream_peername},
  {"nodelay", stream_nodelay}, {"keepalive", stream_keepalive}, {"reset", stream_reset},
  {"setref", stream_setref},
  {NULL, NULL}
};

/* ---------- servers ---------- */

static lt_server *checkserver(lua_State *L) {
  return luaL_checkudata(L, 1, SERVER_MT);
}

static int make_stream_protected(lua_State *L) {
  new_stream(L, (int)lua_tointeger(L, 1))->is_socket = 1;
  return 1;
}

/* core.mem_stream() -> a stream with no fd, for TLS over a Lua duplex */
static int mem_stream(lua_State *L) {
  lt_stream *s = new_stream(L, -1);
  s->mem = 1;
  return 1;
}

/* core.pipe_open(fd) -> stream over a non-blocking pipe end (child processes) */
static int pipe_open(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return lt_raise_errno(L, errno, "fcntl");
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  new_stream(L, fd);
  return 1;
}

/* the stream is made in a protected call: out of memory drops this client only */
static void emit_connection(lt_server *srv, int fd) {
  lua_State *L = lt_state();
  if (!lua_checkstack(L, 4)) { close(fd); return; }
  lua_pushcfunction(L, make_stream_protected);
  lua_pushinteger(L, fd);
  if (lt_pcall(L, 1, 1) != LUA_OK) {
    close(fd);
    lua_pop(L, 1);
    return;
  }
  lt_emit_n(&srv->h, "connection", NULL, NULL, 1);   /* unheard, the stream's finalizer closes fd */
}

/* Out of fds: give the spare back, accept and close, so the backlog drains. */
static int shed_with_spare(lt_server *srv) {
  if (spare_fd < 0) return 0;
  close(spare_fd);
  int fd = accept(srv->fd, NULL, NULL);
  if (fd >= 0) close(fd);
  spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  return 1;
}

static void accept_cb(EV_P_ ev_io *w, int revents) {
  lt_server *srv = w->data;
  (void)revents;
  for (int i = 0; i < ACCEPT_BATCH && !srv->closed; i++) {
    int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      emit_connection(srv, fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if ((errno == EMFILE || errno == ENFILE) && shed_with_spare(srv)) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      /* no spare either: stop polling for a moment instead of spinning */
      lt_io_stop(&srv->h, &srv->aio);
      ev_timer_set(&srv->retry, 0.1, 0);
      ev_timer_start(EV_A, &srv->retry);
      if (srv->h.unrefed) ev_unref(EV_A);
    }
    break;
  }
}

static void retry_cb(EV_P_ ev_timer *w, int revents) {
  lt_server *srv = w->data;
  (void)revents;
  if (srv->h.unrefed) ev_ref(EV_A);
  if (spare_fd < 0) spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!srv->closed) lt_io_start(&srv->h, &srv->aio);
}

static void server_close_handle(lt_handle *h);

/* core.tcp_listen(ip, port, backlog, ipv6only) -> server | nil, err */
static int tcp_listen(lua_State *L) {
  const char *ip = luaL_checkstring(L, 1);
  int port = (int)luaL_checkinteger(L, 2);
  int backlog = (int)luaL_optinteger(L, 3, 511), one = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  int family = make_addr(L, ip, port, &ss, &len);
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const char *syscall = "socket";
  if (fd < 0) goto fail;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    int v6only = lua_toboolean(L, 4);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  syscall = "bind";
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) goto fail;
  syscall = "listen";
  if (listen(fd, backlog) != 0) goto fail;
  lt_server *srv = lua_newuserdatauv(L, sizeof *srv, 1);
  memset(srv, 0, sizeof *srv);
  srv->fd = fd;
  ev_io_init(&srv->aio, accept_cb, fd, EV_READ);
  ev_init(&srv->retry, retry_cb);
  srv->aio.data = srv->retry.data = srv;
  lt_handle_init(&srv->h, "server", server_close_handle);
  luaL_setmetatable(L, SERVER_MT);
  return 1;
fail: {
    int err = errno;
    if (fd >= 0) close(fd);
    lua_pushnil(L);
    lt_push_errno(L, err, syscall);
    return 2;
  }
}

static int server_start(lua_State *L) {
  lt_server *srv = checkserver(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (srv->closed) return 0;
  lua_settop(L, 2);
  lua_setiuservalue(L, 1, 1);
  lt_handle_activate(L, &srv->h, 1);
  lt_io_start(&srv->h, &srv->aio);
  return 0;
}

static void server_close_handle(lt_handle *h) {
  lt_server *srv = (lt_server *)h;
  if (srv->closed) return;
  srv->closed = 1;
  lt_io_stop(&srv->h, &srv->aio);
  if (ev_is_active(&srv->retry)) {
    if (srv->h.unrefed) ev_ref(lt_loop);
    ev_timer_stop(lt_loop, &srv->retry);
  }
  close(srv->fd);
  lt_handle_deactivate(&srv->h);
  lt_handle_unlink(&srv->h);
}

static int server_close(lua_State *L) {
  server_close_handle(&checkserver(L)->h);
  return 0;
}

static int server_sockname(lua_State *L) {
  lt_server *srv = checkserver(L);
  return srv->closed ? 0 : push_addr(L, srv->fd, 0);
}

static int server_setref(lua_State *L) {
  lt_server *srv = checkserver(L);
  int unref = !lua_toboolean(L, 2);
  if (srv->h.unrefed == unref) return 0;
  int active = ev_is_active(&srv->aio);
  lt_io_stop(&srv->h, &srv->aio);
  srv->h.unrefed = unref;
  if (active) lt_io_start(&srv->h, &srv->aio);
  return 0;
}

static const luaL_Reg server_methods[] = {
  {"start", server_start}, {"close", server_close},
  {"sockname", server_sockname}, {"setref", server_setref},
  {NULL, NULL}
};

static const luaL_Reg tcp_funcs[] = {
  {"tcp_connect", tcp_connect}, {"tcp_listen", tcp_listen},
  {"pipe_open", pipe_open}, {"mem_stream", mem_stream},
  {NULL, NULL}
};

void lt_open_tcp(lua_State *L) {
  lt_newclass(L, STREAM_MT, stream_methods, stream_close);
  lt_newclass(L, SERVER_MT, server_methods, server_close);
  /* a peer that went away must give EPIPE, not kill the process */
  signal(SIGPIPE, SIG_IGN);
  if (spare_fd < 0) spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!ev_is_active(&flush_prepare)) {
    ev_prepare_init(&flush_prepare, flush_cb);
    ev_prepare_start(lt_loop, &flush_prepare);
    ev_unref(lt_loop);   /* flushing alone must not keep the loop alive */
  }
  luaL_setfuncs(L, tcp_funcs, 0);
}
