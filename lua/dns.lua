-- dns: name lookup as Node's dns.lookup does it (getaddrinfo, off the loop).
--   local dns = require('dns')
--   dns.lookup('localhost', function(err, address, family) print(address, family) end)
--   dns.lookup('localhost', { all = true }, function(err, list) ... end)  -- { { address, family }, ... }
local core = require('luatls.core')
local errors = require('luatls.errors')
local tick = require('luatls.tick')

local dns = {}

-- lookup(hostname[, options | family], callback(err, address, family))
function dns.lookup(hostname, options, callback)
  if type(options) == 'function' then options, callback = nil, options end
  if type(options) == 'number' then options = { family = options } end
  options = options or {}
  errors.check('hostname', hostname, 'string')
  errors.check('callback', callback, 'function')
  local family = options.family or 0
  if family == 'IPv4' then family = 4 elseif family == 'IPv6' then family = 6 end
  if family ~= 0 and family ~= 4 and family ~= 6 then
    error(errors.invalid_arg_value('options.family', family, 'must be one of: 0, 4, 6'), 2)
  end
  local function answer(err, list)
    if not err and #list == 0 then
      err = errors.new('ENOTFOUND', 'getaddrinfo ENOTFOUND ' .. hostname,
        { syscall = 'getaddrinfo', hostname = hostname })
    end
    if err then return callback(err) end
    if options.all then return callback(nil, list) end
    callback(nil, list[1].address, list[1].family)
  end
  local ip = core.isip(hostname)
  if ip ~= 0 then
    -- an address is its own answer; still called back later, as in Node
    tick.nextTick(answer, nil, { { address = hostname, family = ip } })
  else
    core.getaddrinfo(hostname, family, answer)
  end
end

return dns
