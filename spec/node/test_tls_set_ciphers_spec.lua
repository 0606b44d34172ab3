-- from test/parallel/test-tls-set-ciphers.js
local N = require('node.common')

local U = nil
local REPLY = 'So long and thanks for all the fish.'

local function max_version(ciphers, options)
  if options and options.maxVersion then return options.maxVersion end
  if type(ciphers) == 'string' and #ciphers > 0 and not ciphers:find('TLS_', 1, true) then return 'TLSv1.2' end
  return 'TLSv1.3'
end

-- returns a failure description, or nil
local function test(cciphers, sciphers, cipher, cerr, serr, options)
  local got
  local pair = N.pair(
    { checkServerIdentity = function() end, ca = N.CA, ciphers = cciphers, maxVersion = max_version(cciphers, options) },
    N.opts({ ciphers = sciphers, maxVersion = max_version(sciphers, options) }),
    function(p)
      p.server.conn:write(REPLY)
      p.client.conn:on('data', function(d) got = (got or '') .. d end)
    end)
  local name = tostring(cciphers) .. ' / ' .. tostring(sciphers)
  local ce, se = pair.client.err and pair.client.err.code, pair.server.err and pair.server.err.code
  if cipher then
    if ce or se then return name .. ': errors ' .. tostring(ce) .. ' / ' .. tostring(se) end
    if pair.client.cipher.name ~= cipher or pair.server.cipher.name ~= cipher then
      return name .. ': cipher ' .. pair.client.cipher.name .. ', expected ' .. cipher
    end
    if got ~= REPLY then return name .. ': reply ' .. tostring(got) end
    return nil
  end
  if cerr and ce ~= cerr then return name .. ': client error ' .. tostring(ce) .. ', expected ' .. cerr end
  if serr and se ~= serr then return name .. ': server error ' .. tostring(se) .. ', expected ' .. serr end
end

local function run(cases)
  local failures = {}
  for _, c in ipairs(cases) do
    local f = test(table.unpack(c, 1, 6))
    if f then failures[#failures + 1] = f end
  end
  return failures
end

describe('test-tls-set-ciphers', function()
  it('shared ciphers, none in common, and TLS 1.3 chosen over TLS 1.2 whatever the order', function()
    assert.same({}, run({
      { U, 'AES256-SHA', 'AES256-SHA' },
      { 'AES256-SHA', U, 'AES256-SHA' },
      { U, 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384' },
      { 'TLS_AES_256_GCM_SHA384', U, 'TLS_AES_256_GCM_SHA384' },
      { 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', U, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_NO_SHARED_CIPHER' },
      { 'AES128-SHA', 'AES256-SHA', U, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_NO_SHARED_CIPHER' },
      { 'AES128-SHA:TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256:AES256-SHA', U,
        'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_NO_SHARED_CIPHER' },
      { 'AES256-SHA:TLS_AES_256_GCM_SHA384', U, 'TLS_AES_256_GCM_SHA384' },
      { U, 'AES256-SHA:TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384' },
      { 'TLS_AES_128_CCM_8_SHA256', U, U, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_NO_SHARED_CIPHER' },
      { 'TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_8_SHA256', 'TLS_AES_128_CCM_8_SHA256' },
    }))
  end)

  it('a ! exclusion of a TLS 1.3 suite, and \'\' for the default list', function()
    assert.same({}, run({
      { 'TLS_AES_256_GCM_SHA384:!TLS_CHACHA20_POLY1305_SHA256', U, 'TLS_AES_256_GCM_SHA384' },
      { 'TLS_AES_256_GCM_SHA384', '', 'TLS_AES_256_GCM_SHA384' },
      { '', 'TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384' },
    }))
  end)

  it('a cipher list that is not a string is ERR_INVALID_ARG_TYPE', function()
    assert.same({}, run({
      { 9, 'AES256-SHA', U, 'ERR_INVALID_ARG_TYPE', U },
      { 'AES256-SHA', 9, U, U, 'ERR_INVALID_ARG_TYPE' },
    }))
  end)

  it('a list naming no cipher at all (":") is ERR_INVALID_ARG_VALUE', function()
    assert.same({}, run({
      { ':', 'AES256-SHA', U, 'ERR_INVALID_ARG_VALUE', U },
      { 'AES256-SHA', ':', U, U, 'ERR_INVALID_ARG_VALUE' },
    }))
  end)

  it('TLS 1.2 ciphers alone keep the TLS 1.3 suites when maxVersion allows TLS 1.3', function()
    assert.same({}, run({
      { 'AES256-SHA', U, 'TLS_AES_256_GCM_SHA384', U, U, { maxVersion = 'TLSv1.3' } },
      { U, 'AES256-SHA', 'TLS_AES_256_GCM_SHA384', U, U, { maxVersion = 'TLSv1.3' } },
    }))
  end)
end)
