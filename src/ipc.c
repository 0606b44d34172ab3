/*
** ipc.c
** The pieces the cluster module needs from the kernel: a socketpair whose
** child end a worker inherits, the close-on-exec flag of one fd, a blocking
** read of the hello a worker finds waiting at start-up, and the process
** environment (so a worker gets the primary's, plus its own variables).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "luatls.h"
#include "modules.h"

extern char **environ;

/* core.socketpair() -> fd, fd: a Unix stream pair, both close-on-exec */
static int core_socketpair(lua_State *L) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return lt_raise_errno(L, errno, "socketpair");
  lua_pushinteger(L, sv[0]);
  lua_pushinteger(L, sv[1]);
  return 2;
}

static int checkfd(lua_State *L, int idx) {
  lua_Integer fd = luaL_checkinteger(L, idx);
  luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, idx, "not a file descriptor");
  return (int)fd;
}

/* core.fd_inherit(fd, yes): clears (yes) or sets close-on-exec */
static int core_fd_inherit(lua_State *L) {
  int fd = checkfd(L, 1);
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return lt_raise_errno(L, errno, "fcntl");
  flags = lua_toboolean(L, 2) ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
  if (fcntl(fd, F_SETFD, flags) != 0) return lt_raise_errno(L, errno, "fcntl");
  return 0;
}

/* core.fd_close(fd) */
static int core_fd_close(lua_State *L) {
  close(checkfd(L, 1));
  return 0;
}

/* core.fd_read_exact(fd, n) -> string | nil, errname: a blocking read of n
   bytes, for the hello that the primary wrote before the worker started */
static int core_fd_read_exact(lua_State *L) {
  int fd = checkfd(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n <= (1 << 24), 2, "size out of range");
  luaL_Buffer b;
  char *p = luaL_buffinitsize(L, &b, (size_t)n);
  size_t got = 0;
  while (got < (size_t)n) {
    ssize_t r = read(fd, p + got, (size_t)n - got);
    if (r > 0) { got += (size_t)r; continue; }
    if (r < 0 && errno == EINTR) continue;
    lua_pushnil(L);
    lua_pushstring(L, r == 0 ? "EOF" : lt_errname(errno));
    return 2;
  }
  luaL_pushresultsize(&b, got);
  return 1;
}

/* core.fd_write(fd, s): the whole string, blocking (the hello, before the worker runs) */
static int core_fd_write(lua_State *L) {
  int fd = checkfd(L, 1);
  size_t n, done = 0;
  const char *s = luaL_checklstring(L, 2, &n);
  while (done < n) {
    ssize_t r = write(fd, s + done, n - done);
    if (r > 0) { done += (size_t)r; continue; }
    if (r < 0 && errno == EINTR) continue;
    return lt_raise_errno(L, r < 0 ? errno : EIO, "write");
  }
  return 0;
}

/* core.environ() -> { "NAME=value", ... } */
static int core_environ(lua_State *L) {
  lua_newtable(L);
  for (int i = 0; environ && environ[i]; i++) {
    lua_pushstring(L, environ[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* core.unsetenv(name): so a worker's own children do not look like workers */
static int core_unsetenv(lua_State *L) {
  unsetenv(luaL_checkstring(L, 1));
  return 0;
}

static const luaL_Reg ipc_funcs[] = {
  {"socketpair", core_socketpair}, {"fd_inherit", core_fd_inherit}, {"fd_close", core_fd_close},
  {"fd_read_exact", core_fd_read_exact}, {"fd_write", core_fd_write}, {"environ", core_environ}, {"unsetenv", core_unsetenv},
  {NULL, NULL}
};

void lt_open_ipc(lua_State *L) {
  luaL_setfuncs(L, ipc_funcs, 0);
}
