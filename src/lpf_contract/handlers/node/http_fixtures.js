'use strict';
// HTTP interception for lambdas (issue 17; the rules are the issue design's "Rules for answers",
// decided there): every request a lambda makes with Node's http/https, global fetch (V2) or the V1
// Toolbelt.HTTPClient() (built on http/https, toolbelt/common.js) is answered here, in this order:
//   1. a host that is not allow-listed: refused as by the platform's proxy            -> 'allow-list'
//   2. an --http-faults run (invocation.faultMode()): what a fixture or the network
//      would have answered fails instead (503 / ECONNREFUSED / ETIMEDOUT)              -> 'injected'
//   3. the first fixtures `http` entry that matches (file order)                      -> 'fixture'
//   4. fixtures given (even empty), no entry matches: fails like a refused connection,
//      with the fixture entry to add                                                   -> 'no-fixture'
//   5. no fixtures, or --record: the real host is called (record: once per distinct
//      method+URL+body per worker, later identical requests replay the first answer)   -> 'network'
// Each request is reported with invocation.record(); --record also sends the exchange with
// invocation.recordExchange().
//
// Library: nock (issue 17 asks for a well-kept one), 13.5.6 on V1 (Node 14: nock >= 14 needs Node 18)
// and 15.x on V2 (Node 22: intercepts fetch too, through @mswjs/interceptors). What each really does on
// its Node is measured in docs/measured.md ("nock"). We use nock only as the interception layer: one
// persistent catch-all interceptor per HTTP method on every host, whose reply function is `answer`
// below. The matching rules (URL with its query in any order, JSON body CONTAINS, headers) are ours,
// since they are the fixtures file's documented rules, not nock's.
//
// Decided here, because nock cannot do it cleanly:
// - 'network' answers (no fixtures, --record) are made by our reply function itself, with Node's own
//   http/https.request over a socket connected by the unpatched net.Socket#connect (the runner hands
//   it over): nock.recorder cannot run while interceptors are active, nock 15's passthrough does not
//   show us the answer, and nock 15 (socket-level interception) catches even an http.request saved
//   before it loaded (measured). So the lambda always gets a buffered answer (status, headers, body)
//   and we always know the status to report; the cost is that a network answer is not streamed.
// - nock is active from a worker's first HTTP request (runner.js loads it then) to its end (switching
//   it per invocation would race with a previous invocation's leftovers); what differs per
//   invocation (faults, where calls are reported) is read from invocation.js.
// - Every HTTP method, however spelled, is answered by `answer` (a catch-all after METHODS, below).

const http = require('http');
const https = require('https');
const net = require('net');
const tls = require('tls');
const { URL } = require('url');
const invocation = require('./invocation.js');
const { domainAllowed } = require('./toolbelt/common.js');
// A request to the network without its own end: decided here, the platform's time limit.
const TIME_LIMIT_MS = require('./platform.js').limits.time_limit_ms.value;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT'];
// Decided here: the small text body of an injected 5xx (the design's '5xx' mode).
const FAULT_5XX_STATUS = 503;
const FAULT_5XX_BODY = 'Service Unavailable (lpf-contract --http-faults)';

let state = null; // {fixtures, record, allowDomains, node: {connect, requests}, recorded: Map}
// Which client made a request, told by the client just before it sends it: [{method, key, via}], one
// list per invocation (and one for the load context), so an entry whose request never went out (a
// fetch with an aborted signal) cannot name the client of a later invocation's request.
const viaByInvocation = new WeakMap();
const loadVia = [];
function viaList() {
  const inv = invocation.current();
  if (!inv) return loadVia;
  let list = viaByInvocation.get(inv);
  if (!list) { list = []; viaByInvocation.set(inv, list); }
  return list;
}

/** Normalize a URL for comparison: lower-case host, default port dropped, query parameters sorted. */
function urlKey(text) {
  let u;
  try { u = new URL(text); } catch (e) { return null; }
  const params = [];
  u.searchParams.forEach((v, k) => params.push([k, v]));
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}?${params.map((p) => `${p[0]}=${p[1]}`).join('&')}`;
}

// The CONTAINS rule of the fixtures file, shared with the toolbelt fixtures (match.js).
const { contains } = require('./match.js');

function parseJson(text) {
  try { return { ok: true, value: JSON.parse(text) }; } catch (e) { return { ok: false }; }
}

function matches(entry, req) {
  const r = entry.request || {};
  if (r.method && String(r.method).toUpperCase() !== req.method) return false;
  if (r.url !== undefined && r.url !== null) {
    const want = urlKey(r.url);
    if (want === null || want !== urlKey(req.url)) return false;
  } else if (r.url_pattern !== undefined && r.url_pattern !== null) {
    if (!new RegExp(r.url_pattern).test(req.url)) return false;
  }
  if (r.headers) {
    for (const name of Object.keys(r.headers)) {
      const got = req.headers[name.toLowerCase()];
      if (got === undefined || String(got) !== String(r.headers[name])) return false;
    }
  }
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body === 'string') return req.body === r.body;
    const parsed = parseJson(req.body);
    if (!parsed.ok || !contains(parsed.value, r.body)) return false;
  }
  return true;
}

// Errors shaped like the ones a real request gives (Node's net errors: code, errno, syscall,
// address/port; fetch wraps them in TypeError 'fetch failed' with the error as its cause, done by
// nock 15's fetch interception, measured).
function netError(code, message, req) {
  const err = new Error(message);
  err.code = code;
  err.errno = { ECONNREFUSED: -111, ETIMEDOUT: -110, ECONNRESET: -104 }[code];
  err.syscall = code === 'ECONNRESET' ? 'read' : 'connect';
  if (req) {
    err.address = req.hostname;
    err.port = req.port;
  }
  return err;
}

function refused(req) { return netError('ECONNREFUSED', `connect ECONNREFUSED ${req.hostname}:${req.port}`, req); }
function timedOut(req) { return netError('ETIMEDOUT', `connect ETIMEDOUT ${req.hostname}:${req.port}`, req); }
function reset(req) {
  const err = netError('ECONNRESET', 'socket hang up', req);
  delete err.errno; delete err.syscall; delete err.address; delete err.port;
  return err;
}

function faultError(fault, req) {
  if (fault === 'refused') return refused(req);
  if (fault === 'timeout') return timedOut(req);
  return reset(req);
}

/** The fixture entry to add for a request no entry matches, as it would be written in the file. */
function suggestion(req) {
  return { request: { method: req.method, url: req.url }, response: { status: 200, body: null } };
}

function lowerHeaders(headers) {
  const out = {};
  Object.keys(headers || {}).forEach((k) => { out[k.toLowerCase()] = headers[k]; });
  return out;
}

// A fixture's response as nock's full reply: [status, body, headers].
function fixtureReply(response) {
  const headers = {};
  Object.keys(response.headers || {}).forEach((k) => { headers[k] = String(response.headers[k]); });
  let body = response.body;
  if (body === undefined || body === null) body = '';
  else if (typeof body !== 'string') {
    body = JSON.stringify(body);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  return [response.status, body, headers];
}

// Waits inside the lambda's invocation with the runner's tracked setTimeout (global at call time), so
// the idle watcher sees a pending timer and the wait is cleared when the invocation ends.
function sleep(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

// One real exchange, outside nock: Node's own request function over a socket connected with the
// unpatched net.Socket#connect (the allow-list was checked already).
function realExchange(req) {
  return new Promise((resolve, reject) => {
    const secure = req.url.startsWith('https:');
    const connect = state.node.connect;
    const agentOptions = { keepAlive: false };
    const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    agent.createConnection = function (options, cb) {
      const socket = new net.Socket();
      connect.call(socket, { host: options.host, port: options.port });
      if (!secure) return socket;
      return tls.connect(Object.assign({}, options, { socket: socket, servername: options.servername || options.host }), cb);
    };
    const headers = Object.assign({}, req.headers);
    delete headers.host;
    const request = (secure ? state.node.requests.https : state.node.requests.http)(req.url, { method: req.method, headers: headers, agent: agent, timeout: TIME_LIMIT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(timedOut(req)));
    request.on('error', reject);
    if (req.bodyBytes.length) request.write(req.bodyBytes);
    request.end();
  });
}

// A body for the record file: JSON when it parses as JSON, else the text, null when empty. A response
// body is kept as JSON only when a replay (which sends JSON.stringify of it) gives back the very same
// bytes: a pretty-printed or key-spaced answer stays text, so the lambda reads what it read when recorded.
function recordedBody(text, exact) {
  if (!text) return null;
  const parsed = parseJson(text);
  if (!parsed.ok || (exact && JSON.stringify(parsed.value) !== text)) return text;
  return parsed.value;
}

function takeVia(req) {
  const key = urlKey(req.url);
  const expectedVia = viaList();
  for (let i = 0; i < expectedVia.length; i++) {
    if (expectedVia[i].method === req.method && expectedVia[i].key === key) {
      return expectedVia.splice(i, 1)[0].via;
    }
  }
  return req.url.startsWith('https:') ? 'https' : 'http';
}

/**
 * The answer to one intercepted request {method, url, hostname, port, headers (lower-case), body (text),
 * bodyBytes (the bytes sent)}:
 * resolves to nock's full reply [status, body, headers] or rejects with the error the lambda sees.
 */
async function answer(req) {
  const via = takeVia(req);
  const call = { kind: 'http', via: via, method: req.method, target: req.url };
  const report = (extra) => invocation.record(Object.assign(call, extra));
  if (!domainAllowed(req.hostname, state.allowDomains)) {
    const err = netError('ECONNREFUSED', `connect ECONNREFUSED host=${req.hostname}: not on the function's domain allow-list (emulated platform proxy)`, req);
    report({ answer: 'allow-list', error: err.message });
    throw err;
  }
  const list = state.fixtures ? (state.fixtures.http || []) : [];
  let index = -1;
  for (let i = 0; i < list.length; i++) {
    if (matches(list[i], req)) { index = i; break; }
  }
  const entry = index >= 0 ? list[index] : null;
  const fixtureName = entry ? (entry.name || `http[${index}]`) : undefined;
  if (!entry && state.fixtures && !state.record) {
    const s = suggestion(req);
    const err = refused(req);
    err.message = `no fixture for ${req.method} ${req.url}; add to the fixtures file: ${JSON.stringify(s)}`;
    err.lpfContract = 'no-fixture';
    report({ answer: 'no-fixture', error: err.message, suggestion: s });
    throw err;
  }
  const mode = invocation.faultMode();
  if (mode) {
    const extra = { answer: 'injected', fault: mode };
    if (fixtureName) extra.fixture = fixtureName;
    if (mode === '5xx') {
      report(Object.assign(extra, { status: FAULT_5XX_STATUS }));
      return [FAULT_5XX_STATUS, FAULT_5XX_BODY, { 'content-type': 'text/plain' }];
    }
    const err = mode === 'timeout' ? timedOut(req) : refused(req);
    report(Object.assign(extra, { error: err.message }));
    throw err;
  }
  if (entry) {
    if (entry.fault) {
      const err = faultError(entry.fault, req);
      report({ answer: 'fixture', fixture: fixtureName, error: err.message });
      throw err;
    }
    const response = entry.response;
    report({ answer: 'fixture', fixture: fixtureName, status: response.status });
    if (response.delay_ms) await sleep(response.delay_ms);
    return fixtureReply(response);
  }
  // The network: once per distinct request per worker under --record, every time otherwise.
  let exchange;
  try {
    if (state.record) {
      const key = `${req.method} ${urlKey(req.url)} ${req.body || ''}`;
      let pending = state.recorded.get(key);
      if (!pending) {
        pending = realExchange(req);
        state.recorded.set(key, pending);
        pending.catch(() => state.recorded.delete(key)); // a failed call is not an answer to replay
        exchange = await pending;
        invocation.recordExchange({
          request: { method: req.method, url: req.url, headers: req.headers, body: recordedBody(req.body) },
          response: { status: exchange.status, headers: exchange.headers, body: recordedBody(exchange.body.toString('utf8'), true) },
        });
      } else {
        exchange = await pending;
      }
    } else {
      exchange = await realExchange(req);
    }
  } catch (err) {
    report({ answer: 'network', error: String(err && err.message) });
    throw err;
  }
  report({ answer: 'network', status: exchange.status });
  const headers = Object.assign({}, exchange.headers);
  delete headers['transfer-encoding']; // the body is whole now; nock sets its own framing
  delete headers['content-length'];
  return [exchange.status, exchange.body, headers];
}

// nock 13 (V1): the reply function is called as (path, parsedBody) with the request as this.req.
function requestFromNock13(interceptor) {
  const r = interceptor.req;
  const o = r.options || {};
  const proto = o.proto || 'http';
  const port = Number(o.port) || (proto === 'https' ? 443 : 80);
  const defaultPort = proto === 'https' ? 443 : 80;
  const host = o.hostname || String(o.host || '').split(':')[0];
  const url = `${proto}://${host}${port === defaultPort ? '' : `:${port}`}${r.path || '/'}`;
  const bytes = Buffer.concat((r.requestBodyBuffers || []).map((b) => Buffer.from(b)));
  return {
    method: String(r.method || 'GET').toUpperCase(), url: urlText(url), hostname: host, port: port,
    headers: lowerHeaders(r.headers), body: bytes.toString('utf8'), bodyBytes: bytes,
  };
}

// nock 15 (V2): the reply function gets a fetch Request.
async function requestFromNock15(request) {
  const u = new URL(request.url);
  const headers = {};
  request.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
  const bytes = Buffer.from(await request.arrayBuffer());
  return {
    method: String(request.method).toUpperCase(), url: urlText(request.url), hostname: u.hostname,
    port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), headers: headers,
    body: bytes.toString('utf8'), bodyBytes: bytes,
  };
}

// nock 13's socket trips the lambda's own request timeout (req.setTimeout, the `timeout` option) only
// for nock's static delays (socket.applyDelay). Ours are a fixture's delay_ms or a real call, so the
// same 'timeout' event is emitted when the answer takes longer than that timeout, as a slow server
// would make Node emit it. (nock 15 keeps the mocked socket connecting until the answer is ready, so
// Node arms no timeout there: fetch's AbortSignal works, http/https timeouts do not; measured.)
function withSocketTimeout(socket, pending) {
  if (!socket || !(socket.timeout > 0)) return pending;
  const timer = setTimeout(() => socket.emit('timeout'), socket.timeout);
  const done = () => clearTimeout(timer);
  pending.then(done, done);
  return pending;
}

function urlText(text) {
  try { return new URL(text).href; } catch (e) { return text; }
}

/**
 * Start intercepting (once per worker, at its first request): `nock` is the runtime's nock module,
 * `options` the load message's {allowDomains, fixtures, record}, `node` Node's own functions, kept by
 * the runner before anything replaced them: {connect (net.Socket#connect), requests: {http, https}
 * (http/https.request), modulesRequire (a require from the folder nock was found in)}.
 */
function install(nockModule, options, node) {
  state = {
    fixtures: options.fixtures || null, record: options.record === true,
    allowDomains: options.allowDomains || [], node: node, recorded: new Map(),
  };
  const modulesRequire = node.modulesRequire;
  const nock = typeof nockModule === 'function' ? nockModule : nockModule.default;
  const nock15 = typeof nockModule !== 'function';
  if (!nock15) {
    // nock 13 JSON.parses a request body sent as application/json before it calls a reply function,
    // and a body that is not JSON then throws out of nock's playback: an uncaught exception the
    // lambda never caused (measured). Our reply reads the raw bytes itself, so that parse is turned
    // off (nock 13.5.6 uses isJSONContent only there, lib/playback_interceptor.js).
    modulesRequire('nock/lib/common.js').isJSONContent = () => false;
  }
  const scope = nock(/.*/).persist();
  const reply = nock15
    ? function (request) { return requestFromNock15(request).then(answer); }
    : function () { return withSocketTimeout(this.req.socket, answer(requestFromNock13(this))); };
  METHODS.forEach((method) => { scope.intercept(() => true, method).reply(reply); });
  // Every other method reaches answer() too: nock compares an interceptor's upper-cased method with
  // the request's (nock 13: upper-cased, lib/interceptor.js match; nock 15: as sent, and fetch keeps
  // `patch` lower-case since the Fetch standard normalizes only DELETE GET HEAD OPTIONS POST PUT), so
  // PROPFIND or fetch's `patch` would find none and get nock's no-match (13: an error, 15: a fake 501)
  // instead of a fixture, a no-fixture record or the network. Decided here: a last catch-all whose
  // match accepts any request (nock 13: true; nock 15: no mismatch reasons).
  const anyMethod = scope.intercept(() => true, 'GET');
  anyMethod.matchOrigin = () => true;
  anyMethod.match = nock15 ? () => [] : () => true;
  anyMethod.reply(reply);
  if (typeof globalThis.fetch === 'function') {
    // Tell fetch's requests from https's (nock 15 sees both as a fetch Request).
    const interceptedFetch = globalThis.fetch;
    globalThis.fetch = function fetch(input, init) {
      let entry = null;
      try {
        const href = typeof input === 'string' || input instanceof URL ? String(input) : input && input.url;
        const method = (init && init.method) || (input && typeof input === 'object' && input.method) || 'GET';
        const signal = (init && init.signal) || (input && typeof input === 'object' && input.signal);
        // An already-aborted fetch sends nothing: no entry for it (it would name a later request's client).
        if (href && !(signal && signal.aborted)) entry = expectVia(method, href, 'fetch');
      } catch (e) { /* fetch itself reports a bad argument */ }
      let args = arguments;
      try {
        // fetch sends a method other than DELETE GET HEAD OPTIONS POST PUT as written (Fetch standard,
        // "normalize a method"), and nock 15's socket-level parser lets a lower-case `patch` through
        // to the real network unseen (measured: ENOTFOUND instead of our answer). Decided here: such a
        // method goes out upper-cased, as fixtures compare it; a real server may treat `patch` as
        // another method than PATCH, which a --record / network run therefore does not show.
        const raw = (init && init.method) || (input && typeof input === 'object' && !(input instanceof URL) && input.method);
        if (typeof raw === 'string' && raw !== raw.toUpperCase()) {
          args = init && init.method
            ? [input, Object.assign({}, init, { method: raw.toUpperCase() })]
            : [new Request(input, Object.assign({}, init || {}, { method: raw.toUpperCase() }))];
        }
      } catch (e) { /* fetch itself reports a bad argument */ }
      const pending = interceptedFetch.apply(this, args);
      if (entry && pending && typeof pending.then === 'function') {
        // A fetch that failed before its request went out (aborted, bad init) leaves no stale entry.
        pending.then(null, () => { const i = entry.list.indexOf(entry); if (i >= 0) entry.list.splice(i, 1); });
      }
      return pending;
    };
  }
}

/** A client (Toolbelt.HTTPClient, fetch) says the next request for method+URL is its own. */
function expectVia(method, href, via) {
  const key = urlKey(href);
  if (key === null) return null;
  const expectedVia = viaList();
  const entry = { method: String(method).toUpperCase(), key: key, via: via, list: expectedVia };
  expectedVia.push(entry);
  if (expectedVia.length > 100) expectedVia.shift(); // one whose request never went out
  return entry;
}

module.exports = { install, expectVia, contains, matches, urlKey, FAULT_5XX_STATUS };
