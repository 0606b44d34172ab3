/*
** dns.c
** Name lookup off the loop: getaddrinfo on a worker thread, the answer
** delivered through an ev_async watcher.
*/
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "luatls.h"
#include "modules.h"

typedef struct lookup {
  char *host;
  int family;
  int fnref;
  int status;
  struct addrinfo *res;
  struct lookup *next;
} lookup;

static ev_async done_async;
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static lookup *done_list;

static void *worker(void *arg) {
  lookup *q = arg;
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = q->family == 4 ? AF_INET : q->family == 6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  q->status = getaddrinfo(q->host, NULL, &hints, &q->res);
  pthread_mutex_lock(&done_mu);
  q->next = done_list;
  done_list = q;
  pthread_mutex_unlock(&done_mu);
  ev_async_send(lt_loop, &done_async);
  return NULL;
}

static const char *eai_code(int status) {
  switch (status) {
    case EAI_NONAME: case EAI_NODATA: return "ENOTFOUND";
    case EAI_AGAIN: return "EAI_AGAIN";
    case EAI_FAIL: return "EAI_FAIL";
    case EAI_FAMILY: return "EAI_FAMILY";
    case EAI_MEMORY: return "ENOMEM";
    default: return "EAI_FAIL";
  }
}

/* pushes err, addresses for one finished lookup (run protected) */
static int push_result(lua_State *L) {
  lookup *q = lua_touserdata(L, 1);
  if (q->status != 0) {
    const char *code = eai_code(q->status);
    lt_push_error(L, code, lua_pushfstring(L, "getaddrinfo %s %s", code, q->host));
    lua_pushstring(L, "getaddrinfo");
    lua_setfield(L, -2, "syscall");
    lua_pushstring(L, q->host);
    lua_setfield(L, -2, "hostname");
    lua_pushnil(L);
    return 2;
  }
  lua_pushnil(L);
  lua_newtable(L);
  int n = 0;
  char ip[INET6_ADDRSTRLEN];
  for (struct addrinfo *ai = q->res; ai; ai = ai->ai_next) {
    const void *a;
    if (ai->ai_family == AF_INET) a = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
    else if (ai->ai_family == AF_INET6) a = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
    else continue;
    inet_ntop(ai->ai_family, a, ip, sizeof ip);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, ip);
    lua_setfield(L, -2, "address");
    lua_pushinteger(L, ai->ai_family == AF_INET ? 4 : 6);
    lua_setfield(L, -2, "family");
    lua_rawseti(L, -2, ++n);
  }
  return 2;
}

static void finish(lua_State *L, lookup *q) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, q->fnref);
  lua_pushcfunction(L, push_result);
  lua_pushlightuserdata(L, q);
  if (lt_pcall(L, 1, 2) == LUA_OK) lt_call(L, 2);
  else lua_pop(L, 2);
  luaL_unref(L, LUA_REGISTRYINDEX, q->fnref);
  if (q->res) freeaddrinfo(q->res);
  free(q->host);
  free(q);
  ev_unref(lt_loop);   /* this lookup no longer keeps the loop alive */
}

static void done_cb(EV_P_ ev_async *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  pthread_mutex_lock(&done_mu);
  lookup *q = done_list;
  done_list = NULL;
  pthread_mutex_unlock(&done_mu);
  while (q) {
    lookup *next = q->next;
    finish(lt_state(), q);
    q = next;
  }
}

/* core.getaddrinfo(host, family, fn(err, addresses)) */
static int core_getaddrinfo(lua_State *L) {
  const char *host = luaL_checkstring(L, 1);
  int family = (int)luaL_optinteger(L, 2, 0);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  lookup *q = calloc(1, sizeof *q);
  if (q == NULL || (q->host = strdup(host)) == NULL) {
    free(q);
    return luaL_error(L, "out of memory");
  }
  q->family = family;
  lua_pushvalue(L, 3);
  q->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
  pthread_attr_t attr;
  pthread_t tid;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int r = pthread_create(&tid, &attr, worker, q);
  pthread_attr_destroy(&attr);
  if (r != 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, q->fnref);
    free(q->host);
    free(q);
    return lt_raise_errno(L, r, "getaddrinfo");
  }
  ev_ref(lt_loop);   /* a pending lookup keeps the loop alive */
  return 0;
}

/* core.isip(s) -> 4, 6 or 0 */
static int core_isip(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  unsigned char buf[sizeof(struct in6_addr)];
  lua_pushinteger(L, inet_pton(AF_INET, s, buf) == 1 ? 4 : inet_pton(AF_INET6, s, buf) == 1 ? 6 : 0);
  return 1;
}

/* core.canonical_ip(s) -> the address as inet_ntop writes it, or nil */
static int core_canonical_ip(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  unsigned char buf[sizeof(struct in6_addr)];
  char out[INET6_ADDRSTRLEN];
  int af = inet_pton(AF_INET, s, buf) == 1 ? AF_INET : inet_pton(AF_INET6, s, buf) == 1 ? AF_INET6 : 0;
  if (!af) return 0;
  lua_pushstring(L, inet_ntop(af, buf, out, sizeof out));
  return 1;
}

static const luaL_Reg dns_funcs[] = {
  {"getaddrinfo", core_getaddrinfo}, {"isip", core_isip},
  {"canonical_ip", core_canonical_ip},
  {NULL, NULL}
};

void lt_open_dns(lua_State *L) {
  if (!ev_is_active(&done_async)) {
    ev_async_init(&done_async, done_cb);
    ev_async_start(lt_loop, &done_async);
    ev_unref(lt_loop);
  }
  luaL_setfuncs(L, dns_funcs, 0);
}
