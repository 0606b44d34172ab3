/*
** redis.c
** The Redis protocol (RESP2) from hiredis, without its transport: the redis
** module (lua/redis.lua) carries the bytes over luatls's own net and tls
** sockets, so the loop, TLS contexts and callback rules stay ours. hiredis
** gives the two pieces worth not writing again: the command encoder
** (redisFormatCommandArgv) and the incremental reply parser (redisReader).
** Nothing here runs inside OpenSSL or libev callbacks: only from Lua.
*/
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include "luatls.h"
#include "modules.h"

#define READER_MT "luatls.RedisReader"
#define MAX_ARGS 1048576
/* hiredis 0.14 allocates an array's slots when its header arrives: a header
   of two billion elements would cost 16 GB (lazily) and seconds of freeing */
#define MAX_ELEMENTS 16777216

typedef struct { redisReader *r; long long refused; } reader_ud;

static redisReplyObjectFunctions bounded_fn;
static void *(*default_array)(const redisReadTask *, int);

/* hiredis reports a NULL array as out of memory; get() names the real cause */
static void *bounded_array(const redisReadTask *t, int n) {
  if (n > MAX_ELEMENTS) {
    ((reader_ud *)t->privdata)->refused = n;
    return NULL;
  }
  return default_array(t, n);
}

static int push_bytes(lua_State *L) {
  const char *p = lua_touserdata(L, 1);
  lua_pushlstring(L, p, (size_t)lua_tointeger(L, 2));
  return 1;
}

/* core.redis_format({ arg, ... }) -> the command in RESP: strings and numbers */
static int core_redis_format(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 1);
  luaL_argcheck(L, n >= 1 && n <= MAX_ARGS, 1, "a command needs 1 to 1048576 arguments");
  const char **argv = lua_newuserdatauv(L, (size_t)n * sizeof *argv, 0);
  size_t *lens = lua_newuserdatauv(L, (size_t)n * sizeof *lens, 0);
  lua_createtable(L, (int)n, 0);          /* keeps converted numbers alive */
  int keep = lua_gettop(L);
  for (lua_Integer i = 1; i <= n; i++) {
    int t = lua_geti(L, 1, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER)
      return luaL_error(L, "command argument %d must be a string or a number, not %s", (int)i, lua_typename(L, t));
    argv[i - 1] = lua_tolstring(L, -1, &lens[i - 1]);
    lua_rawseti(L, keep, i);
  }
  char *cmd = NULL;
  int len = redisFormatCommandArgv(&cmd, (int)n, argv, lens);
  if (len < 0 || !cmd) return luaL_error(L, "not enough memory");
  /* pushing may raise (out of memory): protected, so the command is freed either way */
  lua_pushcfunction(L, push_bytes);
  lua_pushlightuserdata(L, cmd);
  lua_pushinteger(L, len);
  int status = lua_pcall(L, 2, 1, 0);
  redisFreeCommand(cmd);
  if (status != LUA_OK) return lua_error(L);
  return 1;
}

static reader_ud *check_reader(lua_State *L) {
  reader_ud *u = luaL_checkudata(L, 1, READER_MT);
  if (!u->r) luaL_error(L, "the reader is closed");
  return u;
}

/* core.redis_reader() -> a reader: feed(bytes), get() */
static int core_redis_reader(lua_State *L) {
  reader_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->r = NULL;
  luaL_setmetatable(L, READER_MT);
  u->refused = 0;
  u->r = redisReaderCreate();
  if (!u->r) return luaL_error(L, "not enough memory");
  if (!default_array) {
    bounded_fn = *u->r->fn;
    default_array = bounded_fn.createArray;
    bounded_fn.createArray = bounded_array;
  }
  u->r->fn = &bounded_fn;
  u->r->privdata = u;
  return 1;
}

/* the reader's error, raised: the connection cannot go on */
static int push_protocol_error(lua_State *L, reader_ud *u) {
  if (u->refused)
    lua_pushfstring(L, "a reply array of %I elements (the limit is %d)", (lua_Integer)u->refused, MAX_ELEMENTS);
  else
    lua_pushstring(L, u->r->errstr[0] ? u->r->errstr : "protocol error");
  lt_push_error(L, "ERR_REDIS_PROTOCOL", lua_tostring(L, -1));
  return lua_error(L);
}

/* reader:feed(bytes) */
static int reader_feed(lua_State *L) {
  reader_ud *u = check_reader(L);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  if (u->r->err) return push_protocol_error(L, u);
  if (redisReaderFeed(u->r, s, n) != REDIS_OK) return luaL_error(L, "not enough memory");
  return 0;
}

/* a reply as Lua values: bulk and status strings as strings, integers,
   nil as nil (false inside an array, which cannot hold nil), arrays as
   tables, an error as { error = message } (the top level's is split off
   by reader_get) */
static void push_reply(lua_State *L, const redisReply *r) {
  luaL_checkstack(L, 4, "reply too deep");
  switch (r->type) {
    case REDIS_REPLY_STRING: case REDIS_REPLY_STATUS:
      lua_pushlstring(L, r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      lua_pushinteger(L, (lua_Integer)r->integer);
      break;
    case REDIS_REPLY_ERROR:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, r->str, r->len);
      lua_setfield(L, -2, "error");
      break;
    case REDIS_REPLY_ARRAY:
      lua_createtable(L, r->elements > 0x7fffffff ? 0 : (int)r->elements, 0);
      for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type == REDIS_REPLY_NIL) lua_pushboolean(L, 0);
        else push_reply(L, r->element[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
      break;
    default:
      lua_pushnil(L);
  }
}

/* the conversion, protected: a Lua error (out of memory) must not leak the reply */
static int push_reply_protected(lua_State *L) {
  const redisReply *r = lua_touserdata(L, 1);
  lua_settop(L, 0);
  push_reply(L, r);
  return 1;
}

/* reader:get() -> nothing while no whole reply is buffered;
   true, value for a reply; false, message for an error reply.
   A protocol error raises (the connection cannot go on). */
static int reader_get(lua_State *L) {
  reader_ud *u = check_reader(L);
  void *reply = NULL;
  if (redisReaderGetReply(u->r, &reply) != REDIS_OK) return push_protocol_error(L, u);
  if (!reply) return 0;
  redisReply *r = reply;
  int is_error = r->type == REDIS_REPLY_ERROR;
  lua_pushboolean(L, !is_error);
  lua_pushcfunction(L, push_reply_protected);
  lua_pushlightuserdata(L, r);
  int status = lua_pcall(L, 1, 1, 0);
  freeReplyObject(r);
  if (status != LUA_OK) return lua_error(L);
  if (is_error) lua_getfield(L, -1, "error"), lua_remove(L, -2);
  return 2;
}

/* reader:close(): frees the buffer now (also done by the collector) */
static int reader_close(lua_State *L) {
  reader_ud *u = luaL_checkudata(L, 1, READER_MT);
  if (u->r) redisReaderFree(u->r);
  u->r = NULL;
  return 0;
}

static const luaL_Reg reader_methods[] = {
  {"feed", reader_feed}, {"get", reader_get}, {"close", reader_close},
  {NULL, NULL}
};

static const luaL_Reg redis_funcs[] = {
  {"redis_format", core_redis_format}, {"redis_reader", core_redis_reader},
  {NULL, NULL}
};

void lt_open_redis(lua_State *L) {
  lt_newclass(L, READER_MT, reader_methods, reader_close);
  luaL_setfuncs(L, redis_funcs, 0);
}
