/*
** repl.c
** The terminal side of the REPL. libedit's callback interface is driven by
** an ev_io on stdin, so timers and sockets run while the prompt waits.
**
** One path for output: everything the REPL's process writes while the
** prompt is up (print, io.write, the standard files' write, and what C code
** such as OpenSSL's trace writes to fd 2, which is a pipe read by the loop
** while the REPL runs) first clears the prompt and the typed text, and the
** loop draws them again just before it blocks. While a line runs the prompt
** is not on screen, and output is written as it comes.
**
** SIGINT clears the line at the prompt; while Lua runs (a line, or a
** callback of a timer or a socket) it stops that code with a Lua hook that
** raises "interrupted!", as lua.c does.
*/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <editline/readline.h>
#include "luatls.h"
#include "modules.h"

static ev_io stdin_w, errpipe_w;
static ev_async sigint_w;
static int line_ref = LUA_NOREF;      /* on_line(line | nil at end of input) */
static int sigint_ref = LUA_NOREF;    /* on_sigint(typed text) at the prompt */
static int complete_ref = LUA_NOREF;  /* complete(word, line) -> { candidates } */
static int active, got_line;
static int installed;                 /* libedit is reading a line (prompt drawn) */
static int shown;                     /* the prompt and the typed text are on screen */
static int hidden;                    /* output cleared them: draw again before blocking */
static int at_col0 = 1;               /* the last byte written to the terminal was '\n' */
static int fresh;                     /* nothing typed since the prompt was drawn */
static int tty_out;                   /* stdout is a terminal: the prompt can be hidden */
static int err_fd = 2;                /* the real stderr while fd 2 is the pipe */
static int errpipe_fd = -1;           /* read end of the pipe that fd 2 writes to */
static volatile sig_atomic_t evaluating, sigint_pending, waiting, armed;
static volatile sig_atomic_t own;     /* the REPL's own code runs (reading a line, Ctrl-C) */
static char *prompt;                  /* shown for the next line */
static struct sigaction old_sigint;
static char **candidates;
static int ncandidates;

/* word separators for completion: not '.' or ':', so `s:get` is one word */
static char word_breaks[] = " \t\n\"\\'`@$><=;|&{(,)+-*/%^~#[]";

/* ---------- the terminal ---------- */

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {   /* a terminal in non-blocking mode: wait for room */
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd, &set);
        select(fd + 1, NULL, &set, NULL, NULL);
        continue;
      }
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

static void term_puts(const char *s) {
  fflush(stdout);
  write_all(1, s, strlen(s));
}

/* columns of UTF-8 text: one per character */
static int width(const char *s, size_t n) {
  int w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
  return w;
}

static int columns(void) {
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

/* rows between the prompt's first row and the cursor (or the end of the text) */
static int rows_to(int to_end) {
  int cols = columns();
  int pw = prompt ? width(prompt, strlen(prompt)) : 0;
  int n = 0;
  if (!fresh && rl_line_buffer != NULL) {
    int upto = to_end ? rl_end : rl_point;
    n = width(rl_line_buffer, (size_t)upto);
  }
  return (pw + n) / cols;
}

/* Clears the prompt and the typed text: output goes where the prompt was. */
static void hide(void) {
  if (!shown) return;
  shown = 0;
  hidden = 1;
  char buf[32];
  int up = rows_to(0);
  if (up > 0) snprintf(buf, sizeof buf, "\033[%dA\r\033[J", up);
  else snprintf(buf, sizeof buf, "\r\033[J");
  term_puts(buf);
  at_col0 = 1;
}

/* The prompt and the typed text stay on screen; the cursor goes below them. */
static void leave_line(void) {
  if (!shown) return;
  shown = 0;
  int down = rows_to(1) - rows_to(0);
  char buf[32];
  if (down > 0) {
    snprintf(buf, sizeof buf, "\033[%dB", down);
    term_puts(buf);
  }
  term_puts("\r\n");
  at_col0 = 1;
}

/* What C code wrote to fd 2 (the pipe): to the terminal, in order. */
static void out_raw(int fd, const char *p, size_t n);
static void drain_errpipe(void) {
  if (errpipe_fd < 0) return;
  char buf[4096];
  for (;;) {
    ssize_t r = read(errpipe_fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    out_raw(2, buf, (size_t)r);
  }
}

static void out_raw(int fd, const char *p, size_t n) {
  if (n == 0) return;
  if (tty_out) hide();
  if (fd == 1) fflush(stdout);
  else fflush(stderr);
  write_all(fd == 2 ? err_fd : 1, p, n);
  at_col0 = p[n - 1] == '\n';
}

/* All output of the REPL's process goes through here while the REPL runs. */
static void out(int fd, const char *p, size_t n) {
  drain_errpipe();
  out_raw(fd, p, n);
}

/* Draws the prompt and the typed text again (on a line of its own). */
static void redraw(void) {
  if (!hidden || !installed || !active) return;
  hidden = 0;
  if (!at_col0) term_puts("\n");
  at_col0 = 1;
  rl_resize_terminal();
  rl_forced_update_display();
  shown = 1;
}

static void line_handler(char *line);

/* Starts reading a line: libedit draws the prompt. */
static void install(void) {
  drain_errpipe();
  if (!at_col0) term_puts("\n");
  at_col0 = 1;
  rl_callback_handler_install(prompt, line_handler);
  installed = 1;
  fresh = 1;
  shown = tty_out;
  hidden = 0;
}

/* ---------- signals ---------- */

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  armed = 0;
  luaL_where(L, 0);   /* where the running code was: "stdin:1: interrupted!" */
  lua_pushliteral(L, "interrupted!");
  lua_concat(L, 2);
  lua_error(L);
}

/*
** A line that runs is stopped at once, lua.c's way: the next Lua instruction
** raises. A callback (a timer, a socket's listener, a nextTick) is stopped
** only if it is still running STOP_AFTER instructions later: a Ctrl-C that
** lands in the short callbacks that run between the REPL's own code and the
** loop's wait is meant for the prompt, and before_wait hands it there.
*/
#define STOP_AFTER 100000

static void interrupt_lua(int now) {
  armed = 1;
  if (now) lua_sethook(lt_state(), stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  else lua_sethook(lt_state(), stop_hook, LUA_MASKCOUNT, STOP_AFTER);
}

/*
** While the loop waits, or the REPL itself is busy (between lines, after a
** Ctrl-C), Ctrl-C is for the prompt: the loop is told. Else Lua may be
** running (a line, or any callback): the hook stops it. If no Lua ran
** before the loop waits again, it was meant for the prompt too.
*/
static void on_sigint(int sig) {
  (void)sig;
  if (waiting || (own && !evaluating)) {
    sigint_pending = 1;
    ev_async_send(lt_loop, &sigint_w);
  } else {
    interrupt_lua(evaluating);
  }
}

static void before_wait(EV_P) {
  (void)EV_A;
  waiting = 1;
  if (armed && lua_gethook(lt_state()) == stop_hook) {
    lua_sethook(lt_state(), NULL, 0, 0);
    armed = 0;
    sigint_pending = 1;
    ev_async_send(lt_loop, &sigint_w);
  }
  drain_errpipe();
  redraw();
  fflush(stdout);
}

static void after_wait(EV_P) {
  (void)EV_A;
  waiting = 0;
}

/* Ctrl-C at the prompt: what was typed stays on screen, Lua decides the rest. */
typedef struct {
  const char *p;               /* NULL: nil */
  size_t n;
} text;

/* protected: calls the function (1) with the text (2, light userdata) as a
   string, so that making the string cannot raise through libedit or libev */
static int call_with_text(lua_State *L) {
  text *t = lua_touserdata(L, 2);
  lua_settop(L, 1);
  if (t->p) lua_pushlstring(L, t->p, t->n);
  else lua_pushnil(L);
  own = 1;
  lua_call(L, 1, 0);
  own = 0;
  return 0;
}

static void sigint_cb(EV_P_ ev_async *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  if (!sigint_pending || sigint_ref == LUA_NOREF || !active) return;
  sigint_pending = 0;
  lua_State *L = lt_state();
  int was_installed = installed;
  if (installed && tty_out) {
    redraw();
    leave_line();
  }
  text t = { "", 0 };
  if (!fresh && rl_line_buffer != NULL && was_installed) t = (text){ rl_line_buffer, (size_t)rl_end };
  if (!lua_checkstack(L, 4)) return;
  lua_pushcfunction(L, call_with_text);
  lua_rawgeti(L, LUA_REGISTRYINDEX, sigint_ref);
  lua_pushlightuserdata(L, &t);
  if (installed) {
    rl_callback_handler_remove();
    installed = 0;
  }
  lt_call(L, 2);
  own = 0;
  /* starting the editor again is what empties libedit's line */
  if (active && was_installed) install();
}

/* ---------- lines ---------- */

static int line_error = LUA_NOREF;   /* on_line raised: raised again out of libedit */


static void line_handler(char *line) {
  lua_State *L = lt_state();
  /* libedit has moved to the next line and turned the editor off (at the
     end of input it may not have: off in any case) */
  if (line == NULL && installed) {
    /* the prompt stays, without the ^D libedit echoed after it */
    if (shown && prompt) {
      term_puts("\r");
      term_puts(prompt);
      term_puts("\033[K\r\n");
      shown = 0;
    }
    rl_callback_handler_remove();
  }
  installed = 0;
  shown = 0;
  hidden = 0;
  at_col0 = 1;
  got_line = 1;
  if (!lua_checkstack(L, 4)) {
    free(line);
    return;
  }
  text t = { line, line ? strlen(line) : 0 };
  lua_pushcfunction(L, call_with_text);
  lua_rawgeti(L, LUA_REGISTRYINDEX, line_ref);
  lua_pushlightuserdata(L, &t);
  /* libedit is on the C stack: no error may cross it */
  int status = lt_pcall(L, 2, 0);
  free(line);
  if (status != LUA_OK) {
    if (line_error == LUA_NOREF) line_error = lt_keep_error(L);
    else lua_pop(L, 1);
  }
}

static int input_pending(void) {
  int avail = 0;
  return ioctl(0, FIONREAD, &avail) == 0 && avail > 0;
}

/*
** Everything the terminal has sent so far is read and run in one go, as
** Node's REPL does with a chunk of input: pasted lines run one after the
** other before timers, sockets or nextTick callbacks get a turn, as the
** lines of a file do. Runs as a Lua function (lt_call), so that nextTick
** callbacks queued by the lines run when all of them are done.
*/
static int read_input(lua_State *L) {
  int first = 1;
  own = 1;
  do {
    got_line = 0;
    fresh = 0;
    /* readable with nothing to read: the end of input (a hang-up, or Ctrl-D
       that reached the terminal before the editor took it), which libedit
       would drop */
    if (first && !input_pending()) line_handler(NULL);
    else rl_callback_read_char();
    first = 0;
    if (line_error != LUA_NOREF) {
      lt_push_kept_error(L, line_error);
      line_error = LUA_NOREF;
      if (got_line && active) install();
      own = 0;
      return lua_error(L);
    }
    /* libedit leaves the line editor off after a line: turn it on again,
       which also draws the prompt, so typing never blocks the loop */
    if (got_line && active) install();
  } while (active && input_pending());
  own = 0;
  return 0;
}

static void stdin_cb(EV_P_ ev_io *w, int revents) {
  (void)w; (void)revents;
  lua_State *L = lt_state();
  /* a Ctrl-C for the prompt that came before these keys goes first */
  if (sigint_pending) sigint_cb(EV_A_ &sigint_w, 0);
  /* read_input marks its own time as the REPL's; the nextTick callbacks its
     lines queued run after it, inside lt_call, and Ctrl-C must stop those */
  lua_pushcfunction(L, read_input);
  lt_call(L, 0);
  own = 0;
}

static void errpipe_cb(EV_P_ ev_io *w, int revents) {
  (void)EV_A; (void)w; (void)revents;
  drain_errpipe();
}

/* ---------- completion ---------- */

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

/* ---------- fd 2 through the loop ---------- */

/* C code's stderr (OpenSSL's trace, libedit's messages) becomes a pipe the
   loop reads, so that it shows above the prompt too. Never blocks a writer:
   past 1 MiB not yet read, C output is dropped rather than hang the loop. */
static void capture_stderr(void) {
  int p[2];
  if (!isatty(2) || errpipe_fd >= 0) return;
  int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
  if (saved < 0) return;
  if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(saved);
    return;
  }
  fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
  fflush(stderr);
  if (dup2(p[1], 2) < 0) {
    close(p[0]); close(p[1]); close(saved);
    return;
  }
  close(p[1]);
  err_fd = saved;
  errpipe_fd = p[0];
  ev_io_init(&errpipe_w, errpipe_cb, errpipe_fd, EV_READ);
  ev_io_start(lt_loop, &errpipe_w);
  ev_unref(lt_loop);
}

static void release_stderr(void) {
  if (errpipe_fd < 0) return;
  fflush(stderr);
  drain_errpipe();
  if (ev_is_active(&errpipe_w)) {
    ev_ref(lt_loop);
    ev_io_stop(lt_loop, &errpipe_w);
  }
  dup2(err_fd, 2);
  close(err_fd);
  close(errpipe_fd);
  err_fd = 2;
  errpipe_fd = -1;
}

/* the process exits without repl_stop (os.exit): the terminal as it was */
static void at_exit(void) {
  if (!active) return;
  active = 0;
  if (installed) rl_callback_handler_remove();
  installed = 0;
  release_stderr();
}

/* ---------- functions of the core table ---------- */

/* core.repl_start(prompt, on_line, on_sigint, complete) */
static int repl_start(lua_State *L) {
  static int registered;
  set_prompt(luaL_checkstring(L, 1));
  luaL_checktype(L, 2, LUA_TFUNCTION);
  configure();
  setref(L, 2, &line_ref);
  setref(L, 3, &sigint_ref);
  setref(L, 4, &complete_ref);
  if (!active) {
    tty_out = isatty(1);
    fflush(stdout);
    capture_stderr();
    ev_io_init(&stdin_w, stdin_cb, 0, EV_READ);
    ev_io_start(lt_loop, &stdin_w);
    ev_async_init(&sigint_w, sigint_cb);
    ev_async_start(lt_loop, &sigint_w);
    ev_unref(lt_loop);
    ev_set_loop_release_cb(lt_loop, before_wait, after_wait);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_sigint);
    if (!registered) atexit(at_exit);
    registered = 1;
  }
  active = 1;
  at_col0 = 1;
  install();
  return 0;
}

static int repl_stop(lua_State *L) {
  (void)L;
  if (!active) return 0;
  if (installed) {
    if (shown) leave_line();
    rl_callback_handler_remove();
  }
  active = 0;
  installed = shown = hidden = 0;
  ev_io_stop(lt_loop, &stdin_w);
  ev_async_stop(lt_loop, &sigint_w);
  ev_ref(lt_loop);
  ev_set_loop_release_cb(lt_loop, NULL, NULL);
  waiting = 0;
  sigaction(SIGINT, &old_sigint, NULL);
  release_stderr();
  free_candidates();
  return 0;
}

static int repl_prompt(lua_State *L) {
  set_prompt(luaL_checkstring(L, 1));
  rl_set_prompt(prompt);
  return 0;
}

/* core.repl_write(fd, ...): what print, io.write and the standard files
   write while the REPL runs (strings and numbers, as io.write takes) */
static int repl_write(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  int n = lua_gettop(L);
  for (int i = 2; i <= n; i++) {
    size_t len;
    const char *s = luaL_checklstring(L, i, &len);
    if (active) out(fd, s, len);
    else {
      FILE *f = fd == 2 ? stderr : stdout;
      fwrite(s, 1, len, f);
      if (fd == 2) fflush(f);
    }
  }
  return 0;
}

/*
** core.repl_call(f, ...) -> true, results... | false, err: runs a line's
** code so that Ctrl-C interrupts it, and only it.
*/
static int repl_call(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  evaluating = 1;
  int status = lt_pcall(L, lua_gettop(L) - 1, LUA_MULTRET);
  evaluating = 0;
  lua_sethook(L, NULL, 0, 0);   /* a Ctrl-C that came too late to stop it */
  armed = 0;
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, 1);
  return lua_gettop(L);
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
  {"repl_prompt", repl_prompt}, {"repl_write", repl_write},
  {"repl_call", repl_call},
  {"repl_add_history", repl_add_history}, {"repl_read_history", repl_read_history},
  {"repl_write_history", repl_write_history}, {"isatty", core_isatty},
  {NULL, NULL}
};

void lt_open_repl(lua_State *L) {
  luaL_setfuncs(L, repl_funcs, 0);
}
