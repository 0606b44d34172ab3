/*
** modules.h
** The C files that make up "luatls.core": each one's opener adds its
** functions and classes to the module table on top of the stack.
** Only module.c calls them; each module includes this to keep its
** opener's signature honest.
*/
#ifndef LUATLS_MODULES_H
#define LUATLS_MODULES_H

#include <lua.h>

void lt_open_core(lua_State *L);     /* pushes the module table */
void lt_open_loop(lua_State *L);
void lt_open_stream(lua_State *L);
void lt_open_tcp(lua_State *L);
void lt_open_dns(lua_State *L);
void lt_open_context(lua_State *L);
void lt_open_tls(lua_State *L);
void lt_open_x509(lua_State *L);
void lt_open_process(lua_State *L);
void lt_open_repl(lua_State *L);
void lt_open_hooks(lua_State *L);
void lt_open_session(lua_State *L);
void lt_open_bio(lua_State *L);
void lt_open_ipc(lua_State *L);
void lt_open_x509gen(lua_State *L);
void lt_open_redis(lua_State *L);
void lt_open_stdin(lua_State *L);
void lt_reserve_stdio(void);

int luaopen_luatls_core(lua_State *L);

#endif
