'use strict';
// LivePerson's toolbelt clients that call LivePerson services (issue 17), answered from the `toolbelt`
// entries of the fixtures file instead of the services; what LivePerson's code computes locally is
// computed here. Written for Node 14 (V1) as well as 22 (V2).
//
// Sources, read for every client below (LivePerson's TypeScript; we copy none of it):
// - V1: LivePersonInc/faas-cli branch legacy/v1.31.3, src/shared/lp-faas-toolbelt/ (index.ts,
//   conversation-util/conversationUtil.ts, SDE-util/SDEUtil.ts, lp-client/LpClient.ts,
//   GDPR/GDPRUtil.ts + GDPR/SwiftFileReplacer.ts, http-client/httpClient.ts = request-promise), and the
//   developer-center toolbelt pages (liveperson-functions-development-toolbelt.html: MTLS Client,
//   Orchestrator Client; its older revision: SMTP Client "based on nodemailer and shares its interface").
// - V2: LivePersonInc/faas-cli master, src/shared/core-functions-toolbelt/ (conversation-util/
//   conversationUtil.ts, SDE-util/SDEUtil.ts, lp-client/lpClient.ts, GDPR-util/GDPR-util.ts,
//   csds-client/csdsClient.ts, orchestrator-client/OrchestratorClient.ts, mtls-client/mtlsClient.ts and
//   lpMtlsClient.ts, errors/*.ts, shared/typesPredicates.ts).
//
// How a call is answered (decided here, design of issue 17):
// - The first `toolbelt` fixture whose `call` is "<Client>.<method>" ("LpClient" for the LpClient
//   function) and whose `args` match answers it: `returns` (the resolved value), `throws` (the error the
//   client raises, of its real class) or `response` ({status, headers, body}: what the LivePerson
//   service answered; LpClient and LPMtlsClient, whose result is built from the HTTP answer).
//   `args` matching: each given position CONTAINS the call's argument there (objects: subset,
//   recursively; arrays and scalars: equal after a JSON round trip); positions not given match anything.
// - No fixture: the call fails with code LPF_CONTRACT_NO_FIXTURE and the entry to add.
// - --http-faults: a call a fixture would answer fails the way the client fails in LivePerson's code
//   when the service answers 503 ('5xx') or the connection fails ('refused', 'timeout'). The CSDS
//   lookup and the OAuth token LivePerson's clients fetch first are taken as cached (a warm worker):
//   the fault hits the service call itself. Retries (OrchestratorClient) happen at once, without sleeps.
// - Argument checks LivePerson's code makes before any request, and the methods that need no service
//   (scanConversationForKeywords, getSDEsFromConv, a GDPR replace with no file to replace) are computed
//   here: answer 'emulated'.
// - Not emulated: the OAuth credentials LpClient & co read from the secret store (the default app key
//   secret) and the CSDS domain lookup before each request; a fixture stands for the whole call.

const http = require('http');
const https = require('https');
const { URL } = require('url');
const invocation = require('../invocation.js');
const common = require('./common.js');

const NO_FIXTURE = 'LPF_CONTRACT_NO_FIXTURE';
// Decided here: the small text body of an injected 503 (the design: "HTTP 503 with a small text body").
const FAULT_BODY = 'Service Unavailable (injected by lpf-contract --http-faults)';

// ---------------------------------------------------------------- matching and reporting

function jsonSafe(value) {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? String(v) : v));
    return text === undefined ? null : JSON.parse(text);
  } catch (e) {
    return '[unserializable]';
  }
}

// The CONTAINS rule of the fixtures file, shared with the HTTP fixtures (match.js; actual first).
const { contains: containsRule } = require('../match.js');

function contains(expected, actual) {
  return containsRule(actual, expected);
}

function argsMatch(expected, actual) {
  if (expected === undefined || expected === null) return true;
  if (!Array.isArray(expected)) return false;
  return expected.every((e, i) => i < actual.length && contains(e, actual[i]));
}

function errorText(err) {
  if (!err) return String(err);
  return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : `Error: ${err.message}`;
}

function summarize(args) {
  return args.map((a) => {
    const text = JSON.stringify(a);
    if (text === undefined) return 'undefined';
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  }).join(', ');
}

// The fixtures document the worker was loaded with (the normalized file, or null when none was given).
function toolbeltEntries(fixtures) {
  return fixtures && Array.isArray(fixtures.toolbelt) ? fixtures.toolbelt : [];
}

function findFixture(fixtures, call, args) {
  const entries = toolbeltEntries(fixtures);
  for (let i = 0; i < entries.length; i += 1) {
    const e = entries[i];
    if (e && e.call === call && argsMatch(e.args, args)) return { entry: e, name: e.name || `toolbelt[${i}]` };
  }
  return null;
}

function copy(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// The error a call without fixture fails with: its code lets lambdas and reports tell it from the
// platform's own errors; the message carries the entry to add (JSON, which YAML reads as well).
function noFixtureError(label, args, suggestion) {
  const err = new Error(`no fixture for ${label}(${summarize(args)}); add to the fixtures file: ${JSON.stringify(suggestion)}`);
  err.code = NO_FIXTURE;
  return err;
}

// The network errors an injected fault stands for: Node's own codes (ECONNREFUSED, ETIMEDOUT).
function networkCause(fault) {
  const code = fault === 'timeout' ? 'ETIMEDOUT' : 'ECONNREFUSED';
  const err = new Error(`connect ${code} (injected by lpf-contract --http-faults)`);
  err.code = code;
  err.errno = code;
  err.syscall = 'connect';
  return err;
}

// undici's fetch (V2's httpClient = fetch): a network failure is TypeError('fetch failed') with the
// socket error as `cause` (shared/typesPredicates.ts isFetchTypeError tests exactly this).
function fetchFailed(fault) {
  const err = new TypeError('fetch failed');
  err.cause = networkCause(fault);
  return err;
}

// request-promise (V1's HTTPClient; LpClient, SwiftFileReplacer and the V1 MTLS client use it): a
// network failure is a RequestError whose message is String(cause), with `cause` and `error`.
class RequestError extends Error {
  constructor(cause) {
    super(String(cause));
    this.name = 'RequestError';
    this.cause = cause;
    this.error = cause;
  }
}

/**
 * One client call answered from the fixtures (or computed / refused as above), reported to the running
 * invocation. `spec`: client, method, args, label (how the message names the call), target,
 * shownArgs (the args the message shows), suggestion (the entry to add), and the functions answering it:
 *   fixture(entry) -> value (or throws): a fixture answers; fromThrows(throws) -> Error;
 *   fault(mode) -> value (or throws): --http-faults.
 * Returns a promise (async methods).
 */
function answer(ctx, spec) {
  const call = spec.client === 'LpClient' ? 'LpClient' : `${spec.client}.${spec.method}`;
  const args = spec.args.map(jsonSafe);
  const record = {
    kind: 'toolbelt',
    via: `Toolbelt.${spec.client}()`,
    method: spec.recordMethod || spec.method,
    target: spec.target || `Toolbelt.${spec.client}().${spec.method}`,
  };
  const found = findFixture(ctx.fixtures, call, args);
  if (!found) {
    const suggestion = Object.assign({ call }, spec.suggestion || { args, returns: null });
    // `shownArgs`: what the message may show; credentials (GDPR's object store password, headers)
    // never appear in a message or a call record (decided here).
    const shown = spec.shownArgs ? spec.shownArgs.map(jsonSafe) : args;
    const err = noFixtureError(spec.label || `Toolbelt.${spec.client}().${spec.method}`, shown, suggestion);
    invocation.record(Object.assign(record, { answer: 'no-fixture', error: errorText(err), suggestion }));
    return Promise.reject(err);
  }
  const fault = invocation.faultMode();
  let outcome;
  try {
    if (fault) outcome = { value: spec.fault(fault) };
    else if (found.entry.throws !== undefined && found.entry.throws !== null) outcome = { error: spec.fromThrows(found.entry.throws || {}) };
    else outcome = { value: spec.fixture(found.entry) };
  } catch (e) {
    outcome = { error: e };
  }
  Object.assign(record, fault ? { answer: 'injected', fault } : { answer: 'fixture', fixture: found.name });
  if (spec.statusOf && !outcome.error) {
    const status = spec.statusOf(outcome.value);
    if (typeof status === 'number') record.status = status;
  }
  if (outcome.error) record.error = errorText(outcome.error);
  invocation.record(record);
  return outcome.error ? Promise.reject(outcome.error) : Promise.resolve(outcome.value);
}

// A method LivePerson computes locally: run it, report it as 'emulated'.
function emulated(client, method, fn) {
  const record = { kind: 'toolbelt', via: `Toolbelt.${client}()`, method, target: `Toolbelt.${client}().${method}`, answer: 'emulated' };
  try {
    const value = fn();
    invocation.record(record);
    return value;
  } catch (e) {
    invocation.record(Object.assign(record, { error: errorText(e) }));
    throw e;
  }
}

// An argument check LivePerson's async method makes before any request: a rejected promise, reported.
function rejectedLocally(client, method, err) {
  invocation.record({
    kind: 'toolbelt', via: `Toolbelt.${client}()`, method, target: `Toolbelt.${client}().${method}`,
    answer: 'emulated', error: errorText(err),
  });
  return Promise.reject(err);
}

// A `throws` entry as a plain Error (V1's clients throw plain Errors; decided here: `code` and any
// other given field are set on it).
function plainThrows(t) {
  const err = new Error(t.message === undefined ? '' : String(t.message));
  Object.keys(t).forEach((k) => { if (k !== 'message' && k !== 'name') err[k] = t[k]; });
  if (t.name) err.name = String(t.name);
  return err;
}

// A fixture's `response` as the text a client reads; an object/array body is JSON.
function responseParts(resp) {
  const r = resp || {};
  const status = r.status === undefined ? 200 : r.status;
  const headers = {};
  Object.keys(r.headers || {}).forEach((k) => { headers[k.toLowerCase()] = String(r.headers[k]); });
  let text = '';
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body === 'string') text = r.body;
    else {
      text = JSON.stringify(r.body);
      if (!headers['content-type']) headers['content-type'] = 'application/json';
    }
  }
  return { status, headers, text };
}

const FAULT_RESPONSE = { status: 503, headers: { 'content-type': 'text/plain' }, body: FAULT_BODY };

// ---------------------------------------------------------------- local computations (both runtimes)

// conversation-util/conversationUtil.ts getMessagesWithCertainKeyword (V1; V2 adds `|| ''` fallbacks).
function keywordMessages(transcript, keyword, v2) {
  return transcript
    .filter((m) => ['HOSTED_FILE', 'TEXT_PLAIN'].includes(m.type))
    .map((m) => {
      let message;
      if (v2) message = m.type === 'TEXT_PLAIN' ? ((m.messageData.msg && m.messageData.msg.text) || '') : ((m.messageData.file && m.messageData.file.caption) || '');
      else message = m.type === 'TEXT_PLAIN' ? m.messageData.msg.text : m.messageData.file.caption;
      return { message, sentTimestamp: m.timeL, sentBy: m.sentBy };
    })
    .filter(({ message }) => message.match(new RegExp(keyword, 'gmi')))
    .map((m) => Object.assign({}, m, { tag: `keywordRef:${keyword}` }));
}

// SDE-util/SDEUtil.ts sortSDEs: in place, by serverTimeStamp, the last one the most recent.
function sortEvents(events) {
  return events.sort((a, b) => (a.serverTimeStamp < b.serverTimeStamp ? -1 : 1));
}

// ---------------------------------------------------------------- request-promise semantics (V1)

// What request-promise resolves for an HTTP answer (V1 LpClient = HTTPClient with the caller's
// options): `json` parses the body, `simple` (default true) rejects a non-2xx with StatusCodeError,
// `resolveWithFullResponse` gives {statusCode, headers, body}.
function requestPromiseResult(parts, options) {
  let body = parts.text;
  if (options.json && typeof body === 'string' && body) {
    try { body = JSON.parse(body); } catch (e) { /* request keeps the text */ }
  }
  const response = { statusCode: parts.status, headers: parts.headers, body };
  if (options.simple !== false && !(parts.status >= 200 && parts.status < 300)) {
    // request-promise-core 1.1.4 lib/errors.js: the message is `${statusCode} - ${JSON.stringify(body)}`
    // for every body, a text one too (quoted).
    const err = new common.StatusCodeError(parts.status, body, response);
    err.message = `${parts.status} - ${JSON.stringify(body)}`;
    throw err;
  }
  return options.resolveWithFullResponse === true ? response : body;
}

function v1ServiceFault(fault, options) {
  if (fault === '5xx') return requestPromiseResult(responseParts(FAULT_RESPONSE), options || {});
  throw new RequestError(networkCause(fault));
}

// ---------------------------------------------------------------- MTLS through Node's http/https

// A request with the client certificate, through Node's own http/https so the HTTP fixtures (and the
// allow-list guard) answer it as any other request the lambda makes. V2's mtlsClient.ts uses fetch
// with an undici Agent {cert, key, ca, rejectUnauthorized: options.allowSelfSigned === false}; V1's
// (docs) request-promise with the same options.
function mtlsRequest(tls, method, url, headers, body, options) {
  return new Promise((resolve, reject) => {
    let target;
    try { target = new URL(url); } catch (e) { reject(e); return; }
    const lib = target.protocol === 'http:' ? http : https;
    const req = lib.request(target, {
      method,
      headers: headers || {},
      cert: tls && tls.cert,
      key: tls && tls.key,
      ca: tls && tls.ca,
      rejectUnauthorized: !!(options && options.allowSelfSigned === false),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    if (options && options.timeout && options.applyTimeout) {
      req.setTimeout(options.timeout, () => {
        const err = new Error('ESOCKETTIMEDOUT');
        err.code = 'ESOCKETTIMEDOUT';
        req.destroy(err);
      });
    }
    req.on('error', reject);
    if (body !== undefined && body !== null) req.write(body);
    req.end();
  });
}

function headersToRecord(h) {
  const out = {};
  Object.keys(h || {}).forEach((k) => { out[k] = Array.isArray(h[k]) ? h[k].join(', ') : String(h[k]); });
  return out;
}

const MTLS_METHODS = ['get', 'head', 'post', 'put', 'delete', 'options', 'patch'];
const MTLS_NO_BODY = { head: true, options: true }; // IMTLSClient: head/options(url, headers, options)

// ---------------------------------------------------------------- orchestrator (both runtimes)

// orchestrator-client/OrchestratorClient.ts (V2; the V1 docs describe the same options, retry rules and
// response fields). Under a fault each invocation's request fails; the retry rules, error strategy and
// response shapes are LivePerson's.
const MAX_DEADLINE_TIME = 25000;
const RETRIES = 3;
const RETRIABLE_NETWORK_ERRORS = ['ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT'];
const RETRIABLE_ERROR_CODES = [500, 502, 504, 429];

function orchestratorFault(fault, invocations, options, makeStatusError, makeNetworkError, isStatusError) {
  const strategy = (options && options.errorStrategy) || common.ERROR_STRATEGY.EXIT_ON_ERROR;
  const one = (inv) => {
    const retries = inv.retries || RETRIES;
    const retryFunction = inv.retryFunction || ((statusCode, error) => {
      if (statusCode !== undefined) return RETRIABLE_ERROR_CODES.includes(statusCode);
      return !!(error && error.cause && RETRIABLE_NETWORK_ERRORS.includes(error.cause.code));
    });
    for (let attempt = 1; ; attempt += 1) {
      const error = fault === '5xx' ? makeStatusError() : makeNetworkError();
      const willRetry = attempt === retries ? false : retryFunction(isStatusError(error) ? error.statusCode : undefined, error);
      if (willRetry) continue;
      if (strategy === common.ERROR_STRATEGY.EXIT_ON_ERROR) throw error;
      const response = { uuid: inv.uuid };
      if (isStatusError(error)) {
        response.body = error.originalError;
        response.headers = error.headers;
        response.statusCode = error.statusCode;
        response.error = { code: error.code, message: error.message };
      } else if (error.cause) {
        response.error = { code: error.cause.code, message: error.cause.message };
      }
      return response;
    }
  };
  return invocations.map(one);
}

// ---------------------------------------------------------------- V1 (lp-faas-toolbelt)

/** The V1 clients over the worker's fixtures; `ctx`: {fixtures}. */
function v1(ctx) {
  const ask = (spec) => answer(ctx, spec);

  function ConversationUtil() {
    return {
      // conversation-util/conversationUtil.ts: every failure becomes
      // Error(`Error while fetching conversation "<id>": <message>`).
      getConversationById(conversationId, contentToRetrieve) {
        if (!conversationId) return rejectedLocally('ConversationUtil', 'getConversationById', new Error('Please provide a conversation ID.'));
        const wrap = (e) => new Error(`Error while fetching conversation "${conversationId}": ${e.message}`);
        const checked = (conversation) => {
          try {
            if (!conversation.conversationHistoryRecords.length) throw new Error(`Conversation "${conversationId}" not found.`);
          } catch (e) { throw wrap(e); }
          return conversation;
        };
        const args = contentToRetrieve === undefined ? [conversationId] : [conversationId, contentToRetrieve];
        return ask({
          client: 'ConversationUtil', method: 'getConversationById', args,
          suggestion: { args: jsonSafe([conversationId]), returns: null },
          fixture: (e) => checked(copy(e.returns)),
          fromThrows: plainThrows,
          fault: (f) => { try { return v1ServiceFault(f, { json: true }); } catch (e) { throw wrap(e); } },
        });
      },
      scanConversationForKeywords(conversation, keywords) {
        return emulated('ConversationUtil', 'scanConversationForKeywords', () => {
          if (!conversation) throw new Error('Please provide conversation object.');
          if (!keywords || keywords.length === 0) throw new Error('Please provide array containing keywords.');
          const transcript = conversation.conversationHistoryRecords[0].messageRecords;
          return keywords.map((k) => keywordMessages(transcript, k, false)).reduce((acc, p) => acc.concat(p));
        });
      },
    };
  }

  function SDEUtil() {
    return {
      // SDE-util/SDEUtil.ts: resolves nothing; failures become Error(`Error while setting SDEs: ...`).
      addSDEs(sdes, visitorId, sessionId) {
        if (!sdes || sdes.length === 0) return rejectedLocally('SDEUtil', 'addSDEs', new Error('Please provide one or more SDEs'));
        return ask({
          client: 'SDEUtil', method: 'addSDEs', args: [sdes, visitorId, sessionId],
          fixture: () => undefined,
          fromThrows: plainThrows,
          fault: (f) => { try { return v1ServiceFault(f, { json: true }); } catch (e) { throw new Error(`Error while setting SDEs: ${e.message}`); } },
        }).then(() => undefined);
      },
      getSDEsFromConv(conversation) {
        return emulated('SDEUtil', 'getSDEsFromConv', () => {
          try {
            if (!conversation || !Object.prototype.hasOwnProperty.call(conversation, 'conversationHistoryRecords')) {
              throw new Error('Please provide a valid conversation.');
            }
            const first = conversation.conversationHistoryRecords[0];
            const sdes = first.sdes === undefined ? { events: [] } : first.sdes;
            const unAuthSdes = first.unAuthSdes === undefined ? { events: [] } : first.unAuthSdes;
            return { sdes: { events: sortEvents(sdes.events) }, unAuthSdes: { events: sortEvents(unAuthSdes.events) } };
          } catch (e) {
            throw new Error(`Error while getting SDEs from conversation: ${e.message}`);
          }
        });
      },
    };
  }

  function GDPRUtil() {
    return {
      // GDPR/SwiftFileReplacer.ts: the paths of the HOSTED_FILE messages (filtered by shouldReplace) are
      // computed here; with none there is no request. A failure becomes
      // Error(`Unable to replace image <path>: ...`).
      replaceConversationFiles(conversation, credentials, shouldReplace, replacementFile) {
        const filter = typeof shouldReplace === 'function' ? shouldReplace : () => true;
        let paths;
        try {
          if (!conversation) throw new Error('Please provide conversation object.');
          const records = conversation.conversationHistoryRecords === undefined ? [] : conversation.conversationHistoryRecords;
          const transcript = records.map((r) => r.messageRecords).reduce((acc, m) => acc.concat(m), []);
          paths = transcript.filter((m) => m.type === 'HOSTED_FILE').map((m) => m.messageData.file.relativePath).filter(filter);
        } catch (e) {
          return rejectedLocally('GDPRUtil', 'replaceConversationFiles', e);
        }
        if (paths.length === 0) return Promise.resolve(emulated('GDPRUtil', 'replaceConversationFiles', () => paths));
        return ask({
          client: 'GDPRUtil', method: 'replaceConversationFiles', args: [conversation, credentials, shouldReplace, replacementFile],
          // The credentials are the object store's password: never in a suggestion or message.
          shownArgs: [conversation],
          suggestion: { returns: jsonSafe(paths) },
          fixture: (e) => copy(e.returns),
          fromThrows: plainThrows,
          fault: (f) => { try { return v1ServiceFault(f, {}); } catch (e) { throw new Error(`Unable to replace image ${paths[0]}: ${e.message}`); } },
        });
      },
    };
  }

  // lp-client/LpClient.ts: (service, path, {appKeySecretName, method = 'GET', ...options}) -> the
  // HTTPClient's (request-promise) result with the caller's options (json, simple, resolveWithFullResponse).
  function LpClient() {
    return async function lpClient(service, path, options) {
      const { appKeySecretName, method = 'GET', ...rest } = options; // eslint-disable-line no-unused-vars
      const suggestedArgs = jsonSafe(options && options.method ? [service, path, { method }] : [service, path]);
      return ask({
        client: 'LpClient', method: String(method).toUpperCase(), args: [service, path, options],
        label: 'Toolbelt.LpClient()', target: `Toolbelt.LpClient()(${JSON.stringify(service)}, ${JSON.stringify(path)})`,
        shownArgs: suggestedArgs,
        suggestion: { args: suggestedArgs, response: { status: 200, body: null } },
        fixture: (e) => (e.response !== undefined && e.response !== null
          ? requestPromiseResult(responseParts(e.response), rest) : copy(e.returns)),
        statusOf: () => undefined,
        fromThrows: plainThrows,
        fault: (f) => v1ServiceFault(f, rest),
      });
    };
  }

  // Docs (MTLS Client): MTLSClient({cert, key, ca?}); get/post/... (url, headers, body, {json, timeout,
  // allowSelfSigned}) -> {statusCode, headers, body}. The docs' "soft format check" gives no message
  // or code for V1: decided here, no check. Errors: request-promise's RequestError (V1's HTTP stack).
  function MTLSClient(tls) {
    const client = {};
    MTLS_METHODS.forEach((m) => {
      client[m] = function mtlsMethod(url, headers, a3, a4) {
        const body = MTLS_NO_BODY[m] ? undefined : a3;
        const options = (MTLS_NO_BODY[m] ? a3 : a4) || {};
        let payload = body;
        let hdrs = Object.assign({}, headers || {});
        if (options.json) {
          hdrs = Object.assign(hdrs, { 'Content-Type': 'application/json' });
          if (payload !== undefined && payload !== null) payload = JSON.stringify(payload);
        }
        return mtlsRequest(tls, m.toUpperCase(), url, hdrs, payload, Object.assign({}, options, { applyTimeout: true }))
          .then((res) => {
            let parsed = res.text;
            if (options.json) { try { parsed = JSON.parse(res.text); } catch (e) { /* raw text */ } }
            return { statusCode: res.statusCode, headers: headersToRecord(res.headers), body: MTLS_NO_BODY[m] ? undefined : parsed };
          }, (err) => { throw new RequestError(err); });
      };
    });
    return client;
  }

  // Docs (Orchestrator Client): invoke(invocations, deadline, options) -> [{uuid, body, headers,
  // statusCode, error}]. V1's error classes are not documented: decided here, plain Errors with
  // V2's fields and messages.
  function OrchestratorClient() {
    return {
      invoke(invocations, deadline, options) {
        return ask({
          client: 'OrchestratorClient', method: 'invoke', args: [invocations, deadline, options],
          suggestion: { args: jsonSafe([invocations]), returns: null },
          fixture: (e) => copy(e.returns),
          fromThrows: plainThrows,
          fault: (f) => orchestratorFault(f, invocations, options,
            () => Object.assign(new Error('Invocation failed with a non 2XX error'), {
              code: 'com.liveperson.faas.orchestrator-fn.invoke.status-code-error', statusCode: 503, originalError: FAULT_BODY,
              headers: { 'content-type': 'text/plain' },
            }),
            () => new RequestError(networkCause(f)),
            (err) => typeof err.statusCode === 'number'),
        });
      },
    };
  }

  // Docs (older revision): SMTPClient(config) "based on nodemailer and shares its interface":
  // verify() -> Promise<true>, send(mail) -> nodemailer's info. Faults (decided here, nodemailer's
  // error codes): '5xx' = the server rejects the message (EMESSAGE, responseCode 554), 'refused' =
  // ESOCKET connect ECONNREFUSED, 'timeout' = ETIMEDOUT "Connection timeout".
  function SMTPClient(config) {
    const smtpFault = (f) => {
      let err;
      if (f === '5xx') err = Object.assign(new Error(`Message failed: 554 ${FAULT_BODY}`), { code: 'EMESSAGE', responseCode: 554, command: 'DATA' });
      else if (f === 'timeout') err = Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT', command: 'CONN' });
      else err = Object.assign(new Error(networkCause(f).message), { code: 'ESOCKET', errno: 'ECONNREFUSED', syscall: 'connect', command: 'CONN' });
      throw err;
    };
    return {
      verify() {
        return ask({
          client: 'SMTPClient', method: 'verify', args: [],
          suggestion: { returns: true },
          fixture: (e) => copy(e.returns), fromThrows: plainThrows, fault: smtpFault,
        });
      },
      send(mail) {
        const m = mail || {};
        return ask({
          client: 'SMTPClient', method: 'send', args: [mail],
          // The recipients and subject identify a message; its body would make a long entry.
          suggestion: { args: [jsonSafe({ to: m.to, subject: m.subject })], returns: { accepted: [].concat(m.to || []), rejected: [] } },
          fixture: (e) => copy(e.returns), fromThrows: plainThrows, fault: smtpFault,
        });
      },
    };
  }

  return { ConversationUtil, SDEUtil, GDPRUtil, LpClient, MTLSClient, OrchestratorClient, SMTPClient };
}

// ---------------------------------------------------------------- V2 (core-functions-toolbelt)

/** The V2 clients; `ctx`: {fixtures, ToolBeltError, ErrorCodes}. */
function v2(ctx) {
  const { ToolBeltError, ErrorCodes } = ctx;
  const ask = (spec) => answer(ctx, spec);
  const tbError = (component) => (code, message) => new ToolBeltError(component, code, message);
  // A `throws` entry as the client's ToolBeltError: the client's component and its General code when
  // none is given (decided here); other given fields are set on it.
  const tbThrows = (component, generalCode) => (t) => {
    const err = new ToolBeltError(t.component || component, t.code || generalCode, t.message === undefined ? '' : String(t.message));
    Object.keys(t).forEach((k) => { if (!['component', 'code', 'message'].includes(k)) err[k] = t[k]; });
    return err;
  };
  const isToolbeltError = (e) => e instanceof Error && typeof e.component === 'string' && typeof e.code === 'string';
  // errors/mtlsError.ts, errors/orchestratorError.ts: ToolBeltError subclasses with extra fields.
  class MTLSError extends ToolBeltError {
    constructor(component, code, message, originalBody) {
      super(component, code, message);
      this.originalBody = originalBody;
    }
  }
  class OrchestratorError extends ToolBeltError {
    constructor(component, code, message, statusCode, originalError, headers) {
      super(component, code, message);
      this.statusCode = statusCode;
      this.originalError = originalError;
      this.headers = headers;
    }
  }
  // What `await response.json()` throws on the injected text body: JSON.parse's own SyntaxError.
  const jsonError = (text) => { try { JSON.parse(text); } catch (e) { return e; } return null; };

  const conv = tbError('Conversation-Util');
  function ConversationUtil() {
    return {
      getConversationById(conversationId, contentToRetrieve) {
        if (!conversationId) {
          return rejectedLocally('ConversationUtil', 'getConversationById', conv(ErrorCodes.ConversationUtil.General, 'Please provide a conversation ID.'));
        }
        // shared/typesPredicates.ts isConversation: an object with a `_metadata` object and a
        // `conversationHistoryRecords` array; otherwise UnexpectedResponse.
        const checked = (c) => {
          const ok = c !== null && typeof c === 'object' && c._metadata !== null && typeof c._metadata === 'object' && Array.isArray(c.conversationHistoryRecords);
          if (!ok) throw conv(ErrorCodes.ConversationUtil.UnexpectedResponse, `Unexpected response: ${JSON.stringify(c)}. Status Code: 200`);
          if (!c.conversationHistoryRecords.length) throw conv(ErrorCodes.ConversationUtil.NotFound, `Conversation "${conversationId}" not found.`);
          return c;
        };
        const args = contentToRetrieve === undefined ? [conversationId] : [conversationId, contentToRetrieve];
        return ask({
          client: 'ConversationUtil', method: 'getConversationById', args,
          suggestion: { args: jsonSafe([conversationId]), returns: null },
          fixture: (e) => checked(copy(e.returns)),
          fromThrows: tbThrows('Conversation-Util', ErrorCodes.ConversationUtil.General),
          fault: (f) => {
            if (f === '5xx') {
              const e = jsonError(FAULT_BODY);
              throw conv(ErrorCodes.ConversationUtil.General, `Error while fetching conversation "${conversationId}":  ${e.name}: ${e.message}`);
            }
            const e = fetchFailed(f);
            throw conv(ErrorCodes.ConversationUtil.General, `${e.message}. Cause: ${e.cause.message}`);
          },
        });
      },
      scanConversationForKeywords(conversation, keywords) {
        return emulated('ConversationUtil', 'scanConversationForKeywords', () => {
          if (!conversation || conversation.conversationHistoryRecords.length === 0 || !conversation.conversationHistoryRecords[0].messageRecords) {
            throw conv(ErrorCodes.ConversationUtil.General, 'Please provide conversation object with message records.');
          }
          if (!keywords || keywords.length === 0) throw conv(ErrorCodes.ConversationUtil.General, 'Please provide array containing keywords.');
          const transcript = conversation.conversationHistoryRecords[0].messageRecords;
          return keywords.map((k) => keywordMessages(transcript, k, true)).reduce((acc, p) => acc.concat(p));
        });
      },
    };
  }

  const sde = tbError('SDE-Util');
  function SDEUtil() {
    return {
      addSDEs(sdes, visitorId, sessionId) {
        try {
          if (sdes.length === 0) throw sde(ErrorCodes.SDEsUtil.General, 'Please provide one or more SDEs');
        } catch (e) {
          return rejectedLocally('SDEUtil', 'addSDEs', e);
        }
        return ask({
          client: 'SDEUtil', method: 'addSDEs', args: [sdes, visitorId, sessionId],
          fixture: () => undefined,
          fromThrows: tbThrows('SDE-Util', ErrorCodes.SDEsUtil.General),
          fault: (f) => {
            if (f === '5xx') throw sde(ErrorCodes.SDEsUtil.UnexpectedResponse, `Unexpected response: ${FAULT_BODY}. Status Code: 503`);
            const e = fetchFailed(f);
            throw sde(ErrorCodes.SDEsUtil.General, `${e.message}. Cause: ${e.cause.message}`);
          },
        }).then(() => undefined);
      },
      getSDEsFromConv(conversation) {
        return emulated('SDEUtil', 'getSDEsFromConv', () => {
          try {
            if (conversation.conversationHistoryRecords.length === 0) throw sde(ErrorCodes.SDEsUtil.General, 'conversationHistoryRecords is empty');
            const { sdes, unAuthSdes } = conversation.conversationHistoryRecords[0];
            if (sdes === undefined && unAuthSdes == undefined) throw sde(ErrorCodes.SDEsUtil.General, 'No sdes or unAuthSdes are provided'); // eslint-disable-line eqeqeq
            // shared/typesPredicates.ts isSDEsResponse: an object whose `events` is an array.
            const events = (s) => (s !== null && typeof s === 'object' && Array.isArray(s.events) ? s.events : []);
            return { sdes: { events: sortEvents(events(sdes)) }, unAuthSdes: { events: sortEvents(events(unAuthSdes)) } };
          } catch (e) {
            if (isToolbeltError(e)) throw e;
            throw sde(ErrorCodes.SDEsUtil.General, `Error while getting SDEs from conversation: ${e.name}: ${e.message}`);
          }
        });
      },
    };
  }

  const gdpr = tbError('GDPR-Util');
  function GDPRUtil() {
    return {
      replaceConversationFiles(conversation, credentials, shouldReplace, replacementFile) {
        const filter = typeof shouldReplace === 'function' ? shouldReplace : () => true;
        let paths;
        try {
          if (!conversation.conversationHistoryRecords || conversation.conversationHistoryRecords.length === 0) paths = [];
          else {
            const transcript = conversation.conversationHistoryRecords[0].messageRecords;
            if (!transcript || transcript.length === 0) throw gdpr(ErrorCodes.GDPRUtil.General, 'No message records provided');
            paths = transcript.filter((m) => m.type === 'HOSTED_FILE')
              .map((m) => (m.messageData && m.messageData.file && m.messageData.file.relativePath) || 'unknown')
              .filter((p) => p !== 'unknown')
              .filter(filter);
          }
        } catch (e) {
          const err = isToolbeltError(e) ? e : gdpr(ErrorCodes.GDPRUtil.General, `${e.name}: ${e.message}`);
          return rejectedLocally('GDPRUtil', 'replaceConversationFiles', err);
        }
        if (paths.length === 0) return Promise.resolve(emulated('GDPRUtil', 'replaceConversationFiles', () => paths));
        return ask({
          client: 'GDPRUtil', method: 'replaceConversationFiles', args: [conversation, credentials, shouldReplace, replacementFile],
          shownArgs: [conversation],
          suggestion: { returns: jsonSafe(paths) },
          fixture: (e) => copy(e.returns),
          fromThrows: tbThrows('GDPR-Util', ErrorCodes.GDPRUtil.General),
          // The object store's authentication is the first request (GDPR-util.ts authenticate).
          fault: (f) => {
            if (f === '5xx') throw gdpr(ErrorCodes.GDPRUtil.AuthFailure, `Authentication failed with response: ${FAULT_BODY}. Status Code: 503`);
            const e = fetchFailed(f);
            throw gdpr(ErrorCodes.GDPRUtil.AuthFailure, `Authentication failed: ${e.message}. Cause: ${e.cause.message}`);
          },
        });
      },
    };
  }

  // lp-client/lpClient.ts: (service, path, {appKeySecretName, method = 'GET', ...RequestInit}) -> the
  // fetch Response, whatever its status; a network failure is fetch's TypeError, unwrapped.
  function LpClient() {
    return async function lpClient(service, path, options) {
      const { appKeySecretName, method = 'GET', ...rest } = options; // eslint-disable-line no-unused-vars
      const suggestedArgs = jsonSafe(options && options.method ? [service, path, { method }] : [service, path]);
      const toResponse = (resp) => {
        const parts = responseParts(resp);
        const noBody = [101, 204, 205, 304].includes(parts.status);
        // Bytes, not a string: a Response built from a string adds a text/plain content-type the
        // service did not send.
        return new Response(noBody ? null : Buffer.from(parts.text, 'utf8'), { status: parts.status, headers: parts.headers });
      };
      return ask({
        client: 'LpClient', method: String(method).toUpperCase(), args: [service, path, options],
        label: 'Toolbelt.LpClient()', target: `Toolbelt.LpClient()(${JSON.stringify(service)}, ${JSON.stringify(path)})`,
        shownArgs: suggestedArgs,
        suggestion: { args: suggestedArgs, response: { status: 200, body: null } },
        // Decided here: `returns` X is the response {status: 200, body: X}.
        fixture: (e) => toResponse(e.response !== undefined && e.response !== null ? e.response : { status: 200, body: e.returns }),
        statusOf: (r) => r && r.status,
        fromThrows: tbThrows('LpClient', 'com.liveperson.faas.lp-client.general'),
        fault: (f) => {
          if (f === '5xx') return toResponse(FAULT_RESPONSE);
          throw fetchFailed(f);
        },
      });
    };
  }

  // mtls-client/mtlsClient.ts: the constructor's "rough validation" of the PEM shapes.
  const mtls = (code, message, originalBody) => new MTLSError('MTLS', code, message, originalBody);
  const pemShaped = (v) => {
    const s = Buffer.isBuffer(v) ? v.toString() : v;
    return typeof s === 'string' && s.includes('-----BEGIN') && s.includes('-----END') && s.includes('\n');
  };
  // typesPredicates.ts isBodyInit, for what Node 22 offers.
  const isBodyInit = (v) => typeof v === 'string' || v instanceof ArrayBuffer || ArrayBuffer.isView(v) ||
    v instanceof URLSearchParams || (typeof Blob !== 'undefined' && v instanceof Blob) ||
    (typeof FormData !== 'undefined' && v instanceof FormData) || (typeof ReadableStream !== 'undefined' && v instanceof ReadableStream);
  const prepareBody = (makeError, body, isJson) => {
    let b = body;
    if (isJson) {
      try { b = JSON.stringify(b); } catch (e) { throw makeError(ErrorCodes.Mtls.BadRequest, 'Provided body could not be stringified'); }
    }
    if (!isBodyInit(b)) {
      throw makeError(ErrorCodes.Mtls.BadRequest, 'Provided body was not string or or one the allowed types: ReadableStream, Blob, ArrayBuffer, ArrayBufferView FormData, URLSearchParams . Please use json option or stringify content prior to passing');
    }
    return b;
  };
  // A fetch failure as the MTLS clients report it (mtlsClient.ts / lpMtlsClient.ts makeRequest).
  const mtlsNetworkError = (makeError, err) => makeError(ErrorCodes.Mtls.General, `fetch failed. Cause: ${err && err.message}`);

  function MTLSClient(clientTLS) {
    if (clientTLS === undefined || clientTLS === null) throw mtls(ErrorCodes.Mtls.Missing, 'No Client TLS config was provided');
    if (!pemShaped(clientTLS.cert)) throw mtls(ErrorCodes.Mtls.Invalid.Cert, 'Provided cert is not rightly shaped. Please check cert format');
    if (clientTLS.ca && !pemShaped(clientTLS.ca)) throw mtls(ErrorCodes.Mtls.Invalid.Cert, 'Provided ca-cert is not rightly shaped. Please check ca-cert format');
    if (!pemShaped(clientTLS.key)) throw mtls(ErrorCodes.Mtls.Invalid.Key, 'Provided key is not rightly shaped. Please check key format');
    const client = {};
    MTLS_METHODS.forEach((m) => {
      client[m] = async function mtlsMethod(url, headers, a3, a4) {
        const body = MTLS_NO_BODY[m] ? undefined : a3;
        const options = MTLS_NO_BODY[m] ? a3 : a4;
        const json = !!(options && options.json);
        let hdrs = headers;
        if (json) hdrs = Object.assign({}, headers, { 'Content-Type': 'application/json' });
        let payload = body !== null && body !== undefined ? prepareBody(mtls, body, json) : undefined;
        if (payload !== undefined && typeof payload !== 'string' && !ArrayBuffer.isView(payload)) {
          // URLSearchParams, Blob, FormData, streams: serialized as fetch serializes them, with its
          // content-type when the caller gave none.
          const serialized = new Response(payload);
          const type = serialized.headers.get('content-type');
          payload = Buffer.from(await serialized.arrayBuffer());
          if (type && !Object.keys(hdrs || {}).some((h) => h.toLowerCase() === 'content-type')) hdrs = Object.assign({}, hdrs, { 'content-type': type });
        }
        let res;
        try {
          // mtlsClient.ts does not pass options.timeout to fetch: no per-request timeout here either.
          res = await mtlsRequest(clientTLS, m.toUpperCase(), url, hdrs, payload, options);
        } catch (e) {
          throw mtlsNetworkError(mtls, e);
        }
        const out = { statusCode: res.statusCode, body: res.text, headers: headersToRecord(res.headers) };
        if (json) { try { out.body = JSON.parse(res.text); } catch (e) { /* raw text */ } }
        if (MTLS_NO_BODY[m]) out.body = undefined;
        return out;
      };
    });
    return client;
  }

  // mtls-client/lpMtlsClient.ts: get/post through LivePerson's MTLS gateway (a LivePerson service:
  // answered from toolbelt fixtures). A `response` is processed as the client processes the gateway's
  // answer: `lp-message-from-transport` -> Remote error, `www-authenticate` -> BadRequest, 400 ->
  // Missing mapping; otherwise {statusCode, body (parsed with json), headers}.
  const lpMtls = (code, message, originalBody) => new MTLSError('LP-MTLS', code, message, originalBody);
  function LPMtlsClient() {
    const request = (method) => function lpMtlsMethod(url, headers, body, options) {
      const json = !!(options && options.json);
      try {
        if (body !== undefined) prepareBody(lpMtls, body, json);
      } catch (e) {
        return rejectedLocally('LPMtlsClient', method, e);
      }
      const fromResponse = (resp) => {
        const parts = responseParts(resp);
        if (parts.headers['lp-message-from-transport'] !== undefined) {
          throw lpMtls(ErrorCodes.Mtls.Remote, parts.headers['lp-message-from-transport'], parts.text);
        }
        if (parts.headers['www-authenticate'] !== undefined) {
          throw lpMtls(ErrorCodes.Mtls.BadRequest, `Authentication to LP MTLS failed due to ${parts.headers['www-authenticate']}`);
        }
        if (parts.status === 400) {
          throw lpMtls(ErrorCodes.Mtls.Missing, 'It seems like there was no MTLS Configuration setup for the given forward URL. Please configure MTLS Mapping.');
        }
        const out = { statusCode: parts.status, body: parts.text, headers: parts.headers };
        if (json) { try { out.body = JSON.parse(parts.text); } catch (e) { /* raw text */ } }
        return out;
      };
      return ask({
        client: 'LPMtlsClient', method, args: [url, headers, body, options],
        // Headers may carry the upstream's credentials: the suggestion names the URL only.
        shownArgs: [url],
        suggestion: { args: jsonSafe([url]), response: { status: 200, body: null } },
        fixture: (e) => (e.response !== undefined && e.response !== null ? fromResponse(e.response) : copy(e.returns)),
        statusOf: (r) => r && r.statusCode,
        fromThrows: (t) => Object.assign(lpMtls(t.code || ErrorCodes.Mtls.General, t.message === undefined ? '' : String(t.message), t.originalBody)),
        fault: (f) => {
          if (f === '5xx') return fromResponse(FAULT_RESPONSE);
          throw mtlsNetworkError(lpMtls, fetchFailed(f).cause);
        },
      });
    };
    return { get: request('get'), post: request('post') };
  }

  const orch = (code, message, statusCode, originalError, headers) => new OrchestratorError('Orchestrator-FN', code, message, statusCode, originalError, headers);
  function OrchestratorClient() {
    return {
      invoke(invocations, deadline, options) {
        const limit = deadline === undefined ? MAX_DEADLINE_TIME : deadline;
        if (limit > MAX_DEADLINE_TIME) {
          console.warn(`Deadline exceeds maximum allowed value, ${MAX_DEADLINE_TIME}ms will be used instead`);
        }
        return ask({
          client: 'OrchestratorClient', method: 'invoke', args: [invocations, deadline, options],
          suggestion: { args: jsonSafe([invocations]), returns: null },
          fixture: (e) => copy(e.returns),
          fromThrows: (t) => {
            const err = orch(t.code || ErrorCodes.OrchestratorFN.General, t.message === undefined ? '' : String(t.message), t.statusCode, t.originalError, t.headers);
            return err;
          },
          fault: (f) => orchestratorFault(f, invocations, options,
            () => orch(ErrorCodes.OrchestratorFN.Invocation.StatusError, 'Invocation failed with a non 2XX error', 503, FAULT_BODY, { 'content-type': 'text/plain' }),
            () => fetchFailed(f),
            (err) => isToolbeltError(err) && typeof err.statusCode === 'number'),
        });
      },
    };
  }

  // csds-client/csdsClient.ts: get(service) -> the domain; getAll() -> [{service: domain}, ...].
  // get() is answered by a `CsdsClient.get` fixture, else looked up in a `CsdsClient.getAll` one.
  // Decided here: no cache across calls (each invocation starts the same).
  const csds = tbError('CSDS-Client');
  const csdsFault = (f) => {
    if (f === '5xx') throw csds(ErrorCodes.Csds.Failure, jsonError(FAULT_BODY).message);
    throw csds(ErrorCodes.Csds.Failure, fetchFailed(f).message);
  };
  function CsdsClient() {
    const client = {
      get(service) {
        if (!findFixture(ctx.fixtures, 'CsdsClient.get', jsonSafe([service])) && findFixture(ctx.fixtures, 'CsdsClient.getAll', [])) {
          return client.getAll().then((all) => {
            const domain = all.find((record) => record && service in record);
            if (domain === undefined) throw csds(ErrorCodes.Csds.NotFound, `Service "${service}" could not be found.`);
            return domain[service];
          });
        }
        return ask({
          client: 'CsdsClient', method: 'get', args: [service],
          fixture: (e) => copy(e.returns),
          fromThrows: tbThrows('CSDS-Client', ErrorCodes.Csds.Failure),
          fault: csdsFault,
        });
      },
      getAll() {
        return ask({
          client: 'CsdsClient', method: 'getAll', args: [],
          fixture: (e) => copy(e.returns),
          fromThrows: tbThrows('CSDS-Client', ErrorCodes.Csds.Failure),
          fault: csdsFault,
        });
      },
    };
    return client;
  }

  return { ConversationUtil, SDEUtil, GDPRUtil, LpClient, MTLSClient, LPMtlsClient, OrchestratorClient, CsdsClient };
}

module.exports = { v1, v2, NO_FIXTURE, FAULT_BODY, contains, argsMatch };
