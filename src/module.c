/*
** module.c
** luaopen_luatls_core: the module table, filled by one opener per C file.
** The stream class comes before the files that add methods to it.
*/
#include "modules.h"

int luaopen_luatls_core(lua_State *L) {
  lt_reserve_stdio();       /* before the loop opens its descriptor */
  lt_open_core(L);
  lt_open_loop(L);
  lt_open_stream(L);
  lt_open_tcp(L);
  lt_open_dns(L);
  lt_open_context(L);
  lt_open_tls(L);
  lt_open_x509(L);
  lt_open_process(L);
  lt_open_repl(L);
  lt_open_hooks(L);
  lt_open_session(L);
  lt_open_bio(L);
  lt_open_ipc(L);
  lt_open_x509gen(L);
  lt_open_redis(L);
  lt_open_stdin(L);
  return 1;
}
