-- Writes the seed corpus of the actions target (fuzz/actions.lua) into
-- fuzz/corpus/actions:
--   build/luatls fuzz/seed_actions.lua
-- Every hook or event meets every action, taken on its own socket the first
-- time the hook runs, with the options that make every hook run (two
-- connections, the second resuming through newSession/resumeSession, OCSP,
-- ALPNCallback). An action that can cut a connection short (destroy, end,
-- raise, nextTick destroy) gets one input per hook or event; for an 'error'
-- event, a destroy with an error in 'data' makes the error. The others
-- (renegotiate, setSecureContext, server:close, file, collectgarbage, write)
-- act in every hook and event of one input. TLS 1.2 or 1.3, memory wire or
-- loopback (always for the client's keylog, which a duplex's handshake starts
-- too early for), and how the hooks answer (now, setImmediate, nextTick, a
-- timer) vary between inputs. Last, one input per transport and version with
-- no action.
local NSLOTS = 20
local SLOTS = { 'server-keylog', 'server-sni', 'server-alpn', 'server-ocsp', 'server-newsession',
  'server-resumesession', 'server-secure', 'server-secureconnection', 'server-data', 'server-error',
  'server-end', 'server-close', 'client-keylog', 'client-session', 'client-secureconnect',
  'client-ocspresponse', 'client-data', 'client-error', 'client-end', 'client-close' }
local SERVER_SECURE, SERVER_SECURE_CONNECTION, SERVER_DATA, SERVER_ERROR = 7, 8, 9, 10
local CLIENT_KEYLOG, CLIENT_SESSION, CLIENT_DATA, CLIENT_ERROR = 13, 14, 17, 18
local ACTIONS = { 'destroy', 'end', 'renegotiate', 'setsecurecontext', 'serverclose', 'file', 'gc', 'raise',
  'ticktdestroy', 'write' }
local DESTROY = 1
local CUTS = { destroy = true, ['end'] = true, raise = true, ticktdestroy = true }
local NACT = #ACTIONS + 1   -- action 0 is 'nothing'
-- a slot's byte (slot_choice() in fuzz/actions.lua): action + NACT * (target + 2 * when + 8 * variant)
local function choice(action, when, variant) return action + NACT * (2 * when + 8 * (variant or 0)) end
local FIRST = 1
local WITH_ERROR = 2   -- the variant of destroy that passes an error

os.execute('mkdir -p fuzz/corpus/actions')
local function write(name, bytes)
  local f = assert(io.open('fuzz/corpus/actions/' .. name, 'wb'))
  f:write(bytes)
  f:close()
end

-- the option bytes (decode() in fuzz/actions.lua)
local TLS13, LOOPBACK, RESUME, NOTICKET, OCSP, HOOKS = 1, 2, 4, 8, 16, 64
local ALPN_CB = 64

local function input(k, slots, loopback, sessions_now)
  local f1 = RESUME | NOTICKET | OCSP | HOOKS | (k % 2 == 1 and TLS13 or 0) | (loopback and LOOPBACK or 0)
  local f2 = ALPN_CB | (k % 4) | ((k // 2) % 4) << 2   -- how the hooks answer
  if not sessions_now then f2 = f2 | ((k // 3) % 4) << 4 end
  local f3 = k % 3 == 0 and 0 or (k * 13) % 64 + 1                        -- wire chunk size
  local bytes = {}
  for i = 1, NSLOTS do bytes[i] = slots[i] or 0 end
  return string.char(f1, f2, f3, table.unpack(bytes)) .. 'hello'
end

local k = 0
for a, action in ipairs(ACTIONS) do
  if CUTS[action] then
    for i, slot in ipairs(SLOTS) do
      k = k + 1
      local slots = { [i] = choice(a, FIRST) }
      if i == SERVER_ERROR then slots[SERVER_DATA] = choice(DESTROY, FIRST, WITH_ERROR) end
      if i == CLIENT_ERROR then slots[CLIENT_DATA] = choice(DESTROY, FIRST, WITH_ERROR) end
      -- a client over a duplex starts its handshake before it has 'keylog' and 'session' listeners;
      -- a server's 'secure' waits for newSession's answer, which may come after the connection is over
      write(('%s-%s'):format(slot, action), input(k + a, slots,
        i == CLIENT_KEYLOG or i == CLIENT_SESSION or (k // 2) % 2 == 1,
        i == SERVER_SECURE or i == SERVER_SECURE_CONNECTION))
    end
  else
    for loopback = 0, 1 do
      k = k + 1
      local slots = {}
      for i = 1, NSLOTS do slots[i] = choice(a, FIRST) end
      write(('all-%s-%s'):format(action, loopback == 1 and 'loopback' or 'memory'), input(k, slots, loopback == 1))
    end
  end
end

for f1 = 0, 3 do
  write(('plain-%s-%s'):format(f1 & TLS13 ~= 0 and 'tls13' or 'tls12', f1 & LOOPBACK ~= 0 and 'loopback' or 'memory'),
    string.char(f1 | RESUME | OCSP | HOOKS, ALPN_CB, 0) .. ('\0'):rep(NSLOTS) .. 'hello')
end
