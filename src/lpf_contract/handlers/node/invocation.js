'use strict';
// Where the runner and the emulated platform (toolbelt clients, HTTP interception) meet per
// invocation (issue 17): which invocation is running (its async context), which fault --http-faults
// injects into it, and the external calls it made, reported in its result message as `calls`.
//
// A call entry (read by handlers/worker/protocol.py calls_from_reply, into core.outcome.ExternalCall):
//   {kind: 'http'|'toolbelt'|'secret', via, method, target,
//    answer: 'fixture'|'network'|'allow-list'|'no-fixture'|'injected'|'emulated',
//    status?: number, error?: string, fixture?: string, suggestion?: object, fault?: string}
// A --record entry: {request: {method, url, headers, body}, response: {status, headers, body}}.
//
// Calls made outside any invocation (the lambda's top-level code, at load or later, e.g. a config
// fetched once and awaited by every invocation) belong to the function instance: decided here (issue
// 17 review), they are kept per worker and listed, ahead of the invocation's own, in EVERY later
// result's `calls` (a top-level call no fixture answered leaves every case of that worker unchecked);
// their --record exchanges go with the first result after they happen, once.
//
// Each call is also streamed as it is recorded ({op:"call", id, call}), so an invocation the pool
// kills (time limit, memory, crash) still reports what it called; a normal result's final `calls`
// stay authoritative (some records get their `error` later).

let storeGetter = () => undefined;
let runningGetter = () => null;
let send = () => {};
const loadCalls = [];
const MAX_LOAD_CALLS = 100; // decided here
let loadRecorded = [];

function stream(inv, call) {
  try { send({ op: 'call', id: inv.id, call: call }); } catch (e) { /* a call that cannot be sent still lands in the result */ }
}

module.exports = {
  /** The runner says how to find the running invocation (its AsyncLocalStorage store). */
  setStoreGetter(fn) { storeGetter = fn; },

  /** The runner says which invocation is in progress (any context) and how to send a message. */
  setRunner(running, sender) { runningGetter = running; send = sender; },

  /** The invocation whose async context is running, or undefined (top-level code, leftovers). */
  current() { return storeGetter(); },

  /** The fault --http-faults injects into this invocation's external calls: '5xx', 'refused', 'timeout' or null. */
  faultMode() {
    const inv = storeGetter();
    return inv ? inv.faults : null;
  },

  /**
   * Report one external call: the running invocation's, or the function instance's (load context);
   * a finished invocation's leftovers are dropped (the platform freezes it after its answer).
   */
  record(call) {
    const inv = storeGetter();
    if (inv) {
      if (!inv.done) { inv.calls.push(call); stream(inv, call); }
      return;
    }
    // Bounded: a top-level timer polling an API for the worker's whole life must not grow every result
    // without end; a call nothing answered is always kept (it decides that no case is judged).
    if (loadCalls.length >= MAX_LOAD_CALLS && call.answer !== 'no-fixture') return;
    if (loadCalls.length >= 2 * MAX_LOAD_CALLS) return;
    loadCalls.push(call);
    const running = runningGetter();
    if (running && !running.done) stream(running, call);
  },

  /** --record: keep one real exchange for the fixtures file (load context: for the next result). */
  recordExchange(exchange) {
    const inv = storeGetter();
    if (inv) {
      if (!inv.done) inv.recorded.push(exchange);
      return;
    }
    loadRecorded.push(exchange);
  },

  /** An invocation starts: stream the load context's calls so far for it (its killed outcome keeps them). */
  started(inv) { loadCalls.forEach((call) => stream(inv, call)); },

  /** The `calls` of a finishing invocation: the load context's, then its own. */
  callsOf(inv) { return loadCalls.concat(inv.calls); },

  /** The `recorded` of a finishing invocation: load-context exchanges not sent yet, then its own. */
  recordedOf(inv) {
    const out = loadRecorded.concat(inv.recorded);
    loadRecorded = [];
    return out;
  },
};
