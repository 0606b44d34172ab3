/*
** tcp.c
** Non-blocking TCP and Unix domain sockets: listening servers
** (luatls.Server), outgoing connects, pipes, and the plain transport of a
** stream: bytes read and written on its fd as they are.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/bpf.h>
#include "stream.h"
#include "modules.h"

#define SERVER_MT "luatls.Server"
#define ACCEPT_BATCH 64

typedef struct {
  lt_handle h;
  int fd;
  int closed;
  ev_io aio;
  ev_timer retry;               /* out of fds with no spare: listen again later */
  char *path;                   /* a Unix socket's file, removed on close */
  int shared;                   /* SO_REUSEPORT: 1 draining its own queue on close, 2 migrating it */
  struct sockaddr_storage bound;  /* where it listens, once asked */
  socklen_t bound_len;          /* 0: not asked yet; -1: a wildcard or not IP */
} lt_server;

/*
** The socket being accepted: accept4 gives its peer's address, and a listener
** bound to one address gives its local one, so the peername and sockname calls
** made while its Lua object is set up need no system call. Valid only while
** that socket is announced, and never once its fd is closed.
*/
static struct {
  lt_stream *s;
  struct sockaddr_storage peer, local;
  socklen_t peer_len, local_len;  /* 0: unknown */
} accepting;

static int spare_fd = -1;       /* given up to accept-and-close when out of fds */

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

/* a Unix socket address: a file name, or a Linux abstract name starting with
   a NUL byte; 0, or ENAMETOOLONG / EINVAL instead of a silently cut name */
static int make_unix(const char *path, size_t n, struct sockaddr_un *sun, socklen_t *len) {
  memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  if (n == 0 || (path[0] != '\0' && strlen(path) != n)) return EINVAL;
  if (n + (path[0] != '\0') > sizeof sun->sun_path) return ENAMETOOLONG;
  memcpy(sun->sun_path, path, n);
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '\0'));
  return 0;
}

/* pushes address, port, family ('IPv4'/'IPv6') of an IP address; 0 results otherwise */
static int push_sockaddr(lua_State *L, const struct sockaddr_storage *ss) {
  char ip[INET6_ADDRSTRLEN];
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    lua_pushstring(L, ip);
    lua_pushinteger(L, ntohs(a->sin_port));
    lua_pushliteral(L, "IPv4");
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    lua_pushstring(L, ip);
    lua_pushinteger(L, ntohs(a->sin6_port));
    lua_pushliteral(L, "IPv6");
  } else {
    return 0;
  }
  return 3;
}

/* pushes the address of fd's peer or its own; 0 results on failure */
static int push_addr(lua_State *L, int fd, int peer) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ss.ss_family = AF_UNSPEC;   /* the analyzer cannot tell that a call that succeeds sets it */
  int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
               : getsockname(fd, (struct sockaddr *)&ss, &len);
  return r == 0 ? push_sockaddr(L, &ss) : 0;
}

static int push_stream_addr(lua_State *L, lt_stream *s, int peer) {
  if (s == accepting.s && (peer ? accepting.peer_len : accepting.local_len) > 0)
    return push_sockaddr(L, peer ? &accepting.peer : &accepting.local);
  return push_addr(L, s->fd, peer);
}

/* ---------- the plain transport ---------- */

static void plain_read(lt_stream *s) {
  ssize_t n = read(s->fd, lt_readbuf, sizeof lt_readbuf);
  if (n > 0) {
    lt_stream_emit_data(s, (size_t)n);
  } else if (n == 0) {
    s->eof = s->peer_done = 1;
    lt_stream_emit(s, "end");
  } else if (errno != EAGAIN && errno != EINTR) {
    s->eof = 1;
    lt_stream_emit_errno(s, errno, "read");
  }
}

static void plain_flush(lt_stream *s) {
  while (s->out.len > s->out.head) {
    const char *p = s->out.data + s->out.head;
    size_t len = s->out.len - s->out.head;
    ssize_t n = s->is_socket ? send(s->fd, p, len, MSG_NOSIGNAL) : write(s->fd, p, len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      int err = errno;
      lt_buf_consume(&s->out, s->out.len - s->out.head);
      lt_stream_emit_errno(s, err, "write");
      return;
    }
    lt_buf_consume(&s->out, (size_t)n);
  }
  lt_stream_flushed(s);
}

static void finish_connect(lt_stream *s) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS) return;
  s->connecting = 0;
  if (err) lt_stream_emit_errno(s, err, "connect");
  else lt_stream_emit(s, "connect");
}

static void plain_io(lt_stream *s, int revents) {
  if (s->connecting) {
    finish_connect(s);
    return;
  }
  if (revents & EV_READ) plain_read(s);
  if (!s->closed && (revents & EV_WRITE)) plain_flush(s);
}

/* the write side ends: a FIN on a socket; a pipe has one direction, and
   closing it is how the reader sees EOF */
static void plain_end(lt_stream *s) {
  if (s->is_socket) {
    shutdown(s->fd, SHUT_WR);
    return;
  }
  lt_io_stop(&s->h, &s->rio);
  lt_io_stop(&s->h, &s->wio);
  close(s->fd);
  s->fd = -1;
  s->eof = 1;
  s->reading = 0;
}

static void plain_release(lt_stream *s) { (void)s; }

const lt_transport lt_plain_transport = {
  "plain", plain_io, plain_flush, plain_end, plain_release, NULL
};

/* ---------- lingering close ---------- */

/*
** A socket closed with unread input answers with a reset, and a reset can
** destroy what we sent last before the peer reads it: a fatal alert, the
** session tickets, a close_notify. After an alert or end(), the close
** lingers as s_server's does: the write side is shut, input is read and
** dropped until the peer closes, LINGER_BYTES have come or LINGER_SECONDS
** have passed, and only then is the fd closed. Lingering sockets do not
** keep the loop alive, and at most LINGER_MAX linger at once.
*/
#define LINGER_SECONDS 2.0
#define LINGER_BYTES (256 * 1024)
#define LINGER_MAX 1024

typedef struct {
  ev_io io;
  ev_timer timer;
  size_t drained;
} linger;

static int lingering;

static void linger_end(linger *l) {
  ev_ref(lt_loop);
  ev_io_stop(lt_loop, &l->io);
  ev_ref(lt_loop);
  ev_timer_stop(lt_loop, &l->timer);
  close(l->io.fd);
  free(l);
  lingering--;
}

static void linger_read(EV_P_ ev_io *w, int revents) {
  linger *l = w->data;
  (void)EV_A; (void)revents;
  for (;;) {
    ssize_t n = read(w->fd, lt_readbuf, sizeof lt_readbuf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0 || (l->drained += (size_t)n) >= LINGER_BYTES) break;
  }
  linger_end(l);
}

static void linger_timeout(EV_P_ ev_timer *w, int revents) {
  (void)EV_A; (void)revents;
  linger_end(w->data);
}

/* does the peer still have to read what we sent? Not after a reset, nor once
   it has said it sends no more (close_notify or FIN) */
static int wants_linger(lt_stream *s) {
  char c;
  if (s->reset || s->peer_done || !(s->alert_sent || s->shut_done)) return 0;
  ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return 0;   /* the peer has closed and nothing is unread: a FIN will do */
  return n > 0 || errno == EAGAIN || errno == EWOULDBLOCK;
}

void lt_socket_close(lt_stream *s) {
  linger *l;
  if (accepting.s == s) accepting.s = NULL;
  if (lingering >= LINGER_MAX || !wants_linger(s) || (l = malloc(sizeof *l)) == NULL) {
    close(s->fd);
    return;
  }
  shutdown(s->fd, SHUT_WR);
  l->drained = 0;
  ev_io_init(&l->io, linger_read, s->fd, EV_READ);
  ev_timer_init(&l->timer, linger_timeout, LINGER_SECONDS, 0);
  l->io.data = l->timer.data = l;
  ev_io_start(lt_loop, &l->io);
  ev_unref(lt_loop);
  ev_timer_start(lt_loop, &l->timer);
  ev_unref(lt_loop);
  lingering++;
}

/* ---------- socket methods of streams ---------- */

static int stream_sockname(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  if (!s->is_socket) return 0;
  return push_stream_addr(L, s, 0);
}

static int stream_peername(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  if (!s->is_socket) return 0;
  return push_stream_addr(L, s, 1);
}

static int stream_nodelay(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  int on = lua_toboolean(L, 2);
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return 0;
}

/* s:reset(): the close that follows sends RST instead of FIN */
static int stream_reset(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  struct linger lg = { 1, 0 };
  if (s->is_socket) setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  s->reset = 1;
  return 0;
}

static int stream_keepalive(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  int on = lua_toboolean(L, 2);
  int delay = lua_isnoneornil(L, 3) ? 0 : (int)lt_checkrange(L, 3, 0, 32767, "initialDelay");
  setsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  if (on && delay > 0) setsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &delay, sizeof delay);
  return 0;
}

/* s:sockopts() -> noDelay, keepAlive, keepAlive idle seconds: what the kernel has */
static int stream_sockopts(lua_State *L) {
  lt_stream *s = lt_openstream(L);
  int nodelay = 0, keep = 0, idle = 0;
  socklen_t n = sizeof nodelay;
  getsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &n);
  n = sizeof keep;
  getsockopt(s->fd, SOL_SOCKET, SO_KEEPALIVE, &keep, &n);
  n = sizeof idle;
  getsockopt(s->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &n);
  lua_pushboolean(L, nodelay);
  lua_pushboolean(L, keep);
  lua_pushinteger(L, idle);
  return 3;
}

/* a new stream connecting fd to addr; nil, err when connect(2) fails at once */
static int start_connect(lua_State *L, int fd, const struct sockaddr *addr, socklen_t len) {
  lt_stream *s = lt_stream_new(L, fd);
  s->is_socket = 1;
  if (connect(fd, addr, len) != 0 && errno != EINPROGRESS) {
    int err = errno;
    lt_stream_close(s);
    lua_pushnil(L);
    lt_push_errno(L, err, "connect");
    return 2;
  }
  s->connecting = 1;
  return 1;
}

/* core.tcp_connect(ip, port[, local_ip][, local_port]) -> stream | nil, err;
   with a local address or port the socket is bound first (syscall 'bind') */
static int tcp_connect(lua_State *L) {
  const char *ip = luaL_checkstring(L, 1);
  int port = (int)lt_checkrange(L, 2, 0, 65535, "port");
  const char *local = luaL_optstring(L, 3, NULL);
  int local_port = lua_isnoneornil(L, 4) ? 0 : (int)lt_checkrange(L, 4, 0, 65535, "localPort");
  struct sockaddr_storage ss, ls;
  socklen_t len, llen;
  int family = make_addr(L, ip, port, &ss, &len);
  if (local || local_port) {
    make_addr(L, local ? local : family == AF_INET6 ? "::" : "0.0.0.0", local_port, &ls, &llen);
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    lua_pushnil(L);
    lt_push_errno(L, errno, "socket");
    return 2;
  }
  if (local || local_port) {
    int one = 1;
    /* as libuv binds: a port in TIME_WAIT can be taken again */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ls, llen) != 0) {
      int err = errno;
      close(fd);
      lua_pushnil(L);
      lt_push_errno(L, err, "bind");
      return 2;
    }
  }
  return start_connect(L, fd, (struct sockaddr *)&ss, len);
}

/* core.pipe_connect(path) -> stream | nil, err: a Unix domain socket */
static int pipe_connect(lua_State *L) {
  size_t n;
  const char *path = luaL_checklstring(L, 1, &n);
  struct sockaddr_un sun;
  socklen_t len;
  int err = make_unix(path, n, &sun, &len);
  int fd = err ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    lua_pushnil(L);
    lt_push_errno(L, err ? err : errno, err ? "connect" : "socket");
    return 2;
  }
  return start_connect(L, fd, (struct sockaddr *)&sun, len);
}

static const luaL_Reg socket_methods[] = {
  {"sockname", stream_sockname}, {"peername", stream_peername},
  {"nodelay", stream_nodelay}, {"keepalive", stream_keepalive}, {"reset", stream_reset},
  {"sockopts", stream_sockopts},
  {NULL, NULL}
};

/* ---------- servers ---------- */

static lt_server *checkserver(lua_State *L) {
  return luaL_checkudata(L, 1, SERVER_MT);
}

static int make_stream_protected(lua_State *L) {
  lt_stream_new(L, (int)lua_tointeger(L, 1))->is_socket = 1;
  return 1;
}

/* core.pipe_open(fd) -> stream over a non-blocking pipe end (child processes) */
static int pipe_open(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return lt_raise_errno(L, errno, "fcntl");
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  lt_stream_new(L, fd);
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
  accepting.s = lua_touserdata(L, -1);
  lt_emit_n(&srv->h, "connection", NULL, NULL, 1);   /* unheard, the stream's finalizer closes fd */
  accepting.s = NULL;
}

/* where srv listens, if that is one IP address: an accepted socket's own address */
static socklen_t bound_addr(lt_server *srv) {
  if (srv->bound_len == 0) {
    socklen_t len = sizeof srv->bound;
    srv->bound.ss_family = AF_UNSPEC;
    int one = getsockname(srv->fd, (struct sockaddr *)&srv->bound, &len) == 0 &&
              ((srv->bound.ss_family == AF_INET &&
                ((struct sockaddr_in *)&srv->bound)->sin_addr.s_addr != htonl(INADDR_ANY)) ||
               (srv->bound.ss_family == AF_INET6 &&
                !IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&srv->bound)->sin6_addr)));
    srv->bound_len = one ? len : (socklen_t)-1;
  }
  return srv->bound_len == (socklen_t)-1 ? 0 : srv->bound_len;
}

/* accept4, keeping what it says of the peer and what the listener says of the socket */
static int accept_one(lt_server *srv) {
  socklen_t len = sizeof accepting.peer;
  accepting.s = NULL;   /* what is kept below belongs to the socket made next */
  int fd = accept4(srv->fd, (struct sockaddr *)&accepting.peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return fd;
  accepting.peer_len = len <= sizeof accepting.peer ? len : 0;
  accepting.local_len = bound_addr(srv);
  if (accepting.local_len) accepting.local = srv->bound;
  return fd;
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

/* what is queued, in one go, as libuv accepts for Node: those connections
   are announced in the order they came, in this loop iteration */
static void accept_cb(EV_P_ ev_io *w, int revents) {
  lt_server *srv = w->data;
  (void)revents;
  for (int i = 0; i < ACCEPT_BATCH && !srv->closed; i++) {
    int fd = accept_one(srv);
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

/* a server userdata listening on fd (pushed) */
static lt_server *new_server(lua_State *L, int fd) {
  lt_server *srv = lua_newuserdatauv(L, sizeof *srv, 1);
  memset(srv, 0, sizeof *srv);
  srv->fd = fd;
  ev_io_init(&srv->aio, accept_cb, fd, EV_READ);
  ev_init(&srv->retry, retry_cb);
  srv->aio.data = srv->retry.data = srv;
  lt_handle_init(&srv->h, "server", server_close_handle);
  luaL_setmetatable(L, SERVER_MT);
  return srv;
}

static int listen_failed(lua_State *L, int fd, const char *syscall) {
  int err = errno;
  if (fd >= 0) close(fd);
  lua_pushnil(L);
  lt_push_errno(L, err, syscall);
  return 2;
}

/* The eBPF program for a reuseport group (Linux 5.14+), or -1 where it cannot be
   loaded (no CAP_BPF, an older kernel). It is of the SELECT_OR_MIGRATE kind and selects
   nothing: new connections are still spread by hash, but when one listener of the group
   closes, the kernel moves the connections queued on it (accepted by the kernel, not yet
   by us, and half-open ones) to another listener instead of resetting them. */
static int migrate_prog(void) {
  static int prog = -2;
  if (prog != -2) return prog;
  struct bpf_insn insns[] = {
    { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = SK_PASS },
    { .code = BPF_JMP | BPF_EXIT },
  };
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_SK_REUSEPORT;
  attr.expected_attach_type = BPF_SK_REUSEPORT_SELECT_OR_MIGRATE;
  attr.insns = (__u64)(uintptr_t)insns;
  attr.insn_cnt = sizeof insns / sizeof insns[0];
  attr.license = (__u64)(uintptr_t)"GPL";
  prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);   /* close-on-exec */
  if (prog < 0) prog = -1;
  return prog;
}

/* 2 when the group of fd (listening) migrates a closing listener's queue, else 1 */
static int share_queue(int fd, int migrate) {
  int prog = migrate ? migrate_prog() : -1;
  if (prog >= 0 && setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof prog) == 0) return 2;
  return 1;
}

/* core.tcp_listen(ip, port, backlog, ipv6only, reuseport) -> server | nil, err.
   reuseport: SO_REUSEPORT, so cluster workers share the address (lua/cluster.lua);
   true also attaches the migrating program, 'drain' does not */
static int tcp_listen(lua_State *L) {
  const char *ip = luaL_checkstring(L, 1);
  int port = (int)lt_checkrange(L, 2, 0, 65535, "port");
  int backlog = lua_isnoneornil(L, 3) ? 511 : (int)lt_checkrange(L, 3, 0, INT_MAX, "backlog"), one = 1;
  struct sockaddr_storage ss;
  socklen_t len;
  int family = make_addr(L, ip, port, &ss, &len);
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return listen_failed(L, fd, "socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (lua_toboolean(L, 5) && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    return listen_failed(L, fd, "setsockopt");
  if (family == AF_INET6) {
    int v6only = lua_toboolean(L, 4);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return listen_failed(L, fd, "bind");
  if (listen(fd, backlog) != 0) return listen_failed(L, fd, "listen");
  int shared = lua_toboolean(L, 5) ? share_queue(fd, lua_type(L, 5) == LUA_TBOOLEAN) : 0;
  new_server(L, fd)->shared = shared;
  return 1;
}

/* core.pipe_listen(path, backlog, readableAll, writableAll) -> server | nil, err.
   A file that is already there (a live server's or a stale one) is
   EADDRINUSE, as in Node; the file is removed when the server closes. */
static int pipe_listen(lua_State *L) {
  size_t n;
  const char *path = luaL_checklstring(L, 1, &n);
  int backlog = lua_isnoneornil(L, 2) ? 511 : (int)lt_checkrange(L, 2, 0, INT_MAX, "backlog");
  int readable = lua_toboolean(L, 3), writable = lua_toboolean(L, 4);
  struct sockaddr_un sun;
  socklen_t len;
  int err = make_unix(path, n, &sun, &len);
  if (err) {
    errno = err;
    return listen_failed(L, -1, "listen");
  }
  char *copy = path[0] ? strdup(path) : NULL;
  if (path[0] && copy == NULL) return listen_failed(L, -1, "listen");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  if (bind(fd, (struct sockaddr *)&sun, len) != 0) goto fail;
  if (listen(fd, backlog) != 0) {
    err = errno;
    if (copy) unlink(copy);
    errno = err;
    goto fail;
  }
  if (copy && (readable || writable)) {
    mode_t mode = (readable ? S_IRUSR | S_IRGRP | S_IROTH : 0) | (writable ? S_IWUSR | S_IWGRP | S_IWOTH : 0);
    struct stat st;
    if (stat(copy, &st) != 0 || chmod(copy, (st.st_mode & 07777) | mode) != 0) {
      err = errno;
      unlink(copy);
      errno = err;
      goto fail;
    }
  }
  new_server(L, fd)->path = copy;
  return 1;
fail:
  err = errno;
  free(copy);
  errno = err;
  return listen_failed(L, fd, "listen");
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
  if (srv->path) {
    unlink(srv->path);
    free(srv->path);
    srv->path = NULL;
  }
  lt_handle_deactivate(&srv->h);
  lt_handle_unlink(&srv->h);
}

static int server_close(lua_State *L) {
  server_close_handle(&checkserver(L)->h);
  return 0;
}

/* the length of a listener's accept queue now (Linux reports it as TCP_INFO's
   unacked for a listening socket); where it cannot be read, the largest queue
   the kernel allows by default */
static int queue_length(int fd) {
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return 4096;
  return (int)ti.tcpi_unacked;
}

/* server:drain() -> n: before a listener that shares its address closes without
   migration, accepts what is queued on it as 'connection's, so those clients are
   served rather than reset (a connection that arrives between this and close still is).
   Only what was queued when it began: clients that keep coming, or 'connection'
   listeners that connect again, cannot keep it going. */
static int server_drain(lua_State *L) {
  lt_server *srv = checkserver(L);
  int n = 0, left = srv->closed ? 0 : queue_length(srv->fd);
  while (!srv->closed && srv->shared == 1 && n < left) {
    int fd = accept_one(srv);
    if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
    if (fd < 0) break;
    emit_connection(srv, fd);
    n++;
  }
  lua_pushinteger(L, n);
  return 1;
}

/* server:migrates() -> whether closing moves the queue to another listener */
static int server_migrates(lua_State *L) {
  lua_pushboolean(L, checkserver(L)->shared == 2);
  return 1;
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
  {"drain", server_drain}, {"migrates", server_migrates},
  {NULL, NULL}
};

static const luaL_Reg tcp_funcs[] = {
  {"tcp_connect", tcp_connect}, {"tcp_listen", tcp_listen},
  {"pipe_connect", pipe_connect}, {"pipe_listen", pipe_listen},
  {"pipe_open", pipe_open},
  {NULL, NULL}
};

void lt_open_tcp(lua_State *L) {
  luaL_getmetatable(L, STREAM_MT);
  lua_getfield(L, -1, "__index");
  luaL_setfuncs(L, socket_methods, 0);
  lua_pop(L, 2);
  lt_newclass(L, SERVER_MT, server_methods, server_close);
  /* a peer that went away must give EPIPE, not kill the process */
  signal(SIGPIPE, SIG_IGN);
  if (spare_fd < 0) spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  luaL_setfuncs(L, tcp_funcs, 0);
}
