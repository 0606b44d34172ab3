/*
** process.c
** Child processes: spawn with pipes for stdin/stdout/stderr, an ev_child
** watcher for the exit status, and kill.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "luatls.h"
#include "modules.h"

#define CHILD_MT "luatls.Child"

extern char **environ;

typedef struct {
  lt_handle h;
  ev_child w;
  int done;
} lt_child;

static void child_close_handle(lt_handle *h) {
  lt_child *c = (lt_child *)h;
  if (ev_is_active(&c->w)) {
    if (c->h.unrefed) ev_ref(lt_loop);
    ev_child_stop(lt_loop, &c->w);
  }
  lt_handle_deactivate(&c->h);
  lt_handle_unlink(&c->h);
}

static void child_cb(EV_P_ ev_child *w, int revents) {
  lt_child *c = w->data;
  (void)revents;
  if (c->h.unrefed) ev_ref(EV_A);
  ev_child_stop(EV_A, w);
  c->done = 1;
  int base = lt_emit_begin(&c->h, NULL);
  lt_handle_deactivate(&c->h);
  lt_handle_unlink(&c->h);
  if (!base) return;
  lua_State *L = lt_state();
  if (WIFEXITED(w->rstatus)) {
    lua_pushinteger(L, WEXITSTATUS(w->rstatus));
    lua_pushnil(L);
  } else {
    lua_pushnil(L);
    lua_pushinteger(L, WTERMSIG(w->rstatus));
  }
  lt_emit_end(base);
}

/*
** The strings of a Lua list as a NULL-terminated vector. A number is turned
** into a new string that nothing references once it leaves the stack, and a
** collection could free it before posix_spawnp reads it: every string is
** stored in a table that the vector's userdata keeps, and that userdata stays
** on the stack until core_spawn returns. A string with a NUL byte would be cut
** short without a word, so it is refused, as Node refuses it.
*/
static char **checkargv(lua_State *L, int idx, const char *first, const char *what) {
  idx = lua_absindex(L, idx);
  int n = (int)lua_rawlen(L, idx), k = 0;
  char **v = lua_newuserdatauv(L, sizeof(char *) * ((size_t)n + 2), 1);
  lua_createtable(L, n, 0);
  if (first) v[k++] = (char *)first;
  for (int i = 1; i <= n; i++) {
    int t = lua_rawgeti(L, idx, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
      lt_push_error(L, "ERR_INVALID_ARG_TYPE", lua_pushfstring(L,
        "The \"%s[%d]\" argument must be of type string. Received type %s", what, i, luaL_typename(L, -1)));
      lua_error(L);
      return NULL;
    }
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);   /* a number becomes a string here */
    if (strlen(s) != len) {
      lt_push_error(L, "ERR_INVALID_ARG_VALUE", lua_pushfstring(L,
        "The argument '%s[%d]' must be a string without null bytes", what, i));
      lua_error(L);
      return NULL;
    }
    v[k++] = (char *)s;
    lua_rawseti(L, -2, i);   /* the table holds the string from now on */
  }
  lua_setiuservalue(L, -2, 1);
  v[k] = NULL;
  return v;
}

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
}

/* core.spawn(file, args, env|nil, fn(code, signal)) -> child, pid, stdin, stdout, stderr fds */
static int core_spawn(lua_State *L) {
  size_t flen;
  const char *file = luaL_checklstring(L, 1, &flen);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TFUNCTION);
  if (strlen(file) != flen) {
    lt_push_error(L, "ERR_INVALID_ARG_VALUE", "The argument 'file' must be a string without null bytes");
    return lua_error(L);
  }
  char **argv = checkargv(L, 2, file, "args");
  char **envp = lua_istable(L, 3) ? checkargv(L, 3, NULL, "options.env") : environ;
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
    int err = errno;
    close_pair(pin); close_pair(pout); close_pair(perr);
    return lt_raise_errno(L, err, "pipe");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
  posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
  posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);   /* the child gets the default SIGPIPE back */
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int r = posix_spawnp(&pid, file, &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(pin[0]); close(pout[1]); close(perr[1]);
  if (r != 0) {
    close(pin[1]); close(pout[0]); close(perr[0]);
    lt_push_errno(L, r, "spawn");
    lua_pushfstring(L, "spawn %s %s", file, lt_errname(r));
    lua_setfield(L, -2, "message");
    return lua_error(L);
  }
  lt_child *c = lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c);
  lt_handle_init(&c->h, "child", child_close_handle);
  luaL_setmetatable(L, CHILD_MT);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, -2, 1);
  ev_child_init(&c->w, child_cb, pid, 0);
  c->w.data = c;
  ev_child_start(lt_loop, &c->w);
  lt_handle_activate(L, &c->h, lua_gettop(L));
  lua_pushinteger(L, pid);
  lua_pushinteger(L, pin[1]);
  lua_pushinteger(L, pout[0]);
  lua_pushinteger(L, perr[0]);
  return 5;
}

static int core_kill(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int sig = (int)luaL_optinteger(L, 2, SIGTERM);
  if (kill(pid, sig) != 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, lt_errname(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int child_gc(lua_State *L) {
  child_close_handle(&((lt_child *)luaL_checkudata(L, 1, CHILD_MT))->h);
  return 0;
}

static int child_setref(lua_State *L) {
  lt_child *c = luaL_checkudata(L, 1, CHILD_MT);
  int unref = !lua_toboolean(L, 2);
  if (c->h.unrefed == unref) return 0;
  if (ev_is_active(&c->w)) {
    if (unref) ev_unref(lt_loop); else ev_ref(lt_loop);
  }
  c->h.unrefed = unref;
  return 0;
}

static const luaL_Reg child_methods[] = {
  {"setref", child_setref},
  {NULL, NULL}
};

static const luaL_Reg process_funcs[] = {
  {"spawn", core_spawn}, {"kill", core_kill},
  {NULL, NULL}
};

void lt_open_process(lua_State *L) {
  lt_newclass(L, CHILD_MT, child_methods, child_gc);
  luaL_setfuncs(L, process_funcs, 0);
}
