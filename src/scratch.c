/*
** scratch.c
** OpenSSL objects held across Lua calls that may raise (scratch.h).
*/
#include <string.h>
#include <lauxlib.h>
#include <openssl/crypto.h>
#include "scratch.h"

#define SCRATCH_MT "luatls.scratch"
#define SCRATCH_MAX 12

struct lt_scratch {
  void *p[SCRATCH_MAX];
  lt_freefn f[SCRATCH_MAX];
};

void lt_free_openssl(void *p) { OPENSSL_free(p); }

void lt_scratch_free(lt_scratch *s) {
  for (int i = SCRATCH_MAX - 1; i >= 0; i--) {
    if (s->p[i]) s->f[i](s->p[i]);
    s->p[i] = NULL;
  }
}

static int scratch_gc(lua_State *L) {
  lt_scratch_free(luaL_checkudata(L, 1, SCRATCH_MT));
  return 0;
}

lt_scratch *lt_scratch_new(lua_State *L) {
  lt_scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  if (luaL_newmetatable(L, SCRATCH_MT)) {
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  return s;
}

void *lt_hold(lua_State *L, lt_scratch *s, void *p, lt_freefn f) {
  if (p == NULL) return NULL;
  for (int i = 0; i < SCRATCH_MAX; i++) {
    if (s->p[i] == NULL) {
      s->p[i] = p;
      s->f[i] = f;
      return p;
    }
  }
  f(p);
  luaL_error(L, "luatls: scratch full");
  return NULL;
}

void lt_release(lt_scratch *s, void *p) {
  for (int i = 0; p && i < SCRATCH_MAX; i++) {
    if (s->p[i] == p) {
      s->p[i] = NULL;
      s->f[i](p);
      return;
    }
  }
}
