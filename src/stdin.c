/*
** stdin.c
** process.stdin's source: a stream over a duplicate of fd 0, read through
** the loop like a pipe end. Pipes, ttys and regular files all work (libev
** takes a file that epoll refuses as always readable).
**
** The duplicate shares fd 0's open file description, and with it the
** O_NONBLOCK flag that reading through the loop needs: a shell reading the
** same terminal or pipe after we exit would see EAGAIN. The flags fd 0 had
** are put back at exit. Closing the stream closes the duplicate, not fd 0,
** so a later io.stdin or REPL still has its descriptor.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "luatls.h"
#include "modules.h"
#include "stream.h"

static int saved_flags = -1;

static void restore_flags(void) {
  if (saved_flags >= 0) fcntl(0, F_SETFL, saved_flags);
}

/* what fd 0 is, as Node tells its stdin kinds apart */
static const char *kind_of(int fd) {
  struct stat st;
  if (isatty(fd)) return "tty";
  if (fstat(fd, &st) != 0) return "unknown";
  if (S_ISREG(st.st_mode)) return "file";
  if (S_ISFIFO(st.st_mode)) return "pipe";
  if (S_ISSOCK(st.st_mode)) return "socket";
  return "unknown";
}

/* core.stdin_kind() -> 'tty' | 'pipe' | 'file' | 'socket' | 'unknown' */
static int stdin_kind(lua_State *L) {
  lua_pushstring(L, kind_of(0));
  return 1;
}

/* core.stdin_open() -> stream over a duplicate of fd 0 */
static int stdin_open(lua_State *L) {
  int flags = fcntl(0, F_GETFL);
  if (flags < 0) return lt_raise_errno(L, errno, "fcntl");
  int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return lt_raise_errno(L, errno, "dup");
  if (saved_flags < 0) {
    saved_flags = flags;
    atexit(restore_flags);
  }
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  lt_stream_new(L, fd);
  return 1;
}

/* core.stdin_restore(): fd 0 gets its flags back (the REPL's line editor blocks) */
static int stdin_restore(lua_State *L) {
  (void)L;
  restore_flags();
  return 0;
}

static const luaL_Reg stdin_funcs[] = {
  {"stdin_open", stdin_open}, {"stdin_kind", stdin_kind}, {"stdin_restore", stdin_restore},
  {NULL, NULL}
};

/* the standard descriptors the process started without become /dev/null, as in
   Node: else the loop's epoll descriptor or a socket takes fd 0, and
   process.stdin hands it to the loop (libev aborts) or reads a peer's bytes */
void lt_reserve_stdio(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int n = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (n >= 0 && n != fd) close(n);
    else if (n == fd) fcntl(fd, F_SETFD, 0);
  }
}

void lt_open_stdin(lua_State *L) {
  luaL_setfuncs(L, stdin_funcs, 0);
}
