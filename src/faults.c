/*
** faults.c
** Allocation failure on demand, for build/luatls-faults only: the fault specs
** make the Nth allocation from now fail, in OpenSSL or in Lua, and check that
** one connection fails and the process goes on. require('luatls.faults').
*/
#include <stdlib.h>
#include <openssl/crypto.h>
#include "luatls.h"

/* the allocations still to pass before failing (-1: nothing armed), and how many then fail */
typedef struct { long countdown, count; } plan;
static plan ssl_plan = { -1, 0 }, lua_plan = { -1, 0 };
static lua_Integer ssl_failed, lua_failed;

static int due(plan *p) {
  if (p->countdown < 0) return 0;
  if (p->countdown > 0) {
    p->countdown--;
    return 0;
  }
  if (--p->count <= 0) p->countdown = -1;
  return 1;
}

static void arm(lua_State *L, plan *p) {
  p->countdown = (long)luaL_checkinteger(L, 1);
  p->count = (long)luaL_optinteger(L, 2, 1);
}

static void *ssl_malloc(size_t n, const char *file, int line) {
  (void)file; (void)line;
  if (due(&ssl_plan)) { ssl_failed++; return NULL; }
  return malloc(n);
}

static void *ssl_realloc(void *p, size_t n, const char *file, int line) {
  (void)file; (void)line;
  if (n > 0 && due(&ssl_plan)) { ssl_failed++; return NULL; }
  return realloc(p, n);
}

static void ssl_free(void *p, const char *file, int line) {
  (void)file; (void)line;
  free(p);
}

/* before OpenSSL's first allocation */
void lt_faults_install(void) {
  CRYPTO_set_mem_functions(ssl_malloc, ssl_realloc, ssl_free);
}

/* Lua's allocator contract: freeing and shrinking never fail */
void *lt_faults_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if ((ptr == NULL || nsize > osize) && due(&lua_plan)) {
    lua_failed++;
    return NULL;
  }
  return realloc(ptr, nsize);
}

/* faults.openssl(n[, count]): after n more allocations, OpenSSL's next count (1) fail */
static int faults_openssl(lua_State *L) {
  arm(L, &ssl_plan);
  return 0;
}

/* faults.lua(n[, count]): the same for Lua, which collects and retries once when one fails */
static int faults_lua(lua_State *L) {
  arm(L, &lua_plan);
  return 0;
}

/* faults.failed() -> OpenSSL allocations failed, Lua allocations failed */
static int faults_failed(lua_State *L) {
  lua_pushinteger(L, ssl_failed);
  lua_pushinteger(L, lua_failed);
  return 2;
}

static const luaL_Reg faults_funcs[] = {
  {"openssl", faults_openssl}, {"lua", faults_lua}, {"failed", faults_failed},
  {NULL, NULL}
};

int luaopen_luatls_faults(lua_State *L) {
  luaL_newlib(L, faults_funcs);
  return 1;
}
