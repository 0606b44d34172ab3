-- from test/parallel/test-tls-root-certificates.js
local tls = require('tls')

describe('test-tls-root-certificates', function()
  it('tls.rootCertificates: a non-empty list of PEM certificates, the same list each time', function()
    local roots = tls.rootCertificates
    assert.is_table(roots)
    assert.is_true(#roots > 0)
    for _, pem in ipairs(roots) do
      assert.matches('^%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n', pem)
      assert.matches('\n%-%-%-%-%-END CERTIFICATE%-%-%-%-%-\n?$', pem)
    end
    assert.equal(roots, tls.rootCertificates)
  end)

  it('the list cannot be changed', function()
    local roots = tls.rootCertificates
    assert.is_false(pcall(function() roots[1] = 'x' end))
    assert.is_false(pcall(function() tls.rootCertificates = {} end))
  end)
end)
