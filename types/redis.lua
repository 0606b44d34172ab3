---@meta redis

---`require('redis')`: a Redis client on luatls's own net and tls sockets; hiredis encodes
---the commands and parses the replies (doc/redis.md).
---@class redislib
local redis = {}

---Options of `redis.createClient`.
---@class redis.ClientOptions
---@field host string? Default `'127.0.0.1'`.
---@field port integer? Default 6379.
---@field path string? A Unix socket instead of host and port.
---@field username string? For `AUTH username password` (Redis 6 ACLs).
---@field password string? Sent with AUTH on every connection; never shown by tostring or inspect.
---@field db integer? SELECTed on every connection (default 0).
---@field tls boolean|tls.ConnectOptions? `true`, or the options of `tls.connect` (ca, cert, key, servername, …).
---@field connectTimeout number? Milliseconds for a connection, its TLS handshake, AUTH and SELECT (default 10000).
---@field commandTimeout number? Milliseconds a command waits for its reply, then fails with ERR_REDIS_TIMEOUT (default: none).
---@field enableOfflineQueue boolean? While reconnecting, commands wait for the connection (default true); false: they fail at once with ERR_REDIS_NOT_CONNECTED.
---@field reconnect boolean|redis.ReconnectOptions? false: a lost connection ends the client.

---Backoff between connection attempts: doubling from `initial` up to `max` milliseconds.
---@class redis.ReconnectOptions
---@field initial number? Default 50.
---@field max number? Default 2000.

---Options of one command.
---@class redis.CommandOptions
---@field timeout number? Milliseconds; overrides `commandTimeout` (0: none).

---@alias redis.ClientEvent
---| "connect"      # the connection is made (before AUTH and SELECT)
---| "ready"        # AUTH and SELECT done: commands flow
---| "end"          # a ready connection was lost
---| "reconnecting" # (delay: number, attempt: integer)
---| "error"        # (err: luatls.Error): a lost connection or a refused AUTH; emitted only when listened to
---| "message"      # (channel: string, message: string): pub/sub
---| "close"        # the client is closed for good (quit, disconnect, or reconnect = false)
---| "reply"        # internal to client:call()

---A reply: a string (bulk or status), an integer, nil, or a table of replies (a nil inside one is `false`).
---@alias redis.Reply string|integer|boolean|table|nil

---@class redis.Client: events.EventEmitter
---@overload fun(options?: redis.ClientOptions): redis.Client
---@field options table? The options in effect, without the password.
---@field ready boolean? Connected, AUTH and SELECT done.
---@field closed boolean? Ended by quit, disconnect, or a failure with reconnect = false.
redis.Client = {}

---Connects now and returns the client.
---@param options? redis.ClientOptions
---@return redis.Client
function redis.createClient(options) end

---Sends one command (strings and numbers); the callback runs once, from the loop.
---@param args (string|number)[]
---@param callback? fun(err: luatls.Error?, reply: redis.Reply)
---@param options? redis.CommandOptions
---@return redis.Client
function redis.Client:command(args, callback, options) end

---In a task of `luatls.async`: sends the command, suspends until its reply, returns it or raises the error.
---A last table argument is the command's options.
---@param ... string|number|redis.CommandOptions
---@return redis.Reply
function redis.Client:call(...) end

---@param key string
---@param callback? fun(err: luatls.Error?, value: string?)
function redis.Client:get(key, callback) end
---@param key string
---@param value string|number
---@param ... any more arguments (EX, PX, NX, …) then the callback
function redis.Client:set(key, value, ...) end
---@param ... any keys, then the callback
function redis.Client:del(...) end
---@param ... any
function redis.Client:exists(...) end
---@param ... any key, seconds, callback
function redis.Client:expire(...) end
---@param ... any key, milliseconds, callback
function redis.Client:pexpire(...) end
---@param ... any
function redis.Client:ttl(...) end
---@param ... any
function redis.Client:pttl(...) end
---@param ... any
function redis.Client:incr(...) end
---@param ... any
function redis.Client:decr(...) end
---@param ... any
function redis.Client:incrby(...) end
---@param ... any
function redis.Client:mget(...) end
---@param ... any
function redis.Client:mset(...) end
---@param ... any
function redis.Client:hget(...) end
---@param ... any
function redis.Client:hset(...) end
---@param ... any
function redis.Client:hdel(...) end
---@param ... any
function redis.Client:hgetall(...) end
---@param ... any
function redis.Client:keys(...) end
---@param ... any channel, message, callback
function redis.Client:publish(...) end
---@param ... any
function redis.Client:ping(...) end
---@param ... any
function redis.Client:flushdb(...) end
---@param ... any
function redis.Client:getdel(...) end
---@param ... any
function redis.Client:setex(...) end
---@param ... any
function redis.Client:psetex(...) end

---Subscribes to a channel: its messages come as `'message'` and to `listener(message, channel)`.
---The client then only takes SUBSCRIBE, UNSUBSCRIBE and PING; subscriptions are renewed on reconnection.
---@param channel string
---@param listener? fun(message: string, channel: string)
---@param callback? fun(err: luatls.Error?)
---@return redis.Client
function redis.Client:subscribe(channel, listener, callback) end

---@param channel string
---@param callback? fun(err: luatls.Error?)
---@return redis.Client
function redis.Client:unsubscribe(channel, callback) end

---Another client with the same options (and password), overridden by `overrides`.
---@param overrides? redis.ClientOptions
---@return redis.Client
function redis.Client:duplicate(overrides) end

---QUIT after the commands in flight; `callback` on `'close'`.
---@param callback? fun()
---@return redis.Client
function redis.Client:quit(callback) end

---Closes now: commands in flight fail with ERR_REDIS_CONNECTION_CLOSED.
---@return redis.Client
function redis.Client:disconnect() end

return redis
