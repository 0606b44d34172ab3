-- from test/parallel/test-tls-sni-server-client.js
local tls = require('tls')
local N = require('node.common')

local WRONG = { key = H.cert('wronghost-key.pem'), cert = H.cert('wronghost-cert.pem') }

describe('test-tls-sni-server-client', function()
  it('addContext with exact and wildcard names: each client gets the certificate its servername asks for', function()
    local server_names, results = {}, {}
    H.run(8000, function(done)
      local server
      server = N.server({}, function(s) server_names[#server_names + 1] = s.servername; s:_end() end, function(port)
        server:addContext('a.example.com', WRONG)
        server:addContext('*.test.com', WRONG)
        server:addContext('chain.example.com', { key = H.cert('chain-server-key.pem'), cert = H.cert('chain-server-fullchain.pem') })
        local names = { 'a.example.com', 'b.test.com', 'a.b.test.com', 'c.wrong.com', 'chain.example.com' }
        local i = 0
        local function nxt()
          i = i + 1
          if i > #names then return server:close(done) end
          local c
          c = tls.connect({ port = port, host = '127.0.0.1', servername = names[i], ca = N.CA,
            checkServerIdentity = function() end }, function()
            results[names[i]] = { c:getPeerCertificate().subject.CN, c.authorized }
          end)
          c:on('data', function() end)
          c:on('error', function(e) results[names[i]] = e.code end)
          c:on('close', nxt)
        end
        nxt()
      end)
    end)
    assert.same({ ['a.example.com'] = { 'wrong.example', true }, ['b.test.com'] = { 'wrong.example', true },
      ['a.b.test.com'] = { 'localhost', true }, ['c.wrong.com'] = { 'localhost', true },
      ['chain.example.com'] = { 'localhost', true } }, results)
    assert.same({ 'a.example.com', 'b.test.com', 'a.b.test.com', 'c.wrong.com', 'chain.example.com' }, server_names)
  end)
end)
