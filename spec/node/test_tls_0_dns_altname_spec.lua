-- from test/parallel/test-tls-0-dns-altname.js
local tls = require('tls')
local N = require('node.common')

-- DER of a GeneralNames value, built by hand: OpenSSL's configuration cannot write a NUL
local function der(tag, body)
  assert(#body < 128)
  return string.char(tag, #body) .. body
end
local function alt_names()
  local names = der(0x82, 'good.example.org\0.evil.example.com') .. der(0x82, 'just-another.example.com')
    .. der(0x87, '\8\8\8\8') .. der(0x87, '\8\8\4\4') .. der(0x82, 'last.example.com')
  local seq = string.char(0x30, #names) .. names
  return (seq:gsub('.', function(c) return ('%02X'):format(c:byte()) end))
end

describe('test-tls-0-dns-altname', function()
  it('a NUL inside a DNS name is shown escaped, and cannot split the name in two', function()
    local ext = os.tmpname()
    local f = io.open(ext, 'w')
    f:write('subjectAltName=DER:' .. alt_names() .. '\n')
    f:close()
    local cert = H.sh(('openssl req -new -key certs/server-key.pem -subj /CN=0-dns 2>/dev/null | openssl x509 -req '
      .. '-signkey certs/server-key.pem -days 2 -extfile %s 2>/dev/null'):format(ext))
    os.remove(ext)
    local altname
    H.run(5000, function(done)
      local server
      server = N.server({ cert = cert }, function(c)
        c:once('data', function() c:destroy(); server:close(done) end)
      end, function(port)
        local c
        c = tls.connect(port, '127.0.0.1', { rejectUnauthorized = false }, function()
          altname = c:getPeerCertificate().subjectaltname
          c:write('ok')
        end)
        c:on('error', function() end)
      end)
    end)
    assert.equal('DNS:"good.example.org\\u0000.evil.example.com", DNS:just-another.example.com, '
      .. 'IP Address:8.8.8.8, IP Address:8.8.4.4, DNS:last.example.com', altname)
  end)
end)
