/*
** loop.c
** Timers (setTimeout, setInterval, socket idle timeouts), the setImmediate
** hook, and the loop's clock.
*/
#include <math.h>
#include <time.h>
#include "luatls.h"
#include "modules.h"

#define TIMER_MT "luatls.Timer"

typedef struct {
  lt_handle h;
  ev_timer w;
  int closed;
} lt_timer;

static ev_idle immediate_idle;     /* keeps the loop from blocking */
static ev_check immediate_check;   /* runs the queue after each poll */
static int immediate_ref = LUA_NOREF;

/* a closed timer (by close() or its finalizer) cannot start again; its other
   methods are harmless on it */
static lt_timer *checktimer(lua_State *L) {
  lt_timer *t = luaL_checkudata(L, 1, TIMER_MT);
  if (t->closed) {
    lt_push_error(L, "ERR_INVALID_STATE", "timer is closed");
    lua_error(L);
  }
  return t;
}

static void timer_cb(EV_P_ ev_timer *w, int revents) {
  lt_timer *t = w->data;
  (void)revents;
  int base = lt_emit_begin(&t->h, NULL);
  if (!ev_is_active(w)) {
    /* libev stopped a one-shot timer itself: undo our unref, drop the ref */
    if (t->h.unrefed) ev_ref(EV_A);
    lt_handle_deactivate(&t->h);
  }
  if (base) lt_emit_end(base);
}

static void timer_close_handle(lt_handle *h);

static int timer_new(lua_State *L) {
  lt_timer *t = lua_newuserdatauv(L, sizeof *t, 1);
  t->closed = 0;
  ev_init(&t->w, timer_cb);
  t->w.data = t;
  lt_handle_init(&t->h, "timer", timer_close_handle);
  luaL_setmetatable(L, TIMER_MT);
  return 1;
}

static void timer_stop_watcher(lt_timer *t) {
  if (ev_is_active(&t->w)) {
    if (t->h.unrefed) ev_ref(lt_loop);
    ev_timer_stop(lt_loop, &t->w);
  }
}

/*
** A time in ms at idx. libev asserts on a negative or NaN repeat, and a NaN or
** infinite time breaks its heap order, so whatever a script passes (the Lua
** side checks too) stops here with an error object.
*/
static double checkms(lua_State *L, int idx, double def) {
  double ms = lua_isnoneornil(L, idx) ? def : luaL_checknumber(L, idx);
  if (!isfinite(ms) || ms < 0) {
    lt_push_error(L, "ERR_OUT_OF_RANGE", lua_pushfstring(L,
      "The value of \"ms\" is out of range. It must be a non-negative finite number. Received %s",
      isnan(ms) ? "NaN" : isinf(ms) ? (ms > 0 ? "Infinity" : "-Infinity") : lua_tostring(L, idx)));
    lua_error(L);
  }
  return ms;
}

/* t:start(ms, repeat_ms, fn) */
static int timer_start(lua_State *L) {
  lt_timer *t = checktimer(L);
  double after = checkms(L, 2, 0), rep = checkms(L, 3, 0);
  luaL_checktype(L, 4, LUA_TFUNCTION);
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, 1, 1);
  timer_stop_watcher(t);
  /* the loop's clock is read once per iteration: after a long callback it
     is behind, and a timer counted from it would fire early */
  ev_now_update(lt_loop);
  ev_timer_set(&t->w, after / 1000.0, rep / 1000.0);
  ev_timer_start(lt_loop, &t->w);
  if (t->h.unrefed) ev_unref(lt_loop);
  lt_handle_activate(L, &t->h, 1);
  return 0;
}

/* t:again([ms]): restart the countdown, as for an idle timeout */
static int timer_again(lua_State *L) {
  lt_timer *t = checktimer(L);
  if (!lua_isnoneornil(L, 2)) t->w.repeat = checkms(L, 2, 0) / 1000.0;
  timer_stop_watcher(t);
  ev_timer_set(&t->w, t->w.repeat, t->w.repeat);
  ev_timer_again(lt_loop, &t->w);
  if (ev_is_active(&t->w)) {
    if (t->h.unrefed) ev_unref(lt_loop);
    lt_handle_activate(L, &t->h, 1);
  }
  return 0;
}

static int timer_stop(lua_State *L) {
  lt_timer *t = luaL_checkudata(L, 1, TIMER_MT);
  timer_stop_watcher(t);
  lt_handle_deactivate(&t->h);
  return 0;
}

static int timer_setref(lua_State *L, int want_unref) {
  lt_timer *t = luaL_checkudata(L, 1, TIMER_MT);
  if (t->h.unrefed == want_unref) return 0;
  if (ev_is_active(&t->w)) {
    if (want_unref) ev_unref(lt_loop); else ev_ref(lt_loop);
  }
  t->h.unrefed = want_unref;
  return 0;
}

static int timer_ref(lua_State *L) { return timer_setref(L, 0); }
static int timer_unref(lua_State *L) { return timer_setref(L, 1); }

static int timer_has_ref(lua_State *L) {
  lt_timer *t = luaL_checkudata(L, 1, TIMER_MT);
  lua_pushboolean(L, !t->h.unrefed);
  return 1;
}

static int timer_active(lua_State *L) {
  lt_timer *t = luaL_checkudata(L, 1, TIMER_MT);
  lua_pushboolean(L, ev_is_active(&t->w));
  return 1;
}

static void timer_close_handle(lt_handle *h) {
  lt_timer *t = (lt_timer *)h;
  if (t->closed) return;
  timer_stop_watcher(t);
  lt_handle_deactivate(&t->h);
  lt_handle_unlink(&t->h);
  t->closed = 1;
}

static int timer_close(lua_State *L) {
  timer_close_handle(&((lt_timer *)luaL_checkudata(L, 1, TIMER_MT))->h);
  return 0;
}

static const luaL_Reg timer_methods[] = {
  {"start", timer_start}, {"again", timer_again}, {"stop", timer_stop},
  {"ref", timer_ref}, {"unref", timer_unref}, {"hasRef", timer_has_ref},
  {"active", timer_active}, {"close", timer_close},
  {NULL, NULL}
};

/* ---------- setImmediate ---------- */

static void immediate_cb(EV_P_ ev_check *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  lua_State *L = lt_state();
  if (immediate_ref == LUA_NOREF) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, immediate_ref);
  lt_call(L, 0);
}

static void idle_cb(EV_P_ ev_idle *w, int revents) { (void)EV_A; (void)w; (void)revents; }

/* core.immediate(fn) installs the queue runner; core.immediate(true|false) arms it */
static int core_immediate(lua_State *L) {
  if (lua_isfunction(L, 1)) {
    lua_settop(L, 1);
    if (immediate_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, immediate_ref);
    immediate_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  } else if (lua_toboolean(L, 1)) {
    if (!ev_is_active(&immediate_check)) {
      ev_check_start(lt_loop, &immediate_check);
      ev_idle_start(lt_loop, &immediate_idle);
    }
  } else if (ev_is_active(&immediate_check)) {
    ev_check_stop(lt_loop, &immediate_check);
    ev_idle_stop(lt_loop, &immediate_idle);
  }
  return 0;
}

static int core_now(lua_State *L) {
  lua_pushnumber(L, ev_now(lt_loop) * 1000.0);
  return 1;
}

/* nanoseconds from a monotonic clock, for process.hrtime */
static int core_hrtime(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000000000 + ts.tv_nsec);
  return 1;
}

static const luaL_Reg loop_funcs[] = {
  {"timer", timer_new}, {"immediate", core_immediate}, {"now", core_now},
  {"hrtime", core_hrtime},
  {NULL, NULL}
};

void lt_open_loop(lua_State *L) {
  lt_newclass(L, TIMER_MT, timer_methods, timer_close);
  ev_check_init(&immediate_check, immediate_cb);
  ev_idle_init(&immediate_idle, idle_cb);
  luaL_setfuncs(L, loop_funcs, 0);
}
