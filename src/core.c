/*
** core.c
** The gateway between C callbacks and Lua: protected calls, event dispatch,
** uncaught errors, nextTick draining, OpenSSL on the stack, error objects,
** and the functions of the module table itself.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/err.h>
#include "luatls.h"
#include "modules.h"

struct ev_loop *lt_loop;

static lua_State *main_L;
static int depth;              /* nesting of C -> Lua callbacks */
static int ssl_depth;          /* OpenSSL calls on the C stack (lt_ssl_enter) */
static int tick_pending;       /* Lua has queued nextTick callbacks */
static lt_handle handles = { LUA_NOREF, 0, &handles, &handles, "list", NULL };

#define TICK_KEY "luatls.tick"
#define ERROR_MT "luatls.Error"

lua_State *lt_state(void) { return main_L; }

/*
** Message handler: strings get a traceback appended; error objects
** (tables) pass through unchanged but gain a 'stack' field, as in Node.
*/
static int msghandler(lua_State *L) {
  if (lua_istable(L, 1)) {
    if (lua_getfield(L, 1, "stack") == LUA_TNIL) {
      luaL_traceback(L, L, NULL, 1);
      lua_setfield(L, 1, "stack");
    }
    lua_settop(L, 1);
    return 1;
  }
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  /* re-raised by an outer layer: it already has its traceback */
  if (strstr(msg, "\nstack traceback:\n") == NULL) luaL_traceback(L, L, msg, 1);
  return 1;
}

int lt_pcall(lua_State *L, int nargs, int nres) {
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int status = lua_pcall(L, nargs, nres, base);
  lua_remove(L, base);
  return status;
}

/* protected: hands the error (argument 1) to the script's uncaught handler */
static int call_uncaught(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &handles) != LUA_TFUNCTION) {
    lua_settop(L, 1);
    return lua_error(L);   /* no handler: the error itself is fatal */
  }
  lua_pushvalue(L, 1);
  lua_call(L, 1, 0);
  return 0;
}

/*
** An error escaped a callback: hand it to the script's uncaught handler
** (process 'uncaughtException'); if there is none, or it fails too, stop
** the loop and let core.run() raise it. Runs protected, and stores into a
** slot made at start-up, so that running out of memory here raises nothing.
*/
static void uncaught(lua_State *L) {
  if (lua_checkstack(L, 3)) {
    lua_pushcfunction(L, call_uncaught);
    lua_insert(L, -2);
    if (lt_pcall(L, 1, 0) == LUA_OK) return;
  }
  if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_pushboolean(L, 1); }
  /* the first fatal error is the one reported: later ones are its echoes */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &main_L) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
    lua_pop(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &main_L);
  } else {
    lua_pop(L, 2);
  }
  ev_break(lt_loop, EVBREAK_ALL);
}

static void run_ticks(lua_State *L) {
  while (tick_pending) {
    tick_pending = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, TICK_KEY);
    if (lt_pcall(L, 0, 0) != LUA_OK) uncaught(L);
  }
}

/* Calls the function below the nargs arguments; never raises. */
void lt_call(lua_State *L, int nargs) {
  int saved = errno;
  depth++;
  if (lt_pcall(L, nargs, 0) != LUA_OK) uncaught(L);
  if (--depth == 0 && ssl_depth == 0) run_ticks(L);
  errno = saved;
}

/* ---------- OpenSSL on the stack ---------- */

/*
** While any OpenSSL call is on the C stack, Lua code that runs from one of
** its callbacks must not see or change OpenSSL's per-thread error queue:
** the errors it holds decide what SSL_get_error reports when OpenSSL
** returns. They are set aside around the call and put back after it.
*/
#define STASH_MAX 16
typedef struct {
  int n;
  struct stashed { int lib, reason; const char *file, *func; int line; char data[160]; int has_data; } e[STASH_MAX];
} err_stash;

static void stash_errors(err_stash *st) {
  const char *file, *func, *data;
  int line, flags;
  unsigned long e;
  st->n = 0;
  while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
    if (st->n == STASH_MAX) continue;   /* the cause comes first: keep the oldest */
    struct stashed *x = &st->e[st->n++];
    x->lib = ERR_GET_LIB(e);
    x->reason = ERR_GET_REASON(e);
    x->file = file; x->func = func; x->line = line;
    x->has_data = data && (flags & ERR_TXT_STRING);
    if (x->has_data) snprintf(x->data, sizeof x->data, "%s", data);
  }
}

static void restore_errors(const err_stash *st) {
  ERR_clear_error();
  for (int i = 0; i < st->n; i++) {
    ERR_new();
    ERR_set_debug(st->e[i].file, st->e[i].line, st->e[i].func);
    if (st->e[i].has_data) ERR_set_error(st->e[i].lib, st->e[i].reason, "%s", st->e[i].data);
    else ERR_set_error(st->e[i].lib, st->e[i].reason, NULL);
  }
}

void lt_ssl_enter(void) { ssl_depth++; }
void lt_ssl_leave(void) { ssl_depth--; }
int lt_in_ssl(void) { return ssl_depth > 0; }

/* ---------- events ---------- */

typedef struct {
  lt_handle *h;
  const char *event;
  lt_pusher push;
  lt_reader read;
  void *ud;
  int nargs;                   /* values the caller left on the stack, passed first */
} emit_req;

/*
** protected: dispatch(event, args...), or, for a handle started with a table
** of handlers and their owner, handlers[event](owner, args...): one Lua call
** per event instead of two. Then the reader looks at the result.
*/
static int emit_protected(lua_State *L) {
  emit_req *r = lua_touserdata(L, 1);
  luaL_checkstack(L, LUA_MINSTACK + r->nargs, "luatls emit");
  lua_rawgeti(L, LUA_REGISTRYINDEX, r->h->selfref);   /* keeps the object alive */
  int ud = lua_gettop(L), top;
  int kind = lua_getiuservalue(L, ud, 1);
  if (kind == LUA_TTABLE && r->event) {
    lua_getfield(L, -1, r->event);
    top = lua_gettop(L);
    lua_getiuservalue(L, ud, 2);
  } else if (kind == LUA_TFUNCTION) {
    top = lua_gettop(L);
    if (r->event) lua_pushstring(L, r->event);
  } else {
    return 0;
  }
  for (int i = 0; i < r->nargs; i++) lua_pushvalue(L, 2 + i);
  if (r->push) r->push(L, r->ud);
  lua_call(L, lua_gettop(L) - top, r->read ? 1 : 0);
  if (r->read) r->read(L, r->ud);
  return 0;
}

/*
** Runs emit_protected: 1 heard, 0 not emitted, -1 failed. A failure goes
** to *errref (lt_keep_error) or, without errref, to the uncaught handler;
** either runs inside the same errno and error-queue window as the event.
*/
static int emit_run(emit_req *r, int *errref) {
  lua_State *L = main_L;
  if (r->h->selfref == LUA_NOREF || r->h->selfref == LUA_REFNIL || !lua_checkstack(L, 4)) {
    lua_pop(L, r->nargs);
    return 0;
  }
  int saved = errno, in_ssl = ssl_depth > 0;
  err_stash st;
  if (in_ssl) stash_errors(&st);
  lua_pushcfunction(L, emit_protected);
  lua_pushlightuserdata(L, r);
  lua_rotate(L, -(r->nargs + 2), 2);   /* function, request, then the caller's values */
  depth++;
  int status = lt_pcall(L, 1 + r->nargs, 0);
  if (status != LUA_OK) {
    if (errref) *errref = lt_keep_error(L);
    else uncaught(L);
  }
  depth--;
  if (in_ssl) restore_errors(&st);
  errno = saved;
  return status == LUA_OK ? 1 : -1;
}

int lt_emit(lt_handle *h, const char *event, lt_pusher push, void *ud) {
  return lt_emit_n(h, event, push, ud, 0);
}

/* lt_emit, passing the nargs values on top of the stack (popped) before the pushed ones */
int lt_emit_n(lt_handle *h, const char *event, lt_pusher push, void *ud, int nargs) {
  emit_req r = { h, event, push, NULL, ud, nargs };
  int heard = emit_run(&r, NULL) != 0;
  if (heard && depth == 0 && ssl_depth == 0) run_ticks(main_L);
  return heard;
}

/* protected: the error object (argument 1) into the registry at *ref (argument 2) */
static int ref_error(lua_State *L) {
  int *ref = lua_touserdata(L, 2);
  lua_settop(L, 1);
  *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* Pops the error on top into a registry ref; LT_REF_NOMEM if even that fails. */
int lt_keep_error(lua_State *L) {
  int ref = LT_REF_NOMEM;
  if (lua_checkstack(L, 4)) {
    lua_pushcfunction(L, ref_error);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &ref);
    if (lt_pcall(L, 2, 0) != LUA_OK) lua_pop(L, 1);
  } else {
    lua_pop(L, 1);
  }
  return ref;
}

/* Pushes a kept error and drops the ref (protected callers only). */
void lt_push_kept_error(lua_State *L, int ref) {
  if (ref == LT_REF_NOMEM) {
    lt_push_error(L, "ERR_OUT_OF_MEMORY", "not enough memory");
    return;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  luaL_unref(L, LUA_REGISTRYINDEX, ref);
}

int lt_ask(lt_handle *h, const char *event, lt_pusher push, lt_reader read, void *ud, int *errref) {
  emit_req r = { h, event, push, read, ud, 0 };
  return emit_run(&r, errref);
}

/* Drains nextTick callbacks queued by code that ran inside OpenSSL. */
void lt_run_ticks(void) {
  if (depth == 0 && ssl_depth == 0) run_ticks(main_L);
}

/*
** The older two-step form, for events whose arguments allocate nothing
** (integers, nil, booleans): pushes the handle's userdata, its dispatch
** function and the event name; lt_emit_end calls. 0 when it cannot emit.
*/
int lt_emit_begin(lt_handle *h, const char *event) {
  lua_State *L = main_L;
  if (h->selfref == LUA_NOREF || h->selfref == LUA_REFNIL) return 0;
  if (!lua_checkstack(L, 8)) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->selfref);
  int base = lua_gettop(L);
  if (lua_getiuservalue(L, -1, 1) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return 0;
  }
  if (event) lua_pushstring(L, event);
  return base;
}

/* The userdata stays on the stack during the call, so it cannot be collected. */
void lt_emit_end(int base) {
  lua_State *L = main_L;
  lt_call(L, lua_gettop(L) - base - 1);
  lua_settop(L, base - 1);
}

/* ---------- handles ---------- */

void lt_handle_init(lt_handle *h, const char *kind, void (*close)(lt_handle *)) {
  h->close = close;
  h->selfref = LUA_NOREF;
  h->unrefed = 0;
  h->kind = kind;
  h->next = handles.next;
  h->prev = &handles;
  handles.next->prev = h;
  handles.next = h;
}

void lt_handle_activate(lua_State *L, lt_handle *h, int idx) {
  if (h->selfref != LUA_NOREF) return;
  lua_pushvalue(L, idx);
  h->selfref = luaL_ref(L, LUA_REGISTRYINDEX);
}

void lt_handle_deactivate(lt_handle *h) {
  if (h->selfref == LUA_NOREF) return;
  luaL_unref(main_L, LUA_REGISTRYINDEX, h->selfref);
  h->selfref = LUA_NOREF;
}

void lt_handle_unlink(lt_handle *h) {
  if (h->next == NULL) return;
  h->prev->next = h->next;
  h->next->prev = h->prev;
  h->next = h->prev = NULL;
}

void lt_io_start(lt_handle *h, ev_io *w) {
  if (ev_is_active(w)) return;
  ev_io_start(lt_loop, w);
  if (h->unrefed) ev_unref(lt_loop);
}

void lt_io_stop(lt_handle *h, ev_io *w) {
  if (!ev_is_active(w)) return;
  if (h->unrefed) ev_ref(lt_loop);
  ev_io_stop(lt_loop, w);
}

/*
** A metatable with methods as __index and a finalizer. getmetatable() gets
** a stand-in with the same methods and no __gc, so a script cannot run a
** finalizer by hand (debug.getmetatable still can: every class's methods
** check for a finalized object).
*/
void lt_newclass(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc) {
  luaL_newmetatable(L, name);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_pushcfunction(L, gc);
  lua_setfield(L, -3, "__gc");
  lua_createtable(L, 0, 2);
  lua_insert(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

/* ---------- error objects ---------- */

void lt_push_error(lua_State *L, const char *code, const char *message) {
  lua_createtable(L, 0, 4);
  if (code) {
    lua_pushstring(L, code);
    lua_setfield(L, -2, "code");
  }
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  luaL_setmetatable(L, ERROR_MT);
}

static const struct { int err; const char *name; } errnames[] = {
  {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {EINTR, "EINTR"}, {EIO, "EIO"},
  {EBADF, "EBADF"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"},
  {EACCES, "EACCES"}, {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"},
  {EEXIST, "EEXIST"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
  {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"},
  {ENOSPC, "ENOSPC"}, {EPIPE, "EPIPE"}, {ENAMETOOLONG, "ENAMETOOLONG"},
  {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"}, {ENOTSOCK, "ENOTSOCK"},
  {EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
  {ENETDOWN, "ENETDOWN"}, {ENETUNREACH, "ENETUNREACH"},
  {ECONNABORTED, "ECONNABORTED"}, {ECONNRESET, "ECONNRESET"},
  {ENOBUFS, "ENOBUFS"}, {EISCONN, "EISCONN"}, {ENOTCONN, "ENOTCONN"},
  {ETIMEDOUT, "ETIMEDOUT"}, {ECONNREFUSED, "ECONNREFUSED"},
  {EHOSTUNREACH, "EHOSTUNREACH"}, {EALREADY, "EALREADY"},
  {EINPROGRESS, "EINPROGRESS"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
  {EPROTO, "EPROTO"}, {ENOTSUP, "ENOTSUP"}, {ECANCELED, "ECANCELED"},
  {0, NULL}
};

const char *lt_errname(int err) {
  for (int i = 0; errnames[i].name; i++)
    if (errnames[i].err == err) return errnames[i].name;
  return "UNKNOWN";
}

/* Node's system errors: { code, errno (negative), syscall, message } */
void lt_push_errno(lua_State *L, int err, const char *syscall) {
  const char *name = lt_errname(err);
  const char *msg = syscall ? lua_pushfstring(L, "%s %s", syscall, name)
                            : lua_pushfstring(L, "%s: %s", name, strerror(err));
  lt_push_error(L, name, msg);
  lua_remove(L, -2);
  lua_pushinteger(L, -(lua_Integer)err);
  lua_setfield(L, -2, "errno");
  if (syscall) {
    lua_pushstring(L, syscall);
    lua_setfield(L, -2, "syscall");
  }
}

int lt_raise_errno(lua_State *L, int err, const char *syscall) {
  lt_push_errno(L, err, syscall);
  return lua_error(L);
}

static const char *lib_code(int lib) {
  switch (lib) {
    case ERR_LIB_SYS: return "SYS_";   case ERR_LIB_BN: return "BN_";
    case ERR_LIB_RSA: return "RSA_";   case ERR_LIB_DH: return "DH_";
    case ERR_LIB_EVP: return "EVP_";   case ERR_LIB_BUF: return "BUF_";
    case ERR_LIB_OBJ: return "OBJ_";   case ERR_LIB_PEM: return "PEM_";
    case ERR_LIB_DSA: return "DSA_";   case ERR_LIB_X509: return "X509_";
    case ERR_LIB_ASN1: return "ASN1_"; case ERR_LIB_CONF: return "CONF_";
    case ERR_LIB_CRYPTO: return "CRYPTO_"; case ERR_LIB_EC: return "EC_";
    case ERR_LIB_SSL: return "SSL_";   case ERR_LIB_BIO: return "BIO_";
    case ERR_LIB_PKCS7: return "PKCS7_"; case ERR_LIB_X509V3: return "X509V3_";
    case ERR_LIB_PKCS12: return "PKCS12_"; case ERR_LIB_RAND: return "RAND_";
    case ERR_LIB_OCSP: return "OCSP_"; case ERR_LIB_UI: return "UI_";
    default: return "";
  }
}

/*
** OpenSSL error -> Node's error object: code ERR_SSL_<REASON> for the SSL
** library, ERR_OSSL_<LIB>_<REASON> for the others, plus library and reason.
*/
void lt_push_ssl_error(lua_State *L, unsigned long e) {
  char buf[256], code[160];
  const char *reason = ERR_reason_error_string(e);
  const char *lib = ERR_lib_error_string(e);
  const char *lc = lib_code(ERR_GET_LIB(e));
  size_t n;
  ERR_error_string_n(e, buf, sizeof buf);
  n = (size_t)snprintf(code, sizeof code, "ERR_%s%s", strcmp(lc, "SSL_") ? "OSSL_" : "", lc);
  for (const char *p = reason ? reason : "unknown"; *p && n + 1 < sizeof code; p++)
    code[n++] = (*p == ' ') ? '_' : (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
  code[n] = '\0';
  lt_push_error(L, code, buf);
  if (lib) { lua_pushstring(L, lib); lua_setfield(L, -2, "library"); }
  if (reason) { lua_pushstring(L, reason); lua_setfield(L, -2, "reason"); }
}

/* Pushes the first error of the queue (the cause) and clears it; 0 if empty. */
int lt_push_ssl_queue_error(lua_State *L) {
  unsigned long e = ERR_peek_error();
  if (e == 0) return 0;
  ERR_clear_error();
  lt_push_ssl_error(L, e);
  return 1;
}

/* An integer argument within [min, max], or an ERR_OUT_OF_RANGE error object naming it. */
lua_Integer lt_checkrange(lua_State *L, int idx, lua_Integer min, lua_Integer max, const char *name) {
  lua_Integer v = luaL_checkinteger(L, idx);
  if (v < min || v > max) {
    lua_pushfstring(L, "The value of \"%s\" is out of range. It must be >= %I and <= %I. Received %I",
                    name, min, max, v);
    lt_push_error(L, "ERR_OUT_OF_RANGE", lua_tostring(L, -1));
    return lua_error(L);
  }
  return v;
}

/*
** A string argument for OpenSSL calls that take int lengths (BIO_write,
** BIO_new_mem_buf): one of 2 GiB or more is refused, never cut short.
*/
const char *lt_checkbytes(lua_State *L, int idx, size_t *n) {
  const char *p = luaL_checklstring(L, idx, n);
  if (*n > INT_MAX) {
    lt_push_error(L, "ERR_OUT_OF_RANGE", "The value is out of range. It must be shorter than 2 GiB");
    lua_error(L);
  }
  return p;
}

/* Builds the error a failure record describes (inside a protected call). */
void lt_push_failure(lua_State *L, const lt_failure *f) {
  switch (f->kind) {
    case LT_FAIL_SSL: lt_push_ssl_error(L, f->ssl); break;
    case LT_FAIL_ERRNO: lt_push_errno(L, f->sys, f->syscall); break;
    case LT_FAIL_REF: lt_push_kept_error(L, f->ref); break;
    default: lt_push_error(L, f->code, f->message ? f->message : "unknown error");
  }
}

/* an lt_pusher for a failure record */
void lt_failure_pusher(lua_State *L, void *ud) { lt_push_failure(L, ud); }

static int error_tostring(lua_State *L) {
  lua_getfield(L, 1, "name");
  lua_getfield(L, 1, "code");
  lua_getfield(L, 1, "message");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, lua_isstring(L, 2) ? lua_tostring(L, 2) : "Error");
  if (lua_isstring(L, 3)) {
    luaL_addstring(&b, " [");
    luaL_addstring(&b, lua_tostring(L, 3));
    luaL_addstring(&b, "]");
  }
  luaL_addstring(&b, ": ");
  luaL_addstring(&b, lua_isstring(L, 4) ? lua_tostring(L, 4) : "");
  luaL_pushresult(&b);
  return 1;
}

/* ---------- functions of the core table ---------- */

static int core_set_uncaught(lua_State *L) {
  lua_settop(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &handles);
  return 0;
}

static int core_set_tick(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, TICK_KEY);
  return 0;
}

static int core_tick_pending(lua_State *L) {
  (void)L;
  tick_pending = 1;
  return 0;
}

/* Runs the loop until nothing is left; raises an error that no handler took. */
static int core_run(lua_State *L) {
  ev_run(lt_loop, 0);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &main_L) != LUA_TBOOLEAN || lua_toboolean(L, -1)) {
    lua_pushboolean(L, 0);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &main_L);
    return lua_error(L);
  }
  return 0;
}

static int core_stop(lua_State *L) {
  (void)L;
  ev_break(lt_loop, EVBREAK_ALL);
  return 0;
}

/* Kinds of the open handles; 'all' includes unref'd and inactive ones. */
static int core_handles(lua_State *L) {
  int all = lua_toboolean(L, 1), n = 0;
  lua_newtable(L);
  for (lt_handle *h = handles.next; h != &handles; h = h->next) {
    if (!all && (h->unrefed || h->selfref == LUA_NOREF)) continue;
    lua_pushstring(L, h->kind);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

/* Closes every open handle: the last resort of a test that failed midway. */
static int core_close_all(lua_State *L) {
  int n = 0;
  (void)L;
  while (handles.next != &handles) {
    lt_handle *h = handles.next;
    h->close(h);
    if (handles.next == h) lt_handle_unlink(h);   /* never loop on a bad close */
    n++;
  }
  lua_pushinteger(L, n);
  return 1;
}

static int core_errname(lua_State *L) {
  lua_pushstring(L, lt_errname((int)luaL_checkinteger(L, 1)));
  return 1;
}

static int core_errno_error(lua_State *L) {
  lua_Integer err = luaL_checkinteger(L, 1);
  /* errno values are small positive ints; anything else has no name */
  if (err < 0 || err > 4095) {
    lt_push_error(L, "ERR_OUT_OF_RANGE", "The value of \"errno\" is out of range. It must be >= 0 and <= 4095");
    return lua_error(L);
  }
  lt_push_errno(L, (int)err, luaL_optstring(L, 2, NULL));
  return 1;
}

static int core_getpid(lua_State *L) {
  lua_pushinteger(L, getpid());
  return 1;
}

/* core.newtable(nrec) -> an empty table with room for nrec fields: an object
   that will hold that many is not rehashed on the way (class.lua) */
static int core_newtable(lua_State *L) {
  lua_createtable(L, 0, (int)luaL_checkinteger(L, 1));
  return 1;
}

static const luaL_Reg core_funcs[] = {
  {"getpid", core_getpid},
  {"newtable", core_newtable},
  {"set_uncaught", core_set_uncaught},
  {"set_tick", core_set_tick},
  {"tick_pending", core_tick_pending},
  {"run", core_run},
  {"stop", core_stop},
  {"handles", core_handles},
  {"close_all", core_close_all},
  {"errname", core_errname},
  {"errno_error", core_errno_error},
  {NULL, NULL}
};

#ifdef LT_DEBUG_STACK
/* Debug builds: every batch of callbacks leaves the Lua stack as it found it. */
static void checked_invoke(struct ev_loop *loop) {
  int top = lua_gettop(main_L);
  ev_invoke_pending(loop);
  if (lua_gettop(main_L) != top) {
    fprintf(stderr, "luatls: callbacks left the Lua stack at %d, not %d\n", lua_gettop(main_L), top);
    abort();
  }
}
#endif

void lt_open_core(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  main_L = lua_tothread(L, -1);
  lua_pop(L, 1);
  if (lt_loop == NULL) lt_loop = ev_default_loop(EVFLAG_AUTO);
  if (lt_loop == NULL) luaL_error(L, "luatls: cannot start the event loop");
  /* the slot an uncaught error goes to exists before any error, so storing allocates nothing */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &main_L) == LUA_TNIL) {
    lua_pushboolean(L, 0);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &main_L);
  }
  lua_pop(L, 1);
#ifdef LT_DEBUG_STACK
  ev_set_invoke_pending_cb(lt_loop, checked_invoke);
#endif
  if (luaL_newmetatable(L, ERROR_MT)) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "Error");
    lua_setfield(L, -2, "__name");
  }
  luaL_newlib(L, core_funcs);
  lua_insert(L, -2);
  lua_setfield(L, -2, "Error");
  lua_pushliteral(L, LT_VERSION);
  lua_setfield(L, -2, "version");
}
