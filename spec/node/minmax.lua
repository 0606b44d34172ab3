-- The protocol-version matrix of Node's test-tls-min-max-version.js, run against the
-- current tls.DEFAULT_MIN_VERSION / DEFAULT_MAX_VERSION (the --tls-min-v* / --tls-max-v*
-- tests set those first). Returns a list of failures (empty when all cases pass).
-- The cases with secureProtocol 'SSLv23_method' are split off: see SSLV23 below.
local tls = require('tls')
local N = require('node.common')

local U = nil

-- select(cprot, sprot): whether to run a case (all when nil)
return function(select)
  local MIN, MAX = tls.DEFAULT_MIN_VERSION, tls.DEFAULT_MAX_VERSION
  local failures = {}
  local function test(cmin, cmax, cprot, smin, smax, sprot, proto, cerr, serr)
    if select and not select(cprot, sprot) then return end
    local ciphers
    if proto == 'TLSv1' or proto == 'TLSv1.1' or sprot == 'TLSv1_1_method' or sprot == 'TLSv1_method' then
      if serr ~= 'ERR_SSL_UNSUPPORTED_PROTOCOL' then ciphers = 'ALL@SECLEVEL=0' end
    end
    local pair = N.pair(
      { ca = N.CA, checkServerIdentity = function() end, minVersion = cmin, maxVersion = cmax,
        secureProtocol = cprot, ciphers = ciphers },
      N.opts({ minVersion = smin, maxVersion = smax, secureProtocol = sprot, ciphers = ciphers }))
    local name = table.concat({ tostring(cmin), tostring(cmax), tostring(cprot), tostring(smin), tostring(smax),
      tostring(sprot) }, ' ')
    local function fail(what) failures[#failures + 1] = name .. ': ' .. what end
    local ce, se = pair.client.err and pair.client.err.code, pair.server.err and pair.server.err.code
    if proto then
      if ce or se then return fail(('expected %s, got errors %s / %s'):format(proto, tostring(ce), tostring(se))) end
      if pair.client.protocol ~= proto or pair.server.protocol ~= proto then
        return fail(('expected %s, got %s / %s'):format(proto, tostring(pair.client.protocol), tostring(pair.server.protocol)))
      end
      return
    end
    if cerr then
      if cerr == 'ERR_SSL_UNSUPPORTED_PROTOCOL' and ce == 'ERR_SSL_VERSION_TOO_LOW' then cerr = ce end
      if ce ~= cerr then fail(('client error %s, expected %s'):format(tostring(ce), cerr)) end
    end
    if serr and se ~= serr then fail(('server error %s, expected %s'):format(tostring(se), serr)) end
  end

  test(U, U, U, U, U, U, MAX)

  test(U, U, U, U, U, 'SSLv2_method', U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, U, U, U, 'SSLv3_method', U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, 'SSLv2_method', U, U, U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, 'SSLv3_method', U, U, U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, 'hokey-pokey', U, U, U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, U, U, U, 'hokey-pokey', U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')
  test(U, U, U, U, U, '%s_method', U, U, 'ERR_TLS_INVALID_PROTOCOL_METHOD')

  test(U, U, U, U, 'TLSv1.2', 'TLS1_2_method', U, U, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT')
  test(U, U, U, 'TLSv1.2', U, 'TLS1_2_method', U, U, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT')
  test(U, 'TLSv1.2', 'TLS1_2_method', U, U, U, U, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT')
  test('TLSv1.2', U, 'TLS1_2_method', U, U, U, U, 'ERR_TLS_PROTOCOL_VERSION_CONFLICT')

  test(U, U, 'TLSv1_2_method', U, U, 'TLS_method', 'TLSv1.2')
  test(U, U, 'TLSv1_1_method', U, U, 'TLS_method', 'TLSv1.1')
  test(U, U, 'TLSv1_method', U, U, 'TLS_method', 'TLSv1')
  test(U, U, 'TLS_method', U, U, 'TLSv1_2_method', 'TLSv1.2')
  test(U, U, 'TLS_method', U, U, 'TLSv1_1_method', 'TLSv1.1')
  test(U, U, 'TLS_method', U, U, 'TLSv1_method', 'TLSv1')

  if MIN == 'TLSv1.3' then
    test(U, U, 'TLSv1_2_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE')
    test(U, U, 'TLSv1_1_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE')
    test(U, U, 'TLSv1_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_1_method', U, 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_UNEXPECTED_MESSAGE')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_method', U, 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_UNEXPECTED_MESSAGE')
  else
    test(U, U, 'TLSv1_2_method', U, U, 'SSLv23_method', 'TLSv1.2')
  end
  if MIN == 'TLSv1.2' then
    test(U, U, 'TLSv1_1_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    test(U, U, 'TLSv1_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
  end
  if MIN == 'TLSv1.1' then
    test(U, U, 'TLSv1_1_method', U, U, 'SSLv23_method', 'TLSv1.1')
    test(U, U, 'TLSv1_method', U, U, 'SSLv23_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_1_method', 'TLSv1.1')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
  end
  if MIN == 'TLSv1' then
    test(U, U, 'TLSv1_1_method', U, U, 'SSLv23_method', 'TLSv1.1')
    test(U, U, 'TLSv1_method', U, U, 'SSLv23_method', 'TLSv1')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_1_method', 'TLSv1.1')
    test(U, U, 'SSLv23_method', U, U, 'TLSv1_method', 'TLSv1')
  end

  test(U, U, 'TLSv1_2_method', U, U, 'TLSv1_2_method', 'TLSv1.2')
  test(U, U, 'TLSv1_1_method', U, U, 'TLSv1_1_method', 'TLSv1.1')
  test(U, U, 'TLSv1_method', U, U, 'TLSv1_method', 'TLSv1')

  if MIN == 'TLSv1.2' then
    test(U, U, 'TLSv1_1_method', U, U, U, U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    test(U, U, 'TLSv1_method', U, U, U, U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    if MAX == 'TLSv1.2' then
      test(U, U, U, U, U, 'TLSv1_1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
      test(U, U, U, U, U, 'TLSv1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
    else
      test(U, U, U, U, U, 'TLSv1_1_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
      test(U, U, U, U, U, 'TLSv1_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    end
  end
  if MIN == 'TLSv1.1' then
    test(U, U, 'TLSv1_1_method', U, U, U, 'TLSv1.1')
    test(U, U, 'TLSv1_method', U, U, U, U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    test(U, U, U, U, U, 'TLSv1_1_method', 'TLSv1.1')
    if MAX == 'TLSv1.2' then
      test(U, U, U, U, U, 'TLSv1_method', U, 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_WRONG_VERSION_NUMBER')
    else
      test(U, U, U, U, U, 'TLSv1_method', U, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL')
    end
  end
  if MIN == 'TLSv1' then
    test(U, U, 'TLSv1_1_method', U, U, U, 'TLSv1.1')
    test(U, U, 'TLSv1_method', U, U, U, 'TLSv1')
    test(U, U, U, U, U, 'TLSv1_1_method', 'TLSv1.1')
    test(U, U, U, U, U, 'TLSv1_method', 'TLSv1')
  end

  test('TLSv1', 'TLSv1.2', U, U, U, 'TLSv1_method', 'TLSv1')
  test('TLSv1', 'TLSv1.2', U, U, U, 'TLSv1_1_method', 'TLSv1.1')
  test('TLSv1', 'TLSv1.2', U, U, U, 'TLSv1_2_method', 'TLSv1.2')
  test('TLSv1', 'TLSv1.2', U, U, U, 'TLS_method', 'TLSv1.2')

  test(U, U, 'TLSv1_method', 'TLSv1', 'TLSv1.2', U, 'TLSv1')
  test(U, U, 'TLSv1_1_method', 'TLSv1', 'TLSv1.2', U, 'TLSv1.1')
  test(U, U, 'TLSv1_2_method', 'TLSv1', 'TLSv1.2', U, 'TLSv1.2')

  test('TLSv1', 'TLSv1.1', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.1', U, 'TLSv1', 'TLSv1.2', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.2', U, 'TLSv1', 'TLSv1.1', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1', 'TLSv1.1', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1', U, 'TLSv1', 'TLSv1.1', U, 'TLSv1')
  test('TLSv1', 'TLSv1.2', U, 'TLSv1', 'TLSv1', U, 'TLSv1')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1', 'TLSv1', U, 'TLSv1')
  test('TLSv1.1', 'TLSv1.1', U, 'TLSv1', 'TLSv1.2', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.2', U, 'TLSv1.1', 'TLSv1.1', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.2', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1.2')

  test('TLSv1', 'TLSv1.3', U, 'TLSv1.3', 'TLSv1.3', U, 'TLSv1.3')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1.2', 'TLSv1.3', U, 'TLSv1.3')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1.2', 'TLSv1.2', U, 'TLSv1.2')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1.1', 'TLSv1.1', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1.3', U, 'TLSv1', 'TLSv1', U, 'TLSv1')

  test('TLSv1.3', 'TLSv1.3', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1.3')
  test('TLSv1.2', 'TLSv1.2', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1.2')
  test('TLSv1.1', 'TLSv1.1', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1.1')
  test('TLSv1', 'TLSv1', U, 'TLSv1', 'TLSv1.3', U, 'TLSv1')
  return failures
end
