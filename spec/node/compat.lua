-- Writes doc/node-compat.md from the specs in spec/node/ and the table below:
--   lua5.4 spec/node/compat.lua > doc/node-compat.md      (from the top of the tree)
-- A Node test with a spec here is "ported" when none of its cases is pending, "failing"
-- otherwise (the pending reasons are the gaps); the others are "not applicable", with why.
package.path = 'lua/?.lua;lua/?/init.lua;spec/?.lua;' .. package.path
package.cpath = 'build/lib/?.so;' .. package.cpath
require('helper')
local N = require('node.common')

-- Node's test/parallel/test-tls-*.js, without the prefix and the .js: the tree of Node's main
-- branch as the search index holds it, plus two tests added since
-- (client-allow-partial-trust-chain, psk-alpn-callback-exception-handling)
local ALL = [[
0-dns-altname add-context addca alert alert-handling alpn-server-client async-cb-after-socket-end
basic-validations buffersize ca-concat canonical-ip cert-chains-concat cert-chains-in-ca cert-ext-encoding
cert-regression check-server-identity cipher-list cli-max-min-conflict cli-max-version-1.2 cli-max-version-1.3
cli-min-version-1.0 cli-min-version-1.1 cli-min-version-1.2 cli-min-version-1.3 client-abort client-abort2
client-auth client-default-ciphers client-destroy-soon client-getephemeralkeyinfo client-mindhsize client-reject
client-reject-12 client-renegotiation-13 client-renegotiation-limit client-resume client-resume-12 client-verify
clientcertengine-invalid-arg-type clientcertengine-unsupported close-error close-event-after-write close-notify
cnnic-whitelist connect-abort-controller connect-address-family connect-allow-half-open-option connect-given-socket
connect-hints-option connect-hwm-option connect-memleak connect-no-host connect-pipe connect-secure-context
connect-simple connect-stream-writes connect-timeout-option delayed-attach delayed-attach-error destroy-stream
destroy-stream-12 destroy-whilst-write dhe disable-renegotiation ecdh ecdh-auto ecdh-multiple econnreset
empty-sni-context enable-keylog-cli enable-trace enable-trace-cli env-bad-extra-ca env-extra-ca
env-extra-ca-file-load env-extra-ca-no-crypto error-servername exportkeyingmaterial external-accessor fast-writing
finished friendly-error-message generic-stream getcertificate-x509 getcipher getprotocol handshake-error
handshake-exception handshake-nohang hello-parser-failure honorcipherorder inception interleave invalid-pfx
invoke-queued ip-servername-deprecation js-stream junk-closes-server junk-server key-mismatch
keyengine-invalid-arg-type keyengine-unsupported keylog-tlsv13 legacy-deprecated
max-send-fragment min-max-version multi-key multi-pfx multiple-cas-as-string net-connect-prefer-path
net-socket-keepalive no-cert-required no-sslv23 no-sslv3 ocsp-callback on-empty-socket onread-static-buffer
options-boolean-check parse-cert-string passphrase pause peer-certificate peer-certificate-encoding
peer-certificate-multi-keys pfx-authorizationerror psk-circuit psk-errors psk-server
reduced-SECLEVEL-in-cipher reinitialize-listeners request-timeout retain-handle-no-abort reuse-host-from-socket
root-certificates secure-context-usage-order secure-session securepair-fiftharg securepair-leak securepair-server
server-capture-rejection server-connection-server server-failed-handshake-emits-clienterror
server-parent-constructor-options server-verify session-cache
set-ciphers set-ciphers-error set-encoding set-secure-context set-sigalgs sni-option sni-server-client
sni-servername snicallback-error socket-allow-half-open-option socket-close socket-constructor-alpn-options-parsing
socket-default-options socket-destroy socket-failed-handshake-emits-error socket-snicallback-without-server
startcom-wosign-whitelist starttls-server streamwrap-buffersize ticket ticket-12 ticket-cluster ticket-invalid-arg
timeout-server timeout-server-2 tlswrap-segfault translate-peer-certificate transport-destroy-after-own-gc
use-after-free-regression wrap-econnreset wrap-econnreset-localaddress wrap-econnreset-pipe wrap-econnreset-socket
wrap-event-emmiter wrap-no-abort wrap-timeout write-error writewrap-leak zero-clear-in
client-allow-partial-trust-chain psk-alpn-callback-exception-handling
]]

-- not applicable, and why
local NA = {
  ['canonical-ip'] = 'tests an internal helper through --expose-internals',
  ['clientcertengine-unsupported'] = 'replaces a C++ binding to fake an OpenSSL build without engines',
  ['keyengine-unsupported'] = 'replaces a C++ binding to fake an OpenSSL build without engines',
  ['cnnic-whitelist'] = 'Node\'s built-in CNNIC certificate whitelist (its own root store), which luatls does not have',
  ['startcom-wosign-whitelist'] = 'Node\'s built-in StartCom/WoSign distrust list (its own root store)',
  ['connect-memleak'] = 'counts V8 heap objects with --expose-gc',
  ['transport-destroy-after-own-gc'] = 'needs --expose-gc and V8 weak references',
  ['env-extra-ca-no-crypto'] = 'a Node built without crypto',
  ['external-accessor'] = 'V8 external accessors on the C++ binding objects',
  ['parse-cert-string'] = 'an internal helper through --expose-internals',
  ['translate-peer-certificate'] = 'an internal helper through --expose-internals',
  ['ticket-cluster'] = 'the cluster module (worker processes sharing a listening socket)',
  ['onread-static-buffer'] = 'the onread option, which reads into a caller\'s Buffer',
  ['server-capture-rejection'] = 'captureRejections: promise rejections in listeners',
  ['connect-address-family'] = 'not on this machine: localhost does not resolve to ::1 here, where Node\'s test skips itself',
  ['securepair-leak'] = 'counts V8 heap objects with --expose-gc',
  ['writewrap-leak'] = 'an internal WriteWrap through --expose-internals',
  ['wrap-no-abort'] = 'constructs the C++ TLSWrap binding directly (--expose-internals)',
  ['use-after-free-regression'] = 'an https server (luatls has no https module) against a C++ use-after-free in Node\'s TLSWrap',
  ['reinitialize-listeners'] = 'calls the internal kReinitializeHandle through --expose-internals',
  ['wrap-timeout'] = 'reads the internal timer fields (kTimeout, _idleStart) through --expose-internals',
  ['write-error'] = 'feeds hand-made handshake frames from test/common/tls.js to an https server',
  ['env-extra-ca-file-load'] = 'asks the C++ crypto binding whether the extra CA file was loaded (--expose-internals)',
  ['cert-ext-encoding'] = 'Node skips it itself when built with OpenSSL 3, as luatls always is',
}

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read('a')
  f:close()
  return s
end

-- the reasons of the pending cases of a spec
local function pendings(text)
  local out, seen = {}, {}
  for rest in text:gmatch('pending%((.-)\n') do
    local reason
    if rest:sub(1, 1) == "'" then
      reason = rest:match("^'(.*)'%)%s*$") or rest
      reason = reason:gsub("\\'", "'")
    else
      local name = rest:match('(GAP_[%w_]+)')
      reason = name and N[name] or rest
    end
    reason = reason:gsub('^luatls gap: ', '')
    if not seen[reason] then seen[reason] = true; out[#out + 1] = reason end
  end
  return out
end

local rows, counts = {}, { ported = 0, na = 0, failing = 0, missing = 0 }
local by_gap, gap_order = {}, {}
local names = {}
for name in ALL:gmatch('%S+') do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  local spec = 'spec/node/test_tls_' .. name:gsub('[-.]', '_') .. '_spec.lua'
  local text = read(spec)
  if text then
    local reasons = pendings(text)
    if #reasons == 0 then
      counts.ported = counts.ported + 1
      rows[#rows + 1] = ('| test-tls-%s.js | ported | `%s` |'):format(name, spec)
    else
      counts.failing = counts.failing + 1
      for _, reason in ipairs(reasons) do
        if not by_gap[reason] then by_gap[reason] = {}; gap_order[#gap_order + 1] = reason end
        table.insert(by_gap[reason], 'test-tls-' .. name .. '.js')
      end
      rows[#rows + 1] = ('| test-tls-%s.js | failing | `%s`: %s |'):format(name, spec, table.concat(reasons, '; '))
    end
  elseif NA[name] then
    counts.na = counts.na + 1
    rows[#rows + 1] = ('| test-tls-%s.js | not applicable | %s |'):format(name, NA[name])
  else
    counts.missing = counts.missing + 1
    rows[#rows + 1] = ('| test-tls-%s.js | not ported yet | |'):format(name)
  end
end

print('# Node.js compatibility: Node\'s TLS tests, ported')
print()
print(('**%d ported (passing) / %d not applicable / %d failing**%s, of %d test-tls-*.js files.')
  :format(counts.ported, counts.na, counts.failing,
    counts.missing > 0 and (' / ' .. counts.missing .. ' not ported yet') or '', #names))
print()
print([[Each scenario of Node's `test/parallel/test-tls-*.js` is written again in Lua, in
`spec/node/test_tls_<name>_spec.lua` (its first line names the Node file), with luatls's
certificates (`certs/`) in place of Node's fixtures, real sockets on 127.0.0.1, and the
assertions Node makes. They run with every other spec (`make test`; `lua5.4 /usr/bin/busted
spec/node/` alone). A case that fails because luatls does not do what Node does is kept,
marked `pending` with the gap as its reason, so the suite stays green and the gap stays
visible: such a test is listed as **failing**, with the reason. Removing the `pending` line
runs it again.

- **ported**: every case of the Node test passes.
- **failing**: at least one case is pending on a luatls gap (the reasons below).
- **not applicable**: the test is about something luatls does not have by design (V8, the
  C++ bindings, `--expose-internals`, Node's own root store, cluster, ...).

Where the test environment differs from Node's (Debian's OpenSSL defaults to security level
2, so 1024-bit DH groups need `@SECLEVEL=1`; localhost resolves only to 127.0.0.1), the spec
says so. A few behaviours differ on purpose and are documented in doc/tls.md; the specs
check luatls's documented behaviour there and say so in a comment:

- a client whose ALPN offer the server refuses gets `ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL`
  (the alert), where Node reports `ECONNRESET`;
- Lua has no `Buffer`: data are strings (ports written before sockets had `setEncoding` leave
  it out), and a string is a valid `exportKeyingMaterial` context.

The list is the `test-tls-*.js` files of Node's main-branch `test/parallel/`, plus two tests
added since (`client-allow-partial-trust-chain`, `psk-alpn-callback-exception-handling`).
The newest Node releases add more (`get-ca-certificates-*`, `set-default-ca-certificates-*`,
for `tls.getCACertificates()` and `tls.setDefaultCACertificates()`, which luatls does not
have); they are not listed yet. Error messages: luatls words option errors
`The "options.x" argument must be ...` where Node says `property`; the ports check the code,
the option's name and the type named.

This page is generated: `lua5.4 spec/node/compat.lua > doc/node-compat.md`.

| Node test | status | spec, or why |
|---|---|---|]])
for _, row in ipairs(rows) do print(row) end
print()
print('## The gaps behind the failing tests')
print()
print('Each gap once, with the Node tests it keeps from passing (most first).')
print()
table.sort(gap_order, function(a, b)
  if #by_gap[a] ~= #by_gap[b] then return #by_gap[a] > #by_gap[b] end
  return a < b
end)
for _, reason in ipairs(gap_order) do
  print(('- %s (%s)'):format(reason, table.concat(by_gap[reason], ', ')))
end
