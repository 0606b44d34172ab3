-- F38: BIO_write and BIO_new_mem_buf take int lengths. A string of 2 GiB
-- (2^31 bytes) handed to a memory TLS stream's feed, or as a SecureContext's
-- 'ca', must raise ERR_OUT_OF_RANGE, not be cut or dropped. Needs about 3 GiB.
-- Prints "feed raised CODE" / "feed returned", the same for "ca".
package.path = 'spec/scripts/?.lua;' .. package.path
local tls = require('tls')
local stream = require('stream')
local C = require('cb_common')

-- string.rep stops below 2^31; a concatenation does not
local half = string.rep(string.rep('\22', 2 ^ 20), 2 ^ 10)
local big = half .. half
half = nil   -- luacheck: ignore 311 (lets the collector have the first GiB)
C.say('bytes', #big)

local d = stream.Duplex()
local s = tls.TLSSocket(d, { isServer = true, secureContext = tls.createSecureContext(C.server_options()) })
s:on('error', function(e) C.say('socket-error', C.code(e)) end)
local h = s._handle
C.say('feed', C.outcome(pcall(h.feed, h, big)))
s:destroy()

C.say('ca', C.outcome(pcall(tls.createSecureContext, { ca = big })))
