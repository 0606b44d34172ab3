/*
** main.c
** The luatls executable: a Lua state with the core preloaded, the Lua
** modules on package.path, and the runtime's main() doing the rest.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <lualib.h>
#include "luatls.h"
#include "modules.h"

#ifndef LT_LUADIR
#define LT_LUADIR "/usr/local/share/luatls/lua"
#endif

/* LUATLS_PATH, then lua/ beside the build directory, then share/luatls/lua beside
   the installed executable (any PREFIX), then the PREFIX it was built for */
static void set_path(lua_State *L) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  const char *env = getenv("LUATLS_PATH");
  int parts = 0;
  lua_getglobal(L, "package");
  if (env && *env) {
    lua_pushfstring(L, "%s;", env);
    parts++;
  }
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    lua_pushfstring(L, "%s/../lua/?.lua;%s/../lua/?/init.lua;%s/../share/luatls/lua/?.lua;",
                    exe, exe, exe);
    parts++;
  }
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", LT_LUADIR, LT_LUADIR);
  lua_getfield(L, -2 - parts, "path");
  lua_concat(L, parts + 2);
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
}

#ifdef LT_FAULT_INJECTION
void lt_faults_install(void);
void *lt_faults_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
int luaopen_luatls_faults(lua_State *L);
#endif

static void preload_core(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_luatls_core);
  lua_setfield(L, -2, "luatls.core");
#ifdef LT_FAULT_INJECTION
  lua_pushcfunction(L, luaopen_luatls_faults);
  lua_setfield(L, -2, "luatls.faults");
#endif
  lua_pop(L, 1);
}

#ifdef LT_FAULT_INJECTION
static int panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "luatls: unprotected error: %s\n", msg ? msg : "(not a string)");
  return 0;   /* then Lua aborts */
}

/* the fault-injection build: allocators that fail on demand */
static lua_State *new_state(void) {
  lt_faults_install();
  lua_State *L = lua_newstate(lt_faults_lua_alloc, NULL);
  if (L) lua_atpanic(L, panic);
  return L;
}
#else
static lua_State *new_state(void) { return luaL_newstate(); }
#endif

/* require('luatls.runtime').main(argv...) -> exit code */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = lua_touserdata(L, 2);
  luaL_openlibs(L);
  preload_core(L);
  set_path(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "luatls.runtime");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  for (int i = 0; i < argc; i++) lua_pushstring(L, argv[i]);
  lua_call(L, argc, 1);
  return 1;
}

/* A server holds one fd per connection: take the hard limit, as Node does. */
static void raise_fd_limit(void) {
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int main(int argc, char **argv) {
  raise_fd_limit();
  lua_State *L = new_state();
  if (L == NULL) {
    fprintf(stderr, "luatls: cannot create the Lua state\n");
    return 1;
  }
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 0), code = 1;
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "luatls: %s\n", msg ? msg : "(error object is not a string)");
  } else {
    code = (int)lua_tointeger(L, -1);
  }
  fflush(stdout);
  /* the loop has returned: finalizers close what is left, outside any callback */
  lua_close(L);
  return code;
}
