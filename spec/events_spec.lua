local EventEmitter = require('events')

describe('events.EventEmitter', function()
  it('is the module itself and its EventEmitter field', function()
    assert.equal(EventEmitter, EventEmitter.EventEmitter)
  end)

  it('calls listeners in order with the arguments, and emit says whether anyone listened', function()
    local e = EventEmitter()
    local got = {}
    e:on('x', function(a, b) got[#got + 1] = 'first ' .. a .. b end)
    e:addListener('x', function(a) got[#got + 1] = 'second ' .. a end)
    e:prependListener('x', function() got[#got + 1] = 'zeroth' end)
    assert.is_true(e:emit('x', 1, 2))
    assert.is_false(e:emit('nobody'))
    assert.same({ 'zeroth', 'first 12', 'second 1' }, got)
  end)

  it('once listeners run once, and off removes them by the original function', function()
    local e = EventEmitter()
    local n = 0
    local function f() n = n + 1 end
    e:once('x', f)
    e:emit('x'); e:emit('x')
    assert.equal(1, n)
    e:once('y', f)
    assert.same({ f }, e:listeners('y'))
    e:off('y', f)
    assert.equal(0, e:listenerCount('y'))
    e:prependOnceListener('z', f)
    e:emit('z'); e:emit('z')
    assert.equal(2, n)
  end)

  it('removeListener removes the most recently added instance only', function()
    local e = EventEmitter()
    local calls = {}
    local function f() calls[#calls + 1] = 'f' end
    local function g() calls[#calls + 1] = 'g' end
    e:on('x', f); e:on('x', g); e:on('x', f)
    e:removeListener('x', f)
    e:emit('x')
    assert.same({ 'f', 'g' }, calls)
  end)

  it('removing a listener during emit does not skip the others', function()
    local e = EventEmitter()
    local calls = {}
    local function b() calls[#calls + 1] = 'b' end
    e:on('x', function() calls[#calls + 1] = 'a'; e:off('x', b) end)
    e:on('x', b)
    e:emit('x')
    assert.same({ 'a', 'b' }, calls)
    e:emit('x')
    assert.same({ 'a', 'b', 'a' }, calls)
  end)

  it('emits newListener before adding, and removeListener after removing', function()
    local e = EventEmitter()
    local seen = {}
    e:on('newListener', function(name) seen[#seen + 1] = 'new ' .. name .. ' ' .. e:listenerCount(name) end)
    e:on('removeListener', function(name) seen[#seen + 1] = 'removed ' .. name .. ' ' .. e:listenerCount(name) end)
    local f = function() end
    e:on('x', f)
    e:off('x', f)
    assert.same({ 'new removeListener 0', 'new x 0', 'removed x 0' }, seen)
  end)

  it("raises an 'error' event that nobody listens to", function()
    local e = EventEmitter()
    local err = require('luatls.errors').new('EBOOM', 'boom')
    local ok, raised = pcall(e.emit, e, 'error', err)
    assert.is_false(ok)
    assert.equal(err, raised)
    ok, raised = pcall(e.emit, e, 'error', 'text')
    assert.is_false(ok)
    assert.equal('ERR_UNHANDLED_ERROR', raised.code)
    e:on('error', function() end)
    assert.is_true(e:emit('error', err))
  end)

  it('lists event names, removes all listeners, and checks listeners', function()
    local e = EventEmitter()
    e:on('b', print); e:on('a', print)
    assert.same({ 'a', 'b' }, e:eventNames())
    e:removeAllListeners('a')
    assert.same({ 'b' }, e:eventNames())
    e:removeAllListeners()
    assert.same({}, e:eventNames())
    local ok, err = pcall(e.on, e, 'x', 42)
    assert.is_false(ok)
    assert.equal('ERR_INVALID_ARG_TYPE', err.code)
  end)

  it('warns once past the max listeners and honours setMaxListeners', function()
    local e = EventEmitter()
    assert.equal(10, e:getMaxListeners())
    e:setMaxListeners(1)
    assert.equal(1, e:getMaxListeners())
    local ok, err = pcall(e.setMaxListeners, e, -1)
    assert.is_false(ok)
    assert.equal('ERR_OUT_OF_RANGE', err.code)
  end)

  it('is subclassable from Lua', function()
    local Door = EventEmitter:extend()
    function Door:init(name)
      EventEmitter.init(self)
      self.name = name
    end
    function Door:open() self:emit('open', self.name) end
    local d = Door('front')
    local got
    d:on('open', function(n) got = n end)
    d:open()
    assert.equal('front', got)
    assert.is_true(require('luatls.class').instanceof(d, EventEmitter))
  end)
end)
