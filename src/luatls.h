/*
** luatls.h
** Shared declarations of the luatls C core ("luatls.core").
*/
#ifndef LUATLS_H
#define LUATLS_H

#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <ev.h>

#ifdef __clang_analyzer__
/* make analyze: these raise a Lua error (a longjmp) and never return, which lua.h does not
   declare; told so, the analyzer stops following paths that cannot happen after them */
LUA_API int (lua_error)(lua_State *L) __attribute__((noreturn));
LUALIB_API int (luaL_error)(lua_State *L, const char *fmt, ...) __attribute__((noreturn));
LUALIB_API int (luaL_argerror)(lua_State *L, int arg, const char *extramsg) __attribute__((noreturn));
LUALIB_API int (luaL_typeerror)(lua_State *L, int arg, const char *tname) __attribute__((noreturn));
#endif

#define LT_VERSION "0.1.0"

/* ---------- core.c: the one gateway between C callbacks and Lua ---------- */

/* Every object that can emit events starts with this header. */
typedef struct lt_handle {
  int selfref;                 /* registry ref to the userdata while active */
  int unrefed;                 /* does not keep the loop alive (ref/unref) */
  struct lt_handle *prev, *next;  /* list of open handles */
  const char *kind;
  void (*close)(struct lt_handle *);
} lt_handle;

extern struct ev_loop *lt_loop;

lua_State *lt_state(void);
int lt_pcall(lua_State *L, int nargs, int nres);
void lt_call(lua_State *L, int nargs);
/* Pushes an event's arguments inside the protected call; the reader sees its result at -1. */
typedef void (*lt_pusher)(lua_State *L, void *ud);
typedef void (*lt_reader)(lua_State *L, void *ud);
#define LT_REF_NOMEM (-3)      /* a kept error that could not be stored: out of memory */
int lt_emit(lt_handle *h, const char *event, lt_pusher push, void *ud);
int lt_emit_n(lt_handle *h, const char *event, lt_pusher push, void *ud, int nargs);
int lt_ask(lt_handle *h, const char *event, lt_pusher push, lt_reader read, void *ud, int *errref);
int lt_keep_error(lua_State *L);
void lt_push_kept_error(lua_State *L, int ref);
void lt_ssl_enter(void);
void lt_ssl_leave(void);
int lt_in_ssl(void);
int lt_emit_begin(lt_handle *h, const char *event);
void lt_emit_end(int base);
void lt_run_ticks(void);
void lt_handle_init(lt_handle *h, const char *kind, void (*close)(lt_handle *));
void lt_handle_activate(lua_State *L, lt_handle *h, int idx);
void lt_handle_deactivate(lt_handle *h);
void lt_handle_unlink(lt_handle *h);
void lt_newclass(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc);

void lt_push_error(lua_State *L, const char *code, const char *message);
void lt_push_errno(lua_State *L, int err, const char *syscall);
void lt_push_ssl_error(lua_State *L, unsigned long e);
int lt_push_ssl_queue_error(lua_State *L);
int lt_raise_errno(lua_State *L, int err, const char *syscall);

/* What failed, recorded when it failed (before any Lua runs), built into an error object later. */
enum { LT_FAIL_CODE, LT_FAIL_SSL, LT_FAIL_ERRNO, LT_FAIL_REF };
typedef struct {
  int kind;
  unsigned long ssl;           /* LT_FAIL_SSL: OpenSSL's error */
  int sys;                     /* LT_FAIL_ERRNO: errno, with syscall */
  int ref;                     /* LT_FAIL_REF: a kept Lua error (lt_keep_error) */
  const char *syscall, *code, *message;
} lt_failure;
void lt_push_failure(lua_State *L, const lt_failure *f);
void lt_failure_pusher(lua_State *L, void *ud);
const char *lt_errname(int err);
const char *lt_checkbytes(lua_State *L, int idx, size_t *n);
lua_Integer lt_checkrange(lua_State *L, int idx, lua_Integer min, lua_Integer max, const char *name);

/* watcher helpers that respect ref/unref */
void lt_io_start(lt_handle *h, ev_io *w);
void lt_io_stop(lt_handle *h, ev_io *w);

#endif
