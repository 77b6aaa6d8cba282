'use strict';
// Persistent worker that runs one LivePerson Functions lambda the way the platform does.
// Protocol: newline-delimited JSON over the socket passed as fd `--ipc-fd N` (never stdout/stderr,
// which belong to the handler). Requests: {op:"load", path, runtime, allowDomains, secretsFile}
// then {op:"invoke", id, input}. Answers: {op:"loaded", runtime, arity, isAsync, loadFault?} or
// {op:"load-error", reason: syntax|no-lambda|io, error}; per invocation {op:"log"}* then
// {op:"result", fault?, error?, phase?, neverCalled?, ...}. One invocation at a time per worker;
// Python enforces time limits by killing the whole process group, so nothing here has to survive a
// busy loop.
// Written for Node 14 (V1) as well as 20/22: no newer syntax or APIs.

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const vm = require('vm');
const Module = require('module');
const asyncHooks = require('async_hooks');
const { AsyncLocalStorage } = asyncHooks;

const RUNTIME_ERRORS = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError']);
// Which npm modules each runtime offers lambdas, with LivePerson's sources: core/platform.json, the
// file the Python side reads too (platform.js reads it).
const PLATFORM = require('./platform.js').runtimes;
const TOOLBELTS = new Set(Object.keys(PLATFORM).map((rt) => PLATFORM[rt].toolbelt));
const BUILTINS = new Set(Module.builtinModules);
// Keep memory bounded when a handler logs in a loop; counts stay exact.
const MAX_KEPT_LOG_ENTRIES = 200;
const MAX_KEPT_LOG_CHARS = 100000;
const LOG_LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

const ipcFdAt = process.argv.indexOf('--ipc-fd');
const ipcFd = Number(process.argv[ipcFdAt + 1]);
// Out of the lambda's sight in process.argv; still findable in /proc/self/fd, which is why the
// suite also treats anything malformed on the socket as a crash (handlers/worker/protocol.py, ProtocolError).
process.argv.splice(ipcFdAt, 2);
const ipc = new net.Socket({ fd: ipcFd, readable: true, writable: true });
// The platform's modules live in the per-user cache (provision.py), named by `--modules-dir DIR`,
// which leaves argv like --ipc-fd. Without it (a runner started by hand), the folder beside this file.
const modulesDirAt = process.argv.indexOf('--modules-dir');
const modulesDir = modulesDirAt >= 0 ? process.argv[modulesDirAt + 1] : __dirname;
if (modulesDirAt >= 0) process.argv.splice(modulesDirAt, 2);
const platformRequire = Module.createRequire(path.join(modulesDir, 'package.json'));
// Whose modules that folder holds (`--modules-runtime v1|v2`, hidden the same way): a lambda may
// require exactly those. Without it (a runner started by hand), any runtime's.
const modulesRuntimeAt = process.argv.indexOf('--modules-runtime');
const modulesRuntime = modulesRuntimeAt >= 0 ? process.argv[modulesRuntimeAt + 1] : null;
if (modulesRuntimeAt >= 0) process.argv.splice(modulesRuntimeAt, 2);
const PLATFORM_MODULES = new Set();
Object.keys(PLATFORM).forEach((rt) => {
  if (!modulesRuntime || rt === modulesRuntime) Object.keys(PLATFORM[rt].modules).forEach((m) => PLATFORM_MODULES.add(m));
});
const originalConsole = {};
LOG_LEVELS.forEach((lvl) => { originalConsole[lvl] = console[lvl].bind(console); });

const als = new AsyncLocalStorage();
const invocation = require('./invocation.js');
// The async context of the lambda's top-level code, so that work it leaves running (a timer, a
// socket, a promise chain on them) is known to be pending; never an invocation.
const LOAD_CONTEXT = { load: true };
let lambdaFn = null;
let runtime = null;
let current = null; // the invocation in progress (one at a time per worker)
let toolbeltOptions = { allowDomains: [], secretsFile: null };
// The classified error the lambda's top-level code threw while loading, if it did: the platform
// deploys such a file and then fails every invocation with it.
let loadFailure = null;
// The variables the user configured (--env, config.json): the worker starts with exactly those.
const USER_ENV = new Set(Object.keys(process.env));

// The invocation whose async context is running, never the load context.
function invocationStore() {
  const store = als.getStore();
  return store && store !== LOAD_CONTEXT ? store : undefined;
}

invocation.setStoreGetter(invocationStore);
invocation.setRunner(() => current, (msg) => send(msg));

function send(msg) {
  ipc.write(JSON.stringify(msg) + '\n');
}

// The lambda's file and the length of what wrapSource puts in front of its line 1: a stack frame
// on line 1 is reported in the file's own columns (V8 counts the wrapper's characters too).
let wrapped = null;

function fileColumns(stack) {
  if (!wrapped || !stack) return stack;
  const { file, prefix } = wrapped;
  return stack.split(file + ':1:').map((part, i) => {
    if (i === 0) return part;
    const m = /^(\d+)/.exec(part);
    return m ? String(Math.max(1, Number(m[1]) - prefix)) + part.slice(m[1].length) : part;
  }).join(file + ':1:');
}

function describeError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    return { name: String(err.name || 'Error'), message: String(err.message), stack: fileColumns(String(err.stack || '')) };
  }
  let text;
  try { text = typeof err === 'string' ? err : util.inspect(err, { depth: 3 }); } catch (e) { text = String(e); }
  return { name: null, message: text, stack: '' };
}

function classify(err) {
  const d = describeError(err);
  // A failed require is the runtime refusing the code, not the lambda deciding to fail.
  const runtimeError = (d.name && RUNTIME_ERRORS.has(d.name)) || (err && err.code === 'MODULE_NOT_FOUND');
  return { kind: runtimeError ? 'runtime-exception' : 'custom-failure', error: d };
}

// Strict JSON check: anything JSON.stringify would change silently (undefined in an array turns
// into null, NaN into null, a Map into {}) or refuse (cycles, BigInt) is a fault, and so is a
// function anywhere. Only undefined object properties pass: they mean "absent". Returns the
// problem or null.
function jsonProblem(value, where, seen) {
  if (value === null) return null;
  const t = typeof value;
  if (t === 'string' || t === 'boolean') return null;
  if (t === 'number') return Number.isFinite(value) ? null : `${where} is ${value}`;
  if (t === 'undefined' || t === 'function' || t === 'symbol' || t === 'bigint') return t === 'undefined' ? `${where} is undefined` : `${where} is a ${t}`;
  if (typeof value.toJSON === 'function') {
    let converted;
    try { converted = value.toJSON(); } catch (e) { return `${where}.toJSON() threw ${describeError(e).message}`; }
    return converted === value ? null : jsonProblem(converted, where, seen);
  }
  if (seen.has(value)) return `${where} is circular`;
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Map]' || tag === '[object Set]' || tag === '[object Promise]') {
    return `${where} is a ${tag.slice(8, -1)}`;
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = jsonProblem(value[i], `${where}[${i}]`, seen);
        if (p) return p;
      }
      return null;
    }
    for (const key of Object.keys(value)) {
      // An undefined property is how JS code says "absent"; JSON drops it and so does the platform.
      if (value[key] === undefined) continue;
      const p = jsonProblem(value[key], `${where}.${key}`, seen);
      if (p) return p;
    }
    return null;
  } finally {
    seen.delete(value);
  }
}

function record(inv, level, args) {
  let text;
  try { text = util.format.apply(util, args); } catch (e) { text = `<unformattable: ${describeError(e).message}>`; }
  inv.logCalls += 1;
  inv.logChars += text.length;
  if (inv.logs < MAX_KEPT_LOG_ENTRIES && inv.keptChars < MAX_KEPT_LOG_CHARS) {
    const room = MAX_KEPT_LOG_CHARS - inv.keptChars;
    const kept = text.length > room ? text.slice(0, room) + '…[truncated]' : text;
    inv.keptChars += kept.length;
    inv.logs += 1;
    send({ op: 'log', id: inv.id, level: level, text: kept });
  } else {
    inv.logsDropped += 1;
  }
}

LOG_LEVELS.forEach((level) => {
  console[level] = function () {
    // Attribute to the invocation whose async context made the call; calls from a finished
    // invocation's leftover timers are dropped like the platform drops them after the response.
    const inv = invocationStore() || current;
    if (inv && !inv.done) record(inv, level, arguments);
    else if (!inv) originalConsole.error.apply(null, arguments);
  };
});

// The platform freezes a function once it has answered, so nothing an invocation scheduled may run
// after its result: timers and immediates created in its async context are recorded and cleared
// when it finishes, and ones created later from its context (a leftover socket callback) are
// cancelled at once. The runner's own scheduling uses the originals, kept here.
const timers = require('timers');
const real = {
  setTimeout: timers.setTimeout, setInterval: timers.setInterval, setImmediate: timers.setImmediate,
  clearTimeout: timers.clearTimeout, clearInterval: timers.clearInterval, clearImmediate: timers.clearImmediate,
};

function trackedCreate(create, clear, oneShot) {
  const wrapped = function (callback) {
    const inv = invocationStore();
    if (!inv || typeof callback !== 'function') return create.apply(this, arguments);
    const args = Array.prototype.slice.call(arguments);
    let handle;
    if (oneShot) {
      // Forget a fired one-shot so a loop of short waits does not grow the set.
      args[0] = function () {
        inv.timers.delete(handle);
        return callback.apply(this, arguments);
      };
    }
    handle = create.apply(this, args);
    if (inv.done) clear(handle);
    else inv.timers.add(handle);
    return handle;
  };
  Object.getOwnPropertySymbols(create).forEach((sym) => { wrapped[sym] = create[sym]; }); // util.promisify.custom
  Object.defineProperty(wrapped, 'name', { value: create.name });
  return wrapped;
}

function trackedClear(clear) {
  const wrapped = function (handle) {
    const inv = invocationStore();
    if (inv && handle) inv.timers.delete(handle);
    return clear.apply(this, arguments);
  };
  Object.defineProperty(wrapped, 'name', { value: clear.name });
  return wrapped;
}

const trackedTimers = {
  setTimeout: trackedCreate(real.setTimeout, real.clearTimeout, true),
  setInterval: trackedCreate(real.setInterval, real.clearInterval, false),
  setImmediate: trackedCreate(real.setImmediate, real.clearImmediate, true),
  clearTimeout: trackedClear(real.clearTimeout),
  clearInterval: trackedClear(real.clearInterval),
  clearImmediate: trackedClear(real.clearImmediate),
};
Object.keys(trackedTimers).forEach((name) => {
  global[name] = trackedTimers[name];
  timers[name] = trackedTimers[name];
});

function clearTimers(inv) {
  // clearTimeout, clearInterval and clearImmediate each accept only their own kind of handle.
  inv.timers.forEach((handle) => {
    if (handle && handle.constructor && handle.constructor.name === 'Immediate') real.clearImmediate(handle);
    else real.clearTimeout(handle);
  });
  inv.timers.clear();
}

function finish(inv) {
  if (inv.done) return;
  inv.done = true;
  if (current === inv) current = null;
  if (inv.idleTimer) real.clearTimeout(inv.idleTimer);
  inv.work = null;
  clearTimers(inv);
  const msg = {
    op: 'result',
    id: inv.id,
    durationMs: Number(process.hrtime.bigint() - inv.started) / 1e6,
    logCalls: inv.logCalls,
    logChars: inv.logChars,
    logsDropped: inv.logsDropped,
    results: inv.results,
  };
  const calls = invocation.callsOf(inv); // the load context's calls first (invocation.js)
  const recorded = invocation.recordedOf(inv);
  if (calls.length) msg.calls = calls;
  if (recorded.length) msg.recorded = recorded;
  if (inv.failure) {
    msg.fault = inv.failure.kind;
    msg.error = inv.failure.error;
    if (inv.phase) msg.phase = inv.phase;
    if (inv.neverCalled) msg.neverCalled = true;
  } else if (inv.hasResult && inv.result !== undefined) {
    const problem = jsonProblem(inv.result, 'result', new Set());
    if (problem) {
      msg.fault = 'not-serializable';
      msg.error = { name: null, message: `the result is not JSON: ${problem}`, stack: '' };
    } else {
      msg.hasResult = true;
      msg.result = inv.result;
    }
  }
  let line;
  try {
    line = JSON.stringify(msg);
  } catch (e) { // a toJSON that misbehaves on the second call, a getter that throws, ...
    delete msg.result;
    msg.hasResult = false;
    msg.fault = 'not-serializable';
    msg.error = { name: null, message: `the result is not JSON: ${describeError(e).message}`, stack: '' };
    line = JSON.stringify(msg);
  }
  ipc.write(line + '\n');
}

function settle(inv, failure, result, hasResult) {
  if (inv.done) return;
  inv.results += 1;
  if (inv.results > 1) return; // counted: a second result is a fault, the first one stands
  if (failure) inv.failure = failure;
  else {
    inv.result = result;
    inv.hasResult = hasResult;
  }
  // Let the rest of the current turn run so a second callback right after the first is counted,
  // and so are immediates the lambda queued before its first result; later ones never run.
  real.setImmediate(() => finish(inv));
}

function fail(inv, err) {
  settle(inv, classify(err), undefined, false);
}

// The platform's own environment variables, from the invocation's account. LivePerson's V1 toolbelt
// reads the account from BRAND_ID (faas-cli src/shared/lp-faas-toolbelt/shared/const.ts,
// `Environment.General.Account`; its README: "set an environment variable called BRAND_ID with your
// accountId"; ConversationBuilder-Samples faas-samples/BearerBot/faas-app-login.js builds
// `/api/account/${process.env.BRAND_ID}/...`), V2's from X_LIVEPERSON_BRAND_ID (faas-cli
// src/shared/core-functions-toolbelt/shared/envars.ts). A function instance serves one account, so
// the payload's accountId is that account. Set per invocation (decided here: the account is known
// only from the payload), never over a value the user configured. The other variables those
// sources name (LAMBDA_UUID, X_LIVEPERSON_FUNCTION_UUID, X_LIVEPERSON_PROJECT_ID, DOMAIN, DC,
// X_LIVEPERSON_CSDS_DOMAIN, proxies) have values no payload tells: not set.
function applyPlatformEnv(input) {
  const payload = input && typeof input === 'object' ? input.payload : undefined;
  const account = payload && typeof payload === 'object' ? payload.accountId : undefined;
  if (!((typeof account === 'string' && account !== '') || (typeof account === 'number' && Number.isFinite(account)))) return;
  const name = runtime === 'v1' ? 'BRAND_ID' : 'X_LIVEPERSON_BRAND_ID';
  if (!USER_ENV.has(name)) process.env[name] = String(account);
}

function invoke(msg) {
  const inv = {
    id: msg.id, started: process.hrtime.bigint(), done: false, results: 0,
    logs: 0, logCalls: 0, logChars: 0, keptChars: 0, logsDropped: 0,
    failure: null, result: undefined, hasResult: false, timers: new Set(),
    phase: null, neverCalled: false, idleTimer: null, work: newWork(),
    // External calls (invocation.js): what --http-faults injects, what was called, what --record kept.
    faults: msg.faults || null, calls: [], recorded: [],
  };
  current = inv;
  invocation.started(inv);
  if (loadFailure) {
    // The file deployed but its top-level code threw: every invocation fails with that error.
    inv.results = 1;
    inv.failure = loadFailure;
    inv.phase = 'load';
    finish(inv);
    return;
  }
  applyPlatformEnv(msg.input);
  als.run(inv, () => {
    let returned;
    try {
      if (runtime === 'v1') {
        const callback = function (err, result) {
          if (err) settle(inv, { kind: 'custom-failure', error: describeError(err) }, undefined, false);
          else settle(inv, null, result, arguments.length >= 2);
        };
        returned = lambdaFn(msg.input, callback);
      } else {
        returned = lambdaFn(msg.input);
      }
    } catch (err) {
      fail(inv, err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (value) => { if (runtime === 'v2') settle(inv, null, value, value !== undefined); },
        (err) => fail(inv, err)
      );
    } else if (runtime === 'v2') {
      settle(inv, null, returned, returned !== undefined);
    }
  });
  // Armed outside the invocation's context (the watcher is not the lambda's work), and only when
  // the lambda's synchronous part left it without an answer.
  if (!inv.done && inv.results === 0) watchIdle(inv);
}

// A lambda that has not answered while nothing is left that could ever run its code again (no
// timer, immediate, socket, server, child process, file or DNS request, thread-pool job) never
// will: the platform would wait out its time limit and fail with a timeout, so say so at once. A
// promise does not count: with nothing pending, nothing can resolve it. Doubt always means pending.
// Work is known three ways, all on Node 14 and 22 alike:
// - Node's lists of active (ref'd) handles and requests: sockets, servers, child processes, file,
//   DNS and connect requests;
// - an init-only async hook on what the invocation (or the top-level code) creates: timers and
//   immediates, also those made out of our sight (util.promisify(setTimeout), timers/promises),
//   live until marked _destroyed; any other kind of work those lists do not show (zlib, crypto
//   jobs, DNS queries, worker threads) counts as pending for the rest of the invocation, since we
//   cannot tell when it ends. A destroy hook would tell, but makes every promise several times
//   dearer.
// Not seen: a handle the lambda unref'd and then waits on.
const LISTED_WORK = new Set([
  'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'PROCESSWRAP', 'TTYWRAP', 'UDPWRAP',
  'SIGNALWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'FSREQCALLBACK', 'FSREQPROMISE', 'FILEHANDLECLOSEREQ',
  'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'SHUTDOWNWRAP', 'WRITEWRAP',
  'TCPCONNECTWRAP', 'PIPECONNECTWRAP', 'SENDWRAP',
]);
// Run before our check can (ticks, microtasks), or only ever driven by something else we see (an
// HTTP message or a TLS session by its socket, a DNS channel by its queries, an open file by its
// requests). A DNS query (QUERYWRAP, dns.resolve*) is neither: c-ares's own sockets and timer are in
// no list, so it is doubt, like the kinds below.
const INERT_WORK = new Set([
  'PROMISE', 'TickObject', 'Microtask', 'DNSCHANNEL', 'FILEHANDLE', 'HTTPCLIENTREQUEST',
  'HTTPINCOMINGMESSAGE', 'HTTPPARSER', 'TLSWRAP',
  // stream.finished()'s callback holder (Node 22's fetch and http use it): driven by its stream.
  'STREAM_END_OF_STREAM',
]);
const MAX_TRACKED_TIMERS = 1000;

function newWork() {
  return { timers: [], doubt: null };
}
const loadWork = newWork();

function pruneTimers(work) {
  work.timers = work.timers.filter((t) => !t._destroyed);
}

asyncHooks.createHook({
  init(asyncId, type, triggerAsyncId, resource) {
    if (type === 'PROMISE') return; // by far the most frequent: the cheapest test first
    if (INERT_WORK.has(type) || LISTED_WORK.has(type)) return;
    const store = als.getStore();
    if (store === undefined) return;
    const work = store === LOAD_CONTEXT ? loadWork : store.work;
    if (!work) return; // a finished invocation's leftovers: its timers are cleared anyway
    if (type === 'Timeout' || type === 'Immediate') {
      work.timers.push(resource);
      if (work.timers.length > MAX_TRACKED_TIMERS) pruneTimers(work);
    } else if (work.doubt === null) {
      work.doubt = type;
    }
  },
}).enable();

function workLeft(work) {
  if (work.doubt !== null) return true;
  pruneTimers(work);
  return work.timers.length > 0;
}

function somethingPending(inv) {
  if (workLeft(inv.work) || workLeft(loadWork)) return true;
  // The runner's own socket and the drained stdout/stderr pipes are not the lambda's.
  const handles = process._getActiveHandles();
  for (let i = 0; i < handles.length; i++) {
    const h = handles[i];
    // A socket nock answered (http_fixtures.js) keeps a ref'd handle that never connected after it is
    // destroyed (nock 15 on Node 22, measured): nothing can come from it any more.
    if (h && h[NOCK_SOCKET] && h.destroyed) continue;
    if (h !== ipc && h !== process.stdout && h !== process.stderr) return true;
  }
  return process._getActiveRequests().length > 0;
}

const IDLE_FIRST_CHECK_MS = 5;
const IDLE_MAX_CHECK_MS = 100;

function watchIdle(inv) {
  let delay = IDLE_FIRST_CHECK_MS;
  const check = () => {
    inv.idleTimer = null;
    if (inv.done || inv.results > 0) return;
    if (!somethingPending(inv)) {
      inv.results = 1;
      inv.neverCalled = true;
      const message = runtime === 'v1'
        ? 'the callback was never called and nothing was pending'
        : 'the returned promise never settled and nothing was pending';
      inv.failure = { kind: 'timeout', error: { name: null, message: message, stack: '' } };
      finish(inv);
      return;
    }
    delay = Math.min(delay * 2, IDLE_MAX_CHECK_MS);
    arm();
  };
  // Unref'd: the runner's socket keeps the worker alive, and the lambda's view of what is active
  // (process.getActiveResourcesInfo) is not cluttered by it.
  const arm = () => {
    inv.idleTimer = real.setTimeout(check, delay);
    inv.idleTimer.unref();
  };
  arm();
}

function stray(err) {
  const inv = invocationStore() || current;
  if (inv && !inv.done) fail(inv, err);
  else {
    try { originalConsole.error('lpf-contract runner: error outside an invocation:', err); } catch (e) { /* ignore */ }
  }
}
process.on('uncaughtException', stray);
process.on('unhandledRejection', stray);

function sandboxRequire() {
  return function require(name) {
    if (typeof name !== 'string') throw new TypeError('The "id" argument must be of type string');
    const bare = name.startsWith('node:') ? name.slice(5) : name;
    if (BUILTINS.has(bare) || name.startsWith('node:')) return platformRequire(name);
    const top = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
    if (TOOLBELTS.has(top)) return require_toolbelt(top);
    if (PLATFORM_MODULES.has(top)) return platformRequire(name);
    const where = modulesRuntime ? ` ${modulesRuntime.toUpperCase()}` : '';
    const err = new Error(`module ${name} is not available on LivePerson Functions${where}`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  };
}

let toolbelts = null;
function require_toolbelt(name) {
  // Each runtime has its own toolbelt (toolbelt/index.js): the other one is "not found" as on the
  // platform. The runtime is known from the source (or --runtime) before the top-level code runs; only
  // a source whose lambda the static reading could not find is checked after loading.
  const wrong = runtime ? require('./toolbelt/index.js').wrongRuntimeError(name, runtime) : null;
  if (wrong) throw wrong;
  // The toolbelt's own modules (jsforce for SFClient) come from the platform's modules, as the lambda's do.
  if (!toolbelts) toolbelts = require('./toolbelt/index.js').create(Object.assign({ platformRequire: platformRequire }, toolbeltOptions));
  return toolbelts.load(name);
}

// On the platform a lambda reaches the network only through a proxy that admits allow-listed
// domains. net, http, https, tls and fetch all end in net.Socket#connect, so the allow-list is
// enforced there too, failing like a refused connection. A speed bump, not a sandbox: a child
// process or a custom `lookup` gets past it (docs/handler-isolation.md).
const originalConnect = net.Socket.prototype.connect;
const NOCK_SOCKET = Symbol('lpf-contract nock socket');
net.Socket.prototype.connect = function connect() {
  const first = arguments[0];
  // net.connect() passes its already normalized [options, cb] array; direct calls pass raw args.
  const options = (Array.isArray(first) ? first[0] : net._normalizeArgs(Array.prototype.slice.call(arguments))[0]) || {};
  const host = options.path ? null : String(options.host || 'localhost');
  const allowed = host !== null && require('./toolbelt/index.js').domainAllowed(host, toolbeltOptions.allowDomains);
  // With fixtures the run is hermetic (issue 17): HTTP is answered by http_fixtures.js, whose own
  // network calls (--record) use originalConnect; a connection that reaches this point escaped the
  // interception (NOCK_OFF=true in the environment, a raw socket) and must not reach the network.
  const hermetic = toolbeltOptions.fixtures !== null && toolbeltOptions.fixtures !== undefined && !toolbeltOptions.record;
  // nock 15 (@mswjs/interceptors) connects the sockets it answers itself through here, with its own
  // lookup (to loopback) over a handle whose connect it replaced: no network is reached (measured,
  // docs/measured.md). Told apart by that lookup's name; a speed bump like the rest of this hook.
  const mocked = typeof options.lookup === 'function' && options.lookup.name === 'mockLookup';
  if (mocked) this[NOCK_SOCKET] = true;
  // Such a socket is nock's answer, which judges the allow-list itself (http_fixtures.js).
  if (mocked || (allowed && !hermetic)) {
    return originalConnect.apply(this, arguments);
  }
  const where = host === null ? `path=${options.path}` : `host=${host}`;
  const err = new Error(allowed
    ? `connect ECONNREFUSED ${where}: a connection outside HTTP interception while fixtures are given (lpf-contract runs hermetically); raw sockets cannot be answered from fixtures; run without --fixtures (or with --record) to let it reach the network`
    : `connect ECONNREFUSED ${where}: not on the function's domain allow-list (emulated platform proxy)`);
  err.code = 'ECONNREFUSED';
  if (allowed) {
    // Decided here (issue 17 review): lpf cannot answer a raw socket from fixtures, so the case made
    // a call the fixtures file cannot cover and is not judged ('no-fixture', no entry to suggest).
    invocation.record({
      kind: 'http', via: 'net', method: 'CONNECT', target: `tcp://${host}:${options.port}`,
      answer: 'no-fixture', error: err.message, suggestion: null,
    });
  }
  const socket = this;
  process.nextTick(() => socket.destroy(err));
  return this;
};

// HTTP fixtures, faults and --record (issue 17, http_fixtures.js): nock, installed with the platform's
// modules but not offered to lambdas (platform.json runner_modules), intercepts HTTP requests. It is
// loaded on the first request, not with the worker: requiring it costs 0.1-0.25 s per worker
// (docs/measured.md), which lambdas that make no request should not pay. The first request is seen
// by wrappers of http/https.request/get and fetch put in place here, before any lambda code runs (so
// a module that keeps a reference keeps the wrapper, which passes on to whatever is current); they
// step aside before nock loads, so nock keeps Node's own functions. nock loads after the timers and
// net.Socket#connect above are replaced, so its own waits are the invocation's tracked timers.
// A request made another way (a hand-built http.ClientRequest, raw net/tls) is not intercepted: with
// fixtures the connect guard above refuses it.
const http = require('http');
const https = require('https');
const nodeRequests = { http: http.request, https: https.request };
let interceptionOptions = null; // the load message's, once loaded
let httpIntercepted = false;
const lazyRestores = [];

function lazyWrap(owner, key) {
  const original = owner[key];
  if (typeof original !== 'function') return;
  const wrapper = function () {
    ensureHttpInterception();
    const now = owner[key] === wrapper ? original : owner[key];
    return now.apply(this, arguments);
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  owner[key] = wrapper;
  lazyRestores.push(() => { if (owner[key] === wrapper) owner[key] = original; });
}
lazyWrap(http, 'request');
lazyWrap(http, 'get');
lazyWrap(https, 'request');
lazyWrap(https, 'get');
lazyWrap(globalThis, 'fetch');

function ensureHttpInterception() {
  if (httpIntercepted || !interceptionOptions) return;
  httpIntercepted = true;
  lazyRestores.forEach((restore) => restore());
  const saved = process.env.NOCK_OFF;
  delete process.env.NOCK_OFF; // nock 15 reads it once when loaded; the connect guard covers a later one
  let nock;
  try {
    nock = platformRequire('nock');
  } catch (err) {
    return; // a runner started by hand without the modules: load() refused fixtures and --record already
  } finally {
    if (saved !== undefined) process.env.NOCK_OFF = saved;
  }
  require('./http_fixtures.js').install(nock, interceptionOptions, { connect: originalConnect, requests: nodeRequests, modulesRequire: platformRequire });
}

// The name of an extra parameter of the wrapper through which the wrapped file hands over a getter
// for its `lambda` before any of its own code runs.
const LAMBDA_HOOK = '__lpfContractLambdaHook$';

// The platform runs the file as a script whose top-level `function lambda` is visible. A function
// wrapper (same shape as Node's module wrapper) gives us that binding plus the CommonJS exports
// forms. Its first line starts with a getter for `lambda` (function declarations are hoisted, so
// it works even when the top-level code throws), then the file unchanged: line numbers stay the
// file's. A file that opens with a 'use strict' directive gets ours first, since a statement in
// front of it would turn it into a plain string.
function wrapSource(source) {
  const strict = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])use strict\1/.test(source);
  return (strict ? '"use strict";' : '') +
    LAMBDA_HOOK + '(function () { return typeof lambda === "function" ? lambda : undefined; });' + source;
}

function load(msg) {
  toolbeltOptions = {
    allowDomains: msg.allowDomains || [], secretsFile: msg.secretsFile || null,
    fixtures: msg.fixtures || null, record: msg.record === true,
  };
  if (toolbeltOptions.fixtures || toolbeltOptions.record) {
    try {
      platformRequire.resolve('nock');
    } catch (err) {
      throw new Error(`HTTP fixtures need nock in the platform's modules folder (${modulesDir}); run lpf-contract setup`);
    }
  }
  interceptionOptions = toolbeltOptions;
  runtime = msg.runtime || msg.sourceRuntime || null;
  const file = path.resolve(msg.path);
  const source = fs.readFileSync(file, 'utf8');
  const text = wrapSource(source);
  wrapped = { file, prefix: text.length - source.length };
  let fn;
  try {
    fn = vm.compileFunction(text, ['exports', 'require', 'module', '__filename', '__dirname', LAMBDA_HOOK], { filename: file });
  } catch (err) {
    return { op: 'load-error', reason: 'syntax', error: describeError(err) };
  }
  const mod = { exports: {} };
  let getLambda = null;
  let thrown = null;
  let threw = false;
  als.run(LOAD_CONTEXT, () => {
    try {
      fn.call(mod.exports, mod.exports, sandboxRequire(), mod, file, path.dirname(file), (getter) => { getLambda = getter; });
    } catch (err) {
      threw = true;
      thrown = err;
    }
  });
  let found;
  try { found = getLambda ? getLambda() : undefined; } catch (e) { found = undefined; } // a `let lambda` not reached
  if (typeof found !== 'function') {
    const ex = mod.exports;
    if (typeof ex === 'function') found = ex;
    else if (ex && typeof ex.lambda === 'function') found = ex.lambda;
  }
  if (typeof found !== 'function') {
    const answer = { op: 'load-error', reason: 'no-lambda', error: { name: null, message: 'no function named lambda', stack: '' } };
    if (threw) answer.topLevelError = describeError(thrown);
    return answer;
  }
  lambdaFn = found;
  const isAsync = Object.prototype.toString.call(found) === '[object AsyncFunction]';
  runtime = msg.runtime || (found.length >= 2 ? 'v1' : 'v2');
  const answer = { op: 'loaded', runtime: runtime, arity: found.length, isAsync: isAsync };
  if (threw) {
    loadFailure = classify(thrown);
    answer.loadFault = loadFailure.error;
  }
  return answer;
}

let buffer = '';
ipc.setEncoding('utf8');
ipc.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    if (!line) continue;
    const msg = JSON.parse(line);
    if (msg.op === 'invoke') invoke(msg);
    else if (msg.op === 'load') {
      let answer;
      try { answer = load(msg); } catch (err) { answer = { op: 'load-error', reason: 'io', error: describeError(err) }; }
      send(answer);
    }
  }
});
// The parent went away: nothing left to serve.
ipc.on('end', () => process.exit(0));
ipc.on('error', () => process.exit(0));
