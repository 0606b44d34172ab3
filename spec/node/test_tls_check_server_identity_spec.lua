-- from test/parallel/test-tls-check-server-identity.js
local tls = require('tls')

local CN = function(cn) return { subject = { CN = cn } } end

-- { host, cert, expected reason or nil }
local CASES = {
  -- false-y hosts (Lua has one nil for Node's null and undefined)
  { false, CN('a.com'), "Host: false. is not cert's CN: a.com" },
  { nil, CN('a.com'), "Host: nil. is not cert's CN: a.com" },
  -- the CN
  { 'a.com', CN('a.com') },
  { 'a.com', CN('A.COM') },
  { 'a.com', CN('b.com'), "Host: a.com. is not cert's CN: b.com" },
  { 'a.com', CN('a.com.') },
  { 'a.com', CN('.a.com'), "Host: a.com. is not cert's CN: .a.com" },
  -- IP addresses only against IP Address entries
  { '8.8.8.8', CN('8.8.8.8'), "IP: 8.8.8.8 is not in the cert's list: " },
  { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'DNS:8.8.8.8' }, "IP: 8.8.8.8 is not in the cert's list: " },
  { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'URI:http://8.8.8.8/' }, "IP: 8.8.8.8 is not in the cert's list: " },
  { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'IP Address:8.8.8.8' } },
  { '8.8.8.8', { subject = { CN = '8.8.8.8' }, subjectaltname = 'IP Address:8.8.8.0/24' }, "IP: 8.8.8.8 is not in the cert's list: " },
  -- wildcards in the CN
  { 'b.a.com', CN('*.a.com') },
  { 'ba.com', CN('*.a.com'), "Host: ba.com. is not cert's CN: *.a.com" },
  { '\n.b.com', CN('*n.b.com'), "Host: \n.b.com. is not cert's CN: *n.b.com" },
  { 'b.a.com', { subjectaltname = 'DNS:omg.com', subject = { CN = '*.a.com' } }, "Host: b.a.com. is not in the cert's altnames: DNS:omg.com" },
  { 'b.a.com', CN('b*b.a.com'), "Host: b.a.com. is not cert's CN: b*b.a.com" },
  -- empty certificate, empty subject
  { 'a.com', {}, 'Cert does not contain a DNS name' },
  { 'a.com', { subjectaltname = 'DNS:a.com' } },
  { 'a.b.a.com', { subjectaltname = 'URI:http://a.b.a.com/' }, 'Cert does not contain a DNS name' },
  -- several CNs
  { 'foo.com', { subject = { CN = { 'foo.com', 'bar.com' } } } },
  -- DNS names beat the CN
  { 'a.com', { subjectaltname = 'DNS:*', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*" },
  { 'a.com', { subjectaltname = 'DNS:*.com', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.com" },
  { 'a.co.uk', { subjectaltname = 'DNS:*.co.uk', subject = { CN = 'b.com' } } },
  { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = { CN = 'a.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
  { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = { CN = 'b.com' } }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
  { 'a.com', { subjectaltname = 'DNS:a.com', subject = { CN = 'b.com' } } },
  { 'a.com', { subjectaltname = 'DNS:A.COM', subject = { CN = 'b.com' } } },
  -- DNS names
  { 'a.com', { subjectaltname = 'DNS:*.a.com', subject = {} }, "Host: a.com. is not in the cert's altnames: DNS:*.a.com" },
  { 'b.a.com', { subjectaltname = 'DNS:*.a.com', subject = {} } },
  { 'c.b.a.com', { subjectaltname = 'DNS:*.a.com', subject = {} }, "Host: c.b.a.com. is not in the cert's altnames: DNS:*.a.com" },
  { 'b.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} } },
  { 'a-cb.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} } },
  { 'a.b.a.com', { subjectaltname = 'DNS:*b.a.com', subject = {} }, "Host: a.b.a.com. is not in the cert's altnames: DNS:*b.a.com" },
  { 'a.b.a.com', { subjectaltname = 'DNS:*b.a.com, DNS:a.b.a.com', subject = {} } },
  -- URI names
  { 'a.b.a.com', { subjectaltname = 'URI:http://a.b.a.com/', subject = {} }, 'Cert does not contain a DNS name' },
  { 'a.b.a.com', { subjectaltname = 'URI:http://*.b.a.com/', subject = {} }, 'Cert does not contain a DNS name' },
  -- IP addresses
  { 'a.b.a.com', { subjectaltname = 'IP Address:127.0.0.1', subject = {} }, 'Cert does not contain a DNS name' },
  { '127.0.0.1', { subjectaltname = 'IP Address:127.0.0.1', subject = {} } },
  { '127.0.0.2', { subjectaltname = 'IP Address:127.0.0.1', subject = {} }, "IP: 127.0.0.2 is not in the cert's list: 127.0.0.1" },
  { '127.0.0.1', { subjectaltname = 'DNS:a.com', subject = {} }, "IP: 127.0.0.1 is not in the cert's list: " },
  { 'localhost', { subjectaltname = 'DNS:a.com', subject = { CN = 'localhost' } }, "Host: localhost. is not in the cert's altnames: DNS:a.com" },
  -- IDNA
  { 'xn--bcher-kva.example.com', CN('*.example.com') },
  { 'xn--bcher-kva.example.com', CN('xn--*.example.com'), "Host: xn--bcher-kva.example.com. is not cert's CN: xn--*.example.com" },
}

describe('test-tls-check-server-identity', function()
  it('Node\'s table of hosts and certificates: each one valid, or refused with Node\'s reason', function()
    for i = 1, #CASES do
      local c = CASES[i]
      local err = tls.checkServerIdentity(c[1], c[2])
      assert.equal(c[3], err and err.reason, ('case %d (%s)'):format(i, tostring(c[1])))
    end
  end)
end)
