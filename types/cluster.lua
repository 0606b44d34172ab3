---@meta cluster

---`require('cluster')`: Node's cluster API on worker processes (doc/scaling.md). The module
---is an EventEmitter: in the primary it emits `'fork'`, `'online'`, `'listening'`,
---`'message'`, `'disconnect'`, `'exit'` and `'setup'` for every worker.
---@class clusterlib: events.EventEmitter
---@field isPrimary boolean True unless this process is a worker.
---@field isMaster boolean The old name of `isPrimary`.
---@field isWorker boolean True in a process started by `cluster.fork()`.
---@field SCHED_NONE integer The kernel spreads connections (SO_REUSEPORT): the only policy luatls has.
---@field SCHED_RR integer Node's round-robin in the primary; not implemented.
---@field schedulingPolicy integer Always `SCHED_NONE`.
---@field settings cluster.Settings What `setupPrimary` settled on.
---@field workers table<integer, cluster.Worker> In the primary: the live workers by id.
---@field worker cluster.Worker? In a worker: this worker.
local cluster = {}

---Settings of `setupPrimary`.
---@class cluster.Settings
---@field exec string? The worker script (default: the primary's script, `process.argv[2]`).
---@field args string[]? Its arguments (default: the primary's).
---@field silent boolean? Keep the workers' stdout and stderr from the primary's (default false: copied to them).
---@field execPath string? The luatls executable (default: the one running, else `$LUATLS_BIN`, else `luatls` on the PATH).
---@field ticketKeyRotation number? Seconds between new ticket keys; 0 never (default 3600).
---@field shareTicketKeys boolean? Give every worker's TLS servers the primary's ticket keys (default true).

---@alias cluster.ClusterEvent
---| "fork"       # (worker: cluster.Worker)
---| "online"     # (worker: cluster.Worker): its runtime has started
---| "listening"  # (worker: cluster.Worker, address: cluster.Address)
---| "message"    # (worker: cluster.Worker, message: any)
---| "disconnect" # (worker: cluster.Worker): its IPC channel has closed
---| "exit"       # (worker: cluster.Worker, code: integer?, signal: string?)
---| "setup"      # (settings: cluster.Settings)

---@alias cluster.WorkerEvent
---| "online"     # in the primary
---| "listening"  # (address: cluster.Address), in the primary
---| "message"    # (message: any)
---| "disconnect" # the IPC channel has closed
---| "exit"       # (code: integer?, signal: string?), in the primary

---What a worker's server listens on.
---@class cluster.Address
---@field address string
---@field port integer
---@field addressType integer 4 or 6.

---A worker, as the primary sees it (`cluster.workers`) or as it sees itself (`cluster.worker`).
---@class cluster.Worker: events.EventEmitter
---@overload fun(id: integer, process: table): cluster.Worker
---@field id integer 1, 2, … in the order of `fork`.
---@field process child_process.ChildProcess|table The child process (in the primary) or `process` (in the worker); `process.pid` is its pid.
---@field state string `'none'`, `'online'`, `'listening'`, `'disconnected'` or `'dead'`.
---@field exitedAfterDisconnect boolean? True when it ended through `kill` or `disconnect`.
cluster.Worker = {}

---Sends a message (nil, booleans, numbers, strings and tables of them) over the IPC channel.
---@param message any
---@param callback? fun(err: luatls.Error?)
---@return boolean
function cluster.Worker:send(message, callback) end

---The worker closes its servers, then the IPC channel; it exits once nothing else keeps it.
---@return cluster.Worker
function cluster.Worker:disconnect() end

---Closes the IPC channel and signals the process (`'SIGTERM'` by default); in a worker, exits.
---@param signal? child_process.Signal|integer
---@return boolean?
function cluster.Worker:kill(signal) end

---The same as `kill`.
---@param signal? child_process.Signal|integer
---@return boolean?
function cluster.Worker:destroy(signal) end

---@return boolean
function cluster.Worker:isConnected() end

---@return boolean
function cluster.Worker:isDead() end

---@param event cluster.WorkerEvent|string
---@param listener function
---@return self
function cluster.Worker:on(event, listener) end

---Sets the defaults of `fork`; emits `'setup'`.
---@param settings? cluster.Settings
function cluster.setupPrimary(settings) end

---The old name of `setupPrimary`.
---@param settings? cluster.Settings
function cluster.setupMaster(settings) end

---Starts a worker: `execPath exec args…` with this process's environment plus `env`.
---@param env? table<string, string|number>
---@return cluster.Worker
function cluster.fork(env) end

---Disconnects every worker; `callback` once all have.
---@param callback? fun()
function cluster.disconnect(callback) end

---New ticket keys now, sent to every worker; tickets under the previous keys still resume.
function cluster.rotateTicketKeys() end

---In the primary: ticket keys made elsewhere (a fleet's Redis, `tls.sessionStore.redisTicketKeys`), sent to every worker.
---@param current string 48 bytes.
---@param previous? string 48 bytes that still decrypt.
function cluster.setTicketKeys(current, previous) end

---@param event cluster.ClusterEvent|string
---@param listener function
---@return self
function cluster:on(event, listener) end

return cluster
