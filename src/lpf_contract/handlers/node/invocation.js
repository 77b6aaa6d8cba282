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

let storeGetter = () => undefined;

module.exports = {
  /** The runner says how to find the running invocation (its AsyncLocalStorage store). */
  setStoreGetter(fn) { storeGetter = fn; },

  /** The invocation whose async context is running, or undefined (top-level code, leftovers). */
  current() { return storeGetter(); },

  /** The fault --http-faults injects into this invocation's external calls: '5xx', 'refused', 'timeout' or null. */
  faultMode() {
    const inv = storeGetter();
    return inv ? inv.faults : null;
  },

  /** Report one external call of the running invocation; a call made outside any invocation is dropped. */
  record(call) {
    const inv = storeGetter();
    if (inv && !inv.done) inv.calls.push(call);
  },

  /** --record: keep one real exchange of the running invocation for the fixtures file. */
  recordExchange(exchange) {
    const inv = storeGetter();
    if (inv && !inv.done) inv.recorded.push(exchange);
  },
};
