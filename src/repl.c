/*
** repl.c
** The terminal side of the REPL. libedit's callback interface is driven by
** an ev_io on stdin, so timers and sockets run while the prompt waits.
** Output made by callbacks clears the prompt line first and the line is
** redrawn before the loop blocks again. SIGINT clears the line at the
** prompt, and stops a line that is still running (as lua.c does).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <editline/readline.h>
#include "luatls.h"
#include "modules.h"

static ev_io stdin_w;
static ev_prepare redisplay_w;
static ev_async sigint_w;
static int line_ref = LUA_NOREF;      /* on_line(line | nil at end of input) */
static int sigint_ref = LUA_NOREF;    /* on_sigint() at the prompt */
static int complete_ref = LUA_NOREF;  /* complete(word, line) -> { candidates } */
static int active, hidden, stopping, got_line;
static volatile sig_atomic_t evaluating, sigint_pending;
static int fresh;                     /* nothing typed since the prompt was shown */
static char *prompt;                  /* shown for the next line */
static struct sigaction old_sigint;
static char **candidates;
static int ncandidates;

/* word separators for completion: not '.' or ':', so `s:get` is one word */
static char word_breaks[] = " \t\n\"\\'`@$><=;|&{(,)+-*/%^~#[]";

static void line_handler(char *line) {
  lua_State *L = lt_state();
  lua_rawgeti(L, LUA_REGISTRYINDEX, line_ref);
  if (line) lua_pushstring(L, line);
  else lua_pushnil(L);
  free(line);
  got_line = 1;
  lt_call(L, 1);
}

static void stdin_cb(EV_P_ ev_io *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  int avail = 0;
  got_line = 0;
  fresh = 0;
  /* readable with nothing to read: the end of input (a hang-up, or Ctrl-D
     that reached the terminal before the editor took it), which libedit
     would drop */
  if (ioctl(0, FIONREAD, &avail) == 0 && avail == 0) line_handler(NULL);
  else rl_callback_read_char();
  if (stopping) {
    stopping = 0;
    rl_callback_handler_remove();
  } else if (got_line && active) {
    /* libedit leaves the line editor off after a line: turn it on again,
       which also shows the prompt, so typing never blocks the loop */
    rl_callback_handler_install(prompt, line_handler);
    fresh = 1;
  }
}

/* Before the loop blocks: bring back a prompt that output had cleared. */
static void redisplay_cb(EV_P_ ev_prepare *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  if (!hidden || !active) return;
  hidden = 0;
  rl_forced_update_display();
}

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

static void interrupt_lua(void) {
  /* lua.c's way: the next Lua instruction raises */
  lua_sethook(lt_state(), stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Running code is stopped; at the prompt the loop is told. A Ctrl-C that
   comes while a line is on its way to running stops that line (repl_call). */
static void on_sigint(int sig) {
  (void)sig;
  sigint_pending = 1;
  if (evaluating) {
    sigint_pending = 0;
    interrupt_lua();
  } else {
    ev_async_send(lt_loop, &sigint_w);
  }
}

static void sigint_cb(EV_P_ ev_async *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  if (!sigint_pending || sigint_ref == LUA_NOREF) return;
  sigint_pending = 0;
  lua_rawgeti(lt_state(), LUA_REGISTRYINDEX, sigint_ref);
  lt_call(lt_state(), 0);
}

static char *generator(const char *text, int state) {
  static int i;
  (void)text;
  if (state == 0) i = 0;
  return i < ncandidates ? strdup(candidates[i++]) : NULL;
}

static void free_candidates(void) {
  for (int i = 0; i < ncandidates; i++) free(candidates[i]);
  free(candidates);
  candidates = NULL;
  ncandidates = 0;
}

/* collects complete(word, line) into candidates; runs protected */
static int collect(lua_State *L) {
  const char *word = lua_touserdata(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, complete_ref);
  lua_pushstring(L, word);
  lua_pushlstring(L, rl_line_buffer, (size_t)rl_point);
  lua_call(L, 2, 1);
  if (!lua_istable(L, -1)) return 0;
  int n = (int)lua_rawlen(L, -1);
  candidates = calloc((size_t)n + 1, sizeof *candidates);
  if (candidates == NULL) return 0;
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    const char *c = lua_tostring(L, -1);
    if (c && (candidates[ncandidates] = strdup(c)) != NULL) ncandidates++;
    lua_pop(L, 1);
  }
  return 0;
}

static char **attempt_completion(const char *word, int start, int end) {
  (void)start; (void)end;
  lua_State *L = lt_state();
  free_candidates();
  rl_attempted_completion_over = 1;   /* no file-name completion */
  if (complete_ref == LUA_NOREF) return NULL;
  lua_pushcfunction(L, collect);
  lua_pushlightuserdata(L, (void *)word);
  if (lt_pcall(L, 1, 0) != LUA_OK) lua_pop(L, 1);
  if (ncandidates == 0) return NULL;
  return rl_completion_matches(word, generator);
}

static void set_prompt(const char *p) {
  char *copy = strdup(p);
  if (copy == NULL) return;
  free(prompt);
  prompt = copy;
}

/* Settings libedit reads when it starts: the first call into it must come after. */
static void configure(void) {
  static int done;
  if (done) return;
  done = 1;
  rl_readline_name = "luatls";
  rl_catch_signals = 0;   /* SIGINT is ours (on_sigint), libedit must not re-raise it */
  rl_basic_word_break_characters = word_breaks;
  rl_completer_word_break_characters = word_breaks;
  rl_completion_append_character = '\0';
  rl_attempted_completion_function = attempt_completion;
}

static void setref(lua_State *L, int idx, int *ref) {
  if (*ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, *ref);
  *ref = LUA_NOREF;
  if (lua_isfunction(L, idx)) {
    lua_pushvalue(L, idx);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
}

/* core.repl_start(prompt, on_line, on_sigint, complete) */
static int repl_start(lua_State *L) {
  set_prompt(luaL_checkstring(L, 1));
  luaL_checktype(L, 2, LUA_TFUNCTION);
  configure();
  setref(L, 2, &line_ref);
  setref(L, 3, &sigint_ref);
  setref(L, 4, &complete_ref);
  rl_callback_handler_install(prompt, line_handler);
  fresh = 1;
  if (!active) {
    ev_io_init(&stdin_w, stdin_cb, 0, EV_READ);
    ev_io_start(lt_loop, &stdin_w);
    ev_prepare_init(&redisplay_w, redisplay_cb);
    ev_prepare_start(lt_loop, &redisplay_w);
    ev_unref(lt_loop);
    ev_async_init(&sigint_w, sigint_cb);
    ev_async_start(lt_loop, &sigint_w);
    ev_unref(lt_loop);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sigint);
  }
  active = 1;
  return 0;
}

static int repl_stop(lua_State *L) {
  (void)L;
  if (!active) return 0;
  active = 0;
  if (evaluating) stopping = 1;   /* libedit is on the stack: remove after it returns */
  else rl_callback_handler_remove();
  ev_io_stop(lt_loop, &stdin_w);
  ev_ref(lt_loop);
  ev_prepare_stop(lt_loop, &redisplay_w);
  ev_ref(lt_loop);
  ev_async_stop(lt_loop, &sigint_w);
  sigaction(SIGINT, &old_sigint, NULL);
  free_candidates();
  return 0;
}

static int repl_prompt(lua_State *L) {
  set_prompt(luaL_checkstring(L, 1));
  rl_set_prompt(prompt);
  return 0;
}

/* Output is coming while the prompt waits: clear the prompt line once. */
static int repl_hide(lua_State *L) {
  (void)L;
  if (!active || evaluating || hidden) return 0;
  hidden = 1;
  fflush(stdout);
  fputs("\r\033[K", stdout);
  fflush(stdout);
  return 0;
}

/* Ctrl-C at the prompt: drop what was typed and show a fresh prompt
   (starting the editor again is what empties libedit's line). */
static int repl_clear_line(lua_State *L) {
  (void)L;
  if (!active) return 0;
  fputs("\n", stdout);
  fflush(stdout);
  rl_callback_handler_remove();
  rl_callback_handler_install(prompt, line_handler);
  fresh = 1;
  hidden = 0;   /* the prompt is fresh on screen already */
  return 0;
}

/* the text being typed; libedit's copy is only current while typing */
/*
** core.repl_call(f, ...) -> true, results... | false, err: runs a line's
** code so that Ctrl-C interrupts it, and only it.
*/
static int repl_call(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  evaluating = 1;
  if (sigint_pending) {
    sigint_pending = 0;
    interrupt_lua();
  }
  int status = lt_pcall(L, lua_gettop(L) - 1, LUA_MULTRET);
  evaluating = 0;
  lua_sethook(L, NULL, 0, 0);   /* a Ctrl-C that came too late to stop it */
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, 1);
  return lua_gettop(L);
}

static int repl_line(lua_State *L) {
  if (!active || fresh || rl_line_buffer == NULL) lua_pushliteral(L, "");
  else lua_pushlstring(L, rl_line_buffer, (size_t)rl_end);
  return 1;
}

static int repl_add_history(lua_State *L) {
  configure();
  add_history(luaL_checkstring(L, 1));
  return 0;
}

static int repl_read_history(lua_State *L) {
  configure();
  lua_pushboolean(L, read_history(luaL_checkstring(L, 1)) == 0);
  return 1;
}

static int repl_write_history(lua_State *L) {
  configure();
  lua_pushboolean(L, write_history(luaL_checkstring(L, 1)) == 0);
  return 1;
}

static int core_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

static const luaL_Reg repl_funcs[] = {
  {"repl_start", repl_start}, {"repl_stop", repl_stop},
  {"repl_prompt", repl_prompt}, {"repl_hide", repl_hide},
  {"repl_clear_line", repl_clear_line}, {"repl_line", repl_line},
  {"repl_call", repl_call},
  {"repl_add_history", repl_add_history}, {"repl_read_history", repl_read_history},
  {"repl_write_history", repl_write_history}, {"isatty", core_isatty},
  {NULL, NULL}
};

void lt_open_repl(lua_State *L) {
  luaL_setfuncs(L, repl_funcs, 0);
}
