/*
** fuzz/driver.c
** One libFuzzer driver for every target: a Lua state with the luatls core and
** modules, and the target script fuzz/<name>.lua (name from the executable's
** file name), which returns function(data). Any error escaping the target is
** a crash: the targets catch what luatls is allowed to raise (error objects
** for bad input) and raise "INVARIANT ..." when a promise is broken.
*/
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "../src/luatls.h"
#include "../src/modules.h"

static lua_State *L;
static int target = LUA_NOREF;
static unsigned long runs;

static int traceback(lua_State *S) {
  const char *msg = lua_tostring(S, 1);
  luaL_traceback(S, S, msg ? msg : "(error object is not a string)", 1);
  return 1;
}

static void fail(const char *what) {
  fprintf(stderr, "fuzz: %s\n", what);
  abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  char script[512];
  snprintf(script, sizeof script, "fuzz/%s.lua", basename((*argv)[0]));
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_luatls_core);
  lua_setfield(L, -2, "luatls.core");
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_pushliteral(L, "lua/?.lua;lua/?/init.lua;fuzz/?.lua");
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  lua_pushcfunction(L, traceback);
  if (luaL_loadfile(L, script) != LUA_OK || lua_pcall(L, 0, 1, -2) != LUA_OK)
    fail(lua_tostring(L, -1));
  if (!lua_isfunction(L, -1)) fail("the target script must return a function");
  target = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top = lua_gettop(L);
  lua_pushcfunction(L, traceback);
  lua_rawgeti(L, LUA_REGISTRYINDEX, target);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, top + 1) != LUA_OK) fail(lua_tostring(L, -1));
  lua_settop(L, top);
  /* finalizers free what OpenSSL holds; LeakSanitizer checks at exit (the
     state stays reachable), since a check per input would scan the heap each time */
  if (++runs % 64 == 0) lua_gc(L, LUA_GCCOLLECT);
  return 0;
}
