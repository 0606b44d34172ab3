-- luacheck settings for `make lint` (luacheck lua examples spec bench fuzz/*.lua types).
-- Each setting that silences a check says why on its line.

std = 'lua54'

-- the runtime's Node-style globals: lua/luatls/runtime.lua's M.install() sets them before
-- any script, module or spec runs
read_globals = {
  'console',
  -- as in Node, scripts set process.exitCode, process.argv and process.env's variables
  process = { other_fields = true, fields = {
    exitCode = { read_only = false },
    argv = { other_fields = true, read_only = false },
    env = { other_fields = true, read_only = false },
  } },
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
}

self = false               -- default methods (Readable:_read, Object:init) keep the colon form they are overridden in
max_line_length = false    -- line length is layout, not a defect: the code has no limit, option tables and messages run long
ignore = {
  '542',                   -- an empty `if` branch whose comment names the case is how the code says "nothing to do here"
}

-- a cluster worker's process gains the channel to its primary, as in Node
files['lua/cluster.lua'] = {
  read_globals = { process = { fields = {
    connected = { read_only = false }, channel = { read_only = false },
    send = { read_only = false }, disconnect = { read_only = false },
  } } },
}

files['spec'] = {
  std = '+busted',
  read_globals = { 'H' },  -- spec/helper.lua (.busted's helper) installs H before every spec file
}

-- ---@meta stubs for lua-language-server: bodies are empty, the code never runs; checked for
-- syntax and stray globals only
files['types'] = {
  unused_args = false,     -- a stub's parameters are its signature; its body is empty
  ignore = { '241' },      -- locals that exist only to carry a ---@class annotation are never read
}
files['types/globals.lua'] = {
  globals = {              -- the file declares them
    'console', 'process',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate',
  },
}
