-- luatls as a rock: the C core (luatls.core) built against the system's OpenSSL 3,
-- libev and libedit, and the Lua modules (tls, net, events, stream, fs, util, timers,
-- child_process, crypto, dns, luatls.*), so that a stock Lua 5.4 can require('tls').
--
--   luarocks make rockspecs/luatls-scm-1.rockspec            (from the source tree)
--   luarocks --tree=DIR make rockspecs/luatls-scm-1.rockspec (into a tree of its own)
--
-- A plain Lua script runs the event loop itself, with one call:
--
--   local runtime = require('luatls.runtime')   -- globals first: console, process, timers
--   local tls = require('tls')
--   ... make servers and sockets ...
--   os.exit(runtime.run(function() end))         -- ticks, then the loop until nothing is left
--
-- runtime.run(f, ...) runs f(...), then process.nextTick callbacks, then the loop, and
-- returns the exit code (process.exitCode, or 1 after an uncaught error). The `luatls`
-- executable is not part of the rock: `make install` or the Debian package has it.
--
-- On Debian 12: apt-get install luarocks liblua5.4-dev libssl-dev libev-dev libedit-dev
rockspec_format = '3.0'
package = 'luatls'
version = 'scm-1'

source = {
  -- `luarocks make` builds the tree it runs in and does not fetch this; set it to the
  -- published repository before uploading the rockspec
  url = 'git+https://luatls.invalid/luatls.git',
  branch = 'main',
}

description = {
  summary = "Node.js's tls API for Lua 5.4, on OpenSSL 3 and libev",
  detailed = [[
luatls gives Lua scripts the API of Node.js's tls module (tls.createServer, tls.connect,
secure contexts, verification, Node's error codes) with the parts of net, events, streams,
timers and fs it stands on, over a small C core (OpenSSL 3, libev).]],
  labels = { 'tls', 'ssl', 'openssl', 'networking', 'libev', 'node' },
}

dependencies = {
  'lua >= 5.4, < 5.5',
}

external_dependencies = {
  OPENSSL = { header = 'openssl/ssl.h', library = 'ssl' },
  LIBEV = { header = 'ev.h', library = 'ev' },
  LIBEDIT = { header = 'editline/readline.h', library = 'edit' },
  HIREDIS = { header = 'hiredis/hiredis.h', library = 'hiredis' },
}

build = {
  type = 'builtin',
  modules = {
    -- the same sources as the Makefile's CORE_SRC (spec/rock_spec.lua compares them)
    ['luatls.core'] = {
      sources = {
        'src/module.c', 'src/core.c', 'src/loop.c', 'src/stream.c', 'src/tcp.c', 'src/dns.c',
        'src/context.c', 'src/tls.c', 'src/x509.c', 'src/process.c', 'src/repl.c',
        'src/hooks.c', 'src/session.c', 'src/bio.c', 'src/ipc.c', 'src/x509gen.c',
        'src/scratch.c', 'src/redis.c', 'src/stdin.c',
      },
      defines = { '_GNU_SOURCE' },
      incdirs = { '$(OPENSSL_INCDIR)', '$(LIBEV_INCDIR)', '$(LIBEDIT_INCDIR)', '$(HIREDIS_INCDIR)' },
      libdirs = { '$(OPENSSL_LIBDIR)', '$(LIBEV_LIBDIR)', '$(LIBEDIT_LIBDIR)', '$(HIREDIS_LIBDIR)' },
      libraries = { 'ssl', 'crypto', 'ev', 'edit', 'hiredis', 'pthread' },
    },
    -- every file of lua/ (spec/rock_spec.lua checks that none is missing)
    child_process = 'lua/child_process.lua',
    cluster = 'lua/cluster.lua',
    crypto = 'lua/crypto.lua',
    dns = 'lua/dns.lua',
    events = 'lua/events.lua',
    fs = 'lua/fs.lua',
    net = 'lua/net.lua',
    redis = 'lua/redis.lua',
    stream = 'lua/stream.lua',
    string_decoder = 'lua/string_decoder.lua',
    timers = 'lua/timers.lua',
    tls = 'lua/tls.lua',
    util = 'lua/util.lua',
    x509 = 'lua/x509.lua',
    ['luatls.abort'] = 'lua/luatls/abort.lua',
    ['luatls.async'] = 'lua/luatls/async.lua',
    ['luatls.class'] = 'lua/luatls/class.lua',
    ['luatls.connect'] = 'lua/luatls/connect.lua',
    ['luatls.encoding'] = 'lua/luatls/encoding.lua',
    ['luatls.errors'] = 'lua/luatls/errors.lua',
    ['luatls.identity'] = 'lua/luatls/identity.lua',
    ['luatls.readable'] = 'lua/luatls/readable.lua',
    ['luatls.repl'] = 'lua/luatls/repl.lua',
    ['luatls.repl_chunk'] = 'lua/luatls/repl_chunk.lua',
    ['luatls.runtime'] = 'lua/luatls/runtime.lua',
    ['luatls.secure_context'] = 'lua/luatls/secure_context.lua',
    ['luatls.session_store'] = 'lua/luatls/session_store.lua',
    ['luatls.serve'] = 'lua/luatls/serve.lua',
    ['luatls.socket_stream'] = 'lua/luatls/socket_stream.lua',
    ['luatls.starttls'] = 'lua/luatls/starttls.lua',
    ['luatls.stream_base'] = 'lua/luatls/stream_base.lua',
    ['luatls.tick'] = 'lua/luatls/tick.lua',
    ['luatls.tls_hooks'] = 'lua/luatls/tls_hooks.lua',
    ['luatls.tls_session'] = 'lua/luatls/tls_session.lua',
    ['luatls.writable'] = 'lua/luatls/writable.lua',
  },
  copy_directories = { 'doc', 'examples', 'types' },
}
