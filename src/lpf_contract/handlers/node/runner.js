'use strict';
// Persistent worker that runs one LivePerson Functions lambda the way the platform does.
// Protocol: newline-delimited JSON over the socket passed as fd `--ipc-fd N` (never stdout/stderr,
// which belong to the handler). Requests: {op:"load", path, runtime, allowDomains, secretsFile}
// then {op:"invoke", id, input}. One invocation at a time per worker; Python enforces time limits
// by killing the whole process group, so nothing here has to survive a busy loop.
// Written for Node 14 (V1) as well as 20/22: no newer syntax or APIs.

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const vm = require('vm');
const Module = require('module');
const { AsyncLocalStorage } = require('async_hooks');

const RUNTIME_ERRORS = new Set(['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError']);
const PLATFORM_MODULES = new Set(['lodash', 'luxon', 'oauth-1.0a', 'jsforce']);
const TOOLBELTS = new Set(['lp-faas-toolbelt', 'core-functions-toolbelt']);
const BUILTINS = new Set(Module.builtinModules);
// Keep memory bounded when a handler logs in a loop; counts stay exact.
const MAX_KEPT_LOG_ENTRIES = 200;
const MAX_KEPT_LOG_CHARS = 100000;
const LOG_LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

const ipcFdAt = process.argv.indexOf('--ipc-fd');
const ipcFd = Number(process.argv[ipcFdAt + 1]);
// Out of the lambda's sight in process.argv; still findable in /proc/self/fd, which is why the
// suite also treats anything malformed on the socket as a crash (worker_pool.ProtocolError).
process.argv.splice(ipcFdAt, 2);
const ipc = new net.Socket({ fd: ipcFd, readable: true, writable: true });
// The platform's modules live in the per-user cache (provision.py), named by `--modules-dir DIR`,
// which leaves argv like --ipc-fd. Without it (a runner started by hand), the folder beside this file.
const modulesDirAt = process.argv.indexOf('--modules-dir');
const modulesDir = modulesDirAt >= 0 ? process.argv[modulesDirAt + 1] : __dirname;
if (modulesDirAt >= 0) process.argv.splice(modulesDirAt, 2);
const platformRequire = Module.createRequire(path.join(modulesDir, 'package.json'));
const originalConsole = {};
LOG_LEVELS.forEach((lvl) => { originalConsole[lvl] = console[lvl].bind(console); });

const als = new AsyncLocalStorage();
let lambdaFn = null;
let runtime = null;
let current = null; // the invocation in progress (one at a time per worker)
let toolbeltOptions = { allowDomains: [], secretsFile: null };

function send(msg) {
  ipc.write(JSON.stringify(msg) + '\n');
}

function describeError(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    return { name: String(err.name || 'Error'), message: String(err.message), stack: String(err.stack || '') };
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
    const inv = als.getStore() || current;
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
    const inv = als.getStore();
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
    const inv = als.getStore();
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
  if (inv.failure) {
    msg.fault = inv.failure.kind;
    msg.error = inv.failure.error;
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

function invoke(msg) {
  const inv = {
    id: msg.id, started: process.hrtime.bigint(), done: false, results: 0,
    logs: 0, logCalls: 0, logChars: 0, keptChars: 0, logsDropped: 0,
    failure: null, result: undefined, hasResult: false, timers: new Set(),
  };
  current = inv;
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
}

function stray(err) {
  const inv = als.getStore() || current;
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
    if (TOOLBELTS.has(top)) return require_toolbelt();
    if (PLATFORM_MODULES.has(top)) return platformRequire(name);
    const err = new Error(`module ${name} is not available on LivePerson Functions`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  };
}

let toolbelt = null;
function require_toolbelt() {
  if (!toolbelt) toolbelt = require('./toolbelt.js').create(toolbeltOptions);
  return toolbelt;
}

// On the platform a lambda reaches the network only through a proxy that admits allow-listed
// domains. net, http, https, tls and fetch all end in net.Socket#connect, so the allow-list is
// enforced there too, failing like a refused connection. A speed bump, not a sandbox: a child
// process or a custom `lookup` gets past it (docs/handler-isolation.md).
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect() {
  const first = arguments[0];
  // net.connect() passes its already normalized [options, cb] array; direct calls pass raw args.
  const options = (Array.isArray(first) ? first[0] : net._normalizeArgs(Array.prototype.slice.call(arguments))[0]) || {};
  const host = options.path ? null : String(options.host || 'localhost');
  if (host !== null && require('./toolbelt.js').domainAllowed(host, toolbeltOptions.allowDomains)) {
    return originalConnect.apply(this, arguments);
  }
  const where = host === null ? `path=${options.path}` : `host=${host}`;
  const err = new Error(`connect ECONNREFUSED ${where}: not on the function's domain allow-list (emulated platform proxy)`);
  err.code = 'ECONNREFUSED';
  const socket = this;
  process.nextTick(() => socket.destroy(err));
  return this;
};

function load(msg) {
  toolbeltOptions = { allowDomains: msg.allowDomains || [], secretsFile: msg.secretsFile || null };
  const file = path.resolve(msg.path);
  const source = fs.readFileSync(file, 'utf8');
  // The platform runs the file as a script whose top-level `function lambda` is visible; a
  // function wrapper (same shape as Node's module wrapper) keeps line numbers and gives us that
  // binding plus the CommonJS exports forms.
  const suffix = '\n;return typeof lambda === "function" ? lambda : undefined;';
  let fn;
  try {
    fn = vm.compileFunction(source + suffix, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  } catch (err) {
    return { op: 'load-error', reason: 'syntax', error: describeError(err) };
  }
  const mod = { exports: {} };
  let found;
  try {
    found = fn.call(mod.exports, mod.exports, sandboxRequire(), mod, file, path.dirname(file));
  } catch (err) {
    return { op: 'load-error', reason: 'top-level', error: describeError(err) };
  }
  if (typeof found !== 'function') {
    const ex = mod.exports;
    if (typeof ex === 'function') found = ex;
    else if (ex && typeof ex.lambda === 'function') found = ex.lambda;
  }
  if (typeof found !== 'function') {
    return { op: 'load-error', reason: 'no-lambda', error: { name: null, message: 'no function named lambda', stack: '' } };
  }
  lambdaFn = found;
  const isAsync = Object.prototype.toString.call(found) === '[object AsyncFunction]';
  runtime = msg.runtime || (found.length >= 2 ? 'v1' : 'v2');
  return { op: 'loaded', runtime: runtime, arity: found.length, isAsync: isAsync };
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
