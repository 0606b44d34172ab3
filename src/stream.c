/*
** stream.c
** A connected stream (luatls.Stream): its life cycle, events, write queue
** and the loop's calls into it. What moves the bytes is the stream's
** transport (plain fd in tcp.c, TLS over the fd or over memory in tls.c):
** the loop calls the transport, the transport reports through the events
** here. Reads become one 'data' event per chunk; writes go to a queue that
** is flushed once per loop iteration, so small writes coalesce.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "stream.h"
#include "modules.h"

char lt_readbuf[LT_CHUNK];

static ev_prepare flush_prepare;
static lt_stream *dirty_list;

/* ---------- write queue ---------- */

/*
** A write of at least a full record into an empty queue is not copied: the
** queue points at the Lua string's bytes and holds the string in the
** registry until they have gone out (Lua never moves an object). The bytes
** are copied only when more is appended behind them before then.
*/
#define BORROW_MIN 16384

/* drops the string the queue points at */
static void buf_unborrow(lt_buf *b) {
  luaL_unref(lt_state(), LUA_REGISTRYINDEX, b->ref);   /* no allocation: no Lua runs */
  b->ref = 0;
  b->data = NULL;
  b->head = b->len = b->cap = 0;
}

/* the pending bytes of a borrowed string move into a buffer of the queue's own */
void lt_buf_own(lt_buf *b) {
  if (b->ref <= 0) return;
  size_t pending = b->len - b->head;
  char *d = pending ? malloc(pending) : NULL;
  if (pending && d == NULL) abort();   /* as Lua's own allocator failing would */
  if (pending) memcpy(d, b->data + b->head, pending);
  buf_unborrow(b);
  b->data = d;
  b->len = b->cap = pending;
}

static void buf_append(lt_buf *b, const char *p, size_t n) {
  lt_buf_own(b);
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

/* the string at idx (n bytes at p) becomes the queue's content; 0 when the queue is not empty */
static int buf_borrow(lua_State *L, lt_stream *s, int idx, const char *p, size_t n) {
  lt_buf *b = &s->out;
  lua_pushvalue(L, idx);
  /* first: growing the registry may run a finalizer, which may write or close */
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  if (ref <= 0 || s->closed || s->in_ssl || s->held.len > s->held.head || b->len > b->head || b->ref > 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return 0;
  }
  free(b->data);
  b->data = (char *)p;
  b->head = 0;
  b->len = n;
  b->cap = 0;
  b->ref = ref;
  return 1;
}

void lt_buf_consume(lt_buf *b, size_t n) {
  b->head += n;
  if (b->head == b->len) {
    if (b->ref > 0) {
      buf_unborrow(b);
      return;
    }
    b->head = b->len = 0;
    if (b->cap > 4 * LT_CHUNK) {   /* an idle socket keeps no big buffer */
      free(b->data);
      b->data = NULL;
      b->cap = 0;
    }
  }
}

static void buf_free(lt_buf *b) {
  if (b->ref > 0) {
    buf_unborrow(b);
    return;
  }
  free(b->data);
  b->data = NULL;
  b->head = b->len = b->cap = 0;
}

/* ---------- streams: events ---------- */

void lt_stream_emit(lt_stream *s, const char *event) {
  lt_emit(&s->h, event, NULL, NULL);
}

/* an lt_pusher: the first *(size_t *)ud bytes of lt_readbuf */
void lt_push_readbuf(lua_State *L, void *ud) {
  lua_pushlstring(L, lt_readbuf, *(size_t *)ud);
}

void lt_stream_emit_data(lt_stream *s, size_t n) {
  lt_emit(&s->h, "data", lt_push_readbuf, &n);
}

void lt_stream_emit_error(lt_stream *s, const lt_failure *f) {
  if (!lt_emit(&s->h, "error", lt_failure_pusher, (void *)f) && f->kind == LT_FAIL_REF)
    luaL_unref(lt_state(), LUA_REGISTRYINDEX, f->ref);   /* nobody took it */
}

void lt_stream_emit_errno(lt_stream *s, int err, const char *syscall) {
  lt_failure f = { .kind = LT_FAIL_ERRNO, .sys = err, .syscall = syscall };
  lt_stream_emit_error(s, &f);
}

/* ---------- the loop's calls ---------- */

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

/* The queue is empty: report drain, then end the write side if asked to. */
void lt_stream_flushed(lt_stream *s) {
  if (s->notify_drain) {
    s->notify_drain = 0;
    lt_stream_emit(s, "drain");
    if (s->closed) return;
    /* written from a 'drain' listener (the last bytes, then end()): they
       go out first, and the next flush, which is already due, ends */
    if (s->out.len > s->out.head || s->held.len > s->held.head) return;
  }
  if (s->shut_req && !s->shut_done && s->tls_state != TLS_HANDSHAKE) {
    s->shut_done = 1;
    s->tp->end(s);
    lt_stream_emit(s, "shutdown");
  }
}

static void stream_release(lt_stream *s);

/* The outermost OpenSSL call on the stream has returned: what was written
   meanwhile joins the queue. */
void lt_stream_ssl_leave(lt_stream *s) {
  s->in_ssl--;
  lt_ssl_leave();
  if (s->in_ssl > 0 || s->held.len == s->held.head) return;
  buf_append(&s->out, s->held.data + s->held.head, s->held.len - s->held.head);
  buf_free(&s->held);
}

/* One step of the transport with the stream held: it may be closed inside. */
void lt_stream_step(lt_stream *s, int revents) {
  s->busy++;
  s->tp->io(s, revents);
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
  lt_stream_step(w->data, revents);
}

/* Runs before the loop blocks: one flush per stream written to this iteration. */
static void flush_cb(EV_P_ ev_prepare *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  while (dirty_list) {
    lt_stream *s = dirty_list;
    dirty_list = s->next_dirty;
    s->dirty = 0;
    if (s->closed || s->connecting) continue;
    s->busy++;
    s->tp->flush(s);
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

/* ---------- Lua objects ---------- */

lt_stream *lt_checkstream(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, STREAM_MT);
}

lt_stream *lt_openstream(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (s->closed) {
    lt_push_error(L, "ERR_SOCKET_CLOSED", "Socket is closed");
    lua_error(L);
  }
  return s;
}

static void stream_close_handle(lt_handle *h);

lt_stream *lt_stream_new(lua_State *L, int fd) {
  lt_stream *s = lua_newuserdatauv(L, sizeof *s, 2);   /* dispatch or handlers; owner */
  memset(s, 0, sizeof *s);
  s->fd = fd;
  s->hook_error = LUA_NOREF;
  s->reneg_verify = -1;
  s->tp = &lt_plain_transport;
  ev_io_init(&s->rio, io_cb, fd, EV_READ);
  ev_io_init(&s->wio, io_cb, fd, EV_WRITE);
  s->rio.data = s->wio.data = s;
  lt_handle_init(&s->h, "socket", stream_close_handle);
  luaL_setmetatable(L, STREAM_MT);
  return s;
}

static void close_fd(lt_stream *s) {
  if (s->fd < 0) return;
  if (s->is_socket) lt_socket_close(s);
  else close(s->fd);
  s->fd = -1;
}

/* Drops what the fd and SSL hold; the memory goes with the userdata. */
static void stream_release(lt_stream *s) {
  if (s->busy) return;
  s->tp->release(s);
  close_fd(s);
  buf_free(&s->out);
  buf_free(&s->held);
  lt_handle_deactivate(&s->h);
}

/*
** destroy() right after write() on a plain socket: Node's write tries the
** socket at once, so those bytes are sent; here they wait for the loop's
** flush, so they get one try before the fd goes. No event, no Lua: what the
** kernel does not take now is dropped, as a destroyed socket's writes are.
*/
static void last_write(lt_stream *s) {
  while (s->out.len > s->out.head) {
    const char *p = s->out.data + s->out.head;
    size_t len = s->out.len - s->out.head;
    ssize_t n = s->is_socket ? send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) : write(s->fd, p, len);
    if (n <= 0) return;
    lt_buf_consume(&s->out, (size_t)n);
  }
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
  /* an event fed to a watcher that is not active (a hook's answer) would
     otherwise be delivered after the stream's memory is gone */
  ev_clear_pending(lt_loop, &s->rio);
  ev_clear_pending(lt_loop, &s->wio);
  unmark_dirty(s);
  s->closed = 1;
  if (s->in_ssl == 0) close_fd(s);
  lt_handle_unlink(&s->h);
  stream_release(s);
}

void lt_stream_close(lt_stream *s) { stream_close_handle(&s->h); }

/* s:close([flush]): flush asks a plain socket to try what it has queued first */
static int stream_close(lua_State *L) {
  lt_stream *s = lt_checkstream(L, 1);
  if (lua_toboolean(L, 2) && !s->closed && s->tp == &lt_plain_transport && s->fd >= 0 && !s->connecting &&
      s->in_ssl == 0)
    last_write(s);
  stream_close_handle(&s->h);
  return 0;
}

/*
** s:start(dispatch): events go to dispatch(event, ...) from now on;
** s:start(handlers, owner): to handlers[event](owner, ...)
*/
static int stream_start(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  if (lua_type(L, 2) == LUA_TTABLE) {
    luaL_checkany(L, 3);
    lua_settop(L, 3);
  } else {
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_pushnil(L);
  }
  lua_setiuservalue(L, 1, 2);
  lua_setiuservalue(L, 1, 1);
  lt_handle_activate(L, &s->h, 1);
  lt_stream_update(s);
  return 0;
}

static int stream_read_start(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  s->reading = 1;
  lt_stream_update(s);
  if (s->tp->read_start) s->tp->read_start(s);
  return 0;
}

static int stream_read_stop(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  s->reading = 0;
  lt_stream_update(s);
  return 0;
}

/* s:write(data, notify) -> bytes queued; notify asks for one 'drain' when empty */
static int stream_write(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  size_t n;
  const char *p = luaL_checklstring(L, 2, &n);
  if (s->shut_req) {
    lt_push_error(L, "ERR_STREAM_WRITE_AFTER_END", "write after end");
    return lua_error(L);
  }
  /* while OpenSSL is writing from the queue, the queue must not move:
     what is written then waits aside until the call returns */
  int aside = s->in_ssl || s->held.len > s->held.head;
  if (n > 0 && (aside || n < BORROW_MIN || !buf_borrow(L, s, 2, p, n)))
    buf_append(aside ? &s->held : &s->out, p, n);
  if (lua_toboolean(L, 3)) s->notify_drain = 1;
  mark_dirty(s);
  lt_stream_update(s);
  lua_pushinteger(L, (lua_Integer)(s->out.len - s->out.head + s->held.len - s->held.head));
  return 1;
}

static int stream_shutdown(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  s->shut_req = 1;
  mark_dirty(s);
  lt_stream_update(s);
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

static const luaL_Reg stream_methods[] = {
  {"start", stream_start}, {"close", stream_close},
  {"read_start", stream_read_start}, {"read_stop", stream_read_stop},
  {"write", stream_write}, {"shutdown", stream_shutdown},
  {"setref", stream_setref},
  {NULL, NULL}
};

void lt_open_stream(lua_State *L) {
  lt_newclass(L, STREAM_MT, stream_methods, stream_close);
  if (!ev_is_active(&flush_prepare)) {
    ev_prepare_init(&flush_prepare, flush_cb);
    ev_prepare_start(lt_loop, &flush_prepare);
    ev_unref(lt_loop);   /* flushing alone must not keep the loop alive */
  }
}
