---@meta dns

---`require('dns')`: name lookup as Node's `dns.lookup` does it: `getaddrinfo` on a worker
---thread, answered through the event loop (also a global in the REPL, `-e` and `-p` code).
---```lua
---local dns = require('dns')
---dns.lookup('localhost', function(err, address, family) print(address, family) end)
---dns.lookup('localhost', { all = true }, function(err, list) print(#list) end)
---```
---@class dnslib
local dns = {}

---Options of `dns.lookup`.
---@class dns.LookupOptions
---@field family 0|4|6|"IPv4"|"IPv6"? Only addresses of that family (0, the default: any); anything else raises `ERR_INVALID_ARG_VALUE`.
---@field all boolean? Call back with every address, as a list of `dns.LookupAddress`, instead of the first one.

---One address found by `dns.lookup` (the list given with `all = true`).
---@class dns.LookupAddress
---@field address string The address as text: `'127.0.0.1'`, `'::1'`.
---@field family 4|6 Its family.

---Looks `hostname` up with `getaddrinfo`, off the loop, and calls back on a later loop
---iteration with the first address and its family, or with every address when
---`options.all` is set. An IP address is its own answer (still called back later, as in
---Node). A name that has no address fails with `ENOTFOUND` (`syscall` `'getaddrinfo'`,
---`hostname`); a bad `hostname` or `callback` raises `ERR_INVALID_ARG_TYPE` at once.
---@param hostname string
---@param options dns.LookupOptions|0|4|6|nil a family number is the same as `{ family = n }`
---@param callback fun(err: luatls.Error?, address: string?, family: (4|6)?)|fun(err: luatls.Error?, addresses: dns.LookupAddress[]?)
---@overload fun(hostname: string, callback: fun(err: luatls.Error?, address: string?, family: (4|6)?))
function dns.lookup(hostname, options, callback) end

return dns
