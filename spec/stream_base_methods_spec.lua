-- The methods a stream subclass must supply: as in Node, the base classes'
-- _read, _write and _transform raise ERR_METHOD_NOT_IMPLEMENTED, a Readable's
-- through 'error' (read() catches it and destroys the stream), a Writable's and a
-- Transform's from write() itself.
local stream = require('stream')

describe('stream base methods', function()
  it("Readable without _read: read() returns, then 'error' ERR_METHOD_NOT_IMPLEMENTED", function()
    local got
    H.run(2000, function(done)
      local r = stream.Readable()
      r:on('error', function(e)
        got = e
        done()
      end)
      assert.is_nil(r:read())
    end)
    assert.equal('ERR_METHOD_NOT_IMPLEMENTED', got.code)
    assert.equal('The _read() method is not implemented', got.message)
  end)

  it('Writable without _write: write() raises ERR_METHOD_NOT_IMPLEMENTED', function()
    local ok, e = pcall(function() stream.Writable():write('x') end)
    assert.is_false(ok)
    assert.equal('ERR_METHOD_NOT_IMPLEMENTED', e.code)
    assert.equal('The _write() method is not implemented', e.message)
  end)

  it('Transform without _transform: write() raises ERR_METHOD_NOT_IMPLEMENTED', function()
    local ok, e = pcall(function() stream.Transform():write('x') end)
    assert.is_false(ok)
    assert.equal('ERR_METHOD_NOT_IMPLEMENTED', e.code)
    assert.equal('The _transform() method is not implemented', e.message)
  end)
end)
