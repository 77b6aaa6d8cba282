'use strict';
// Parts both emulated toolbelts share: the allow-list, a request-promise style HTTP client, the local
// secret store and the "not emulated" clients. Written for Node 14 (V1) as well as 22 (V2).
//
// Sources (LivePerson's own code and docs; we copy none of it):
// - V1 TypeScript: LivePersonInc/faas-cli branch legacy/v1.31.3, src/shared/lp-faas-toolbelt/
//   (compiled in the npm package liveperson-functions-cli@1.31.13, bin/example/bin/lp-faas-toolbelt/).
// - V2 TypeScript: LivePersonInc/faas-cli master, src/shared/core-functions-toolbelt/.
// - developer-center pages "liveperson-functions-developing-with-faas-toolbelt" (V1 toolbelt docs) and
//   the "limitations" page (allow-list proxy, 403).

const http = require('http');
const https = require('https');
const { URL } = require('url');

// The platform's outbound proxy admits allow-listed domains only (docs, limitations page: one wildcard
// at most). `*.example.com` admits every sub-domain of example.com, not example.com itself (decided
// here; LivePerson's local CLI toolbelt matches `*.` against the last two labels only).
//
// LivePerson's own API domains are admitted on every account without being listed (the list and its
// sources: core/platform.json, liveperson_domains).
const LIVEPERSON_DOMAINS = require('../platform.js').liveperson_domains.value;
// A request without its own timeout: decided here, the platform's time limit (no request outlives its invocation).
const TIME_LIMIT_MS = require('../platform.js').limits.time_limit_ms.value;

function domainAllowed(hostname, allowDomains) {
  const host = String(hostname).toLowerCase().replace(/\.$/, '');
  return allowDomains.concat(LIVEPERSON_DOMAINS).some((entry) => {
    const d = String(entry).toLowerCase().trim();
    if (d.startsWith('*.')) return host.endsWith(d.slice(1)) && host.length > d.length - 1;
    return host === d;
  });
}

// request-promise's error for a non-2xx answer when `simple` is on (its default): name
// StatusCodeError, `statusCode`, `error` (the body), `response`, message "<status> - <body>".
class StatusCodeError extends Error {
  constructor(statusCode, body, response) {
    super(`${statusCode} - ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'StatusCodeError';
    this.statusCode = statusCode;
    this.error = body;
    this.response = response;
  }
}

// request-promise's error when no answer came (refused, timed out, reset): name RequestError, message
// String(cause) ("Error: connect ECONNREFUSED ..."), `cause` and its legacy alias `error`, `options`,
// `response`; the cause's `code` is not copied (request-promise-core lib/errors.js).
class RequestError extends Error {
  constructor(cause, options, response) {
    super(String(cause));
    this.name = 'RequestError';
    this.cause = cause;
    this.error = cause;
    this.options = options;
    this.response = response;
  }
}

// Decided here: what a client that needs LivePerson's own services answers when a method is called.
// The code stays LPF_CONTRACT_NOT_EMULATED so lambdas and our reports can tell it from a platform error.
function notEmulated(what) {
  const err = new Error(`${what} needs LivePerson's own services and is not available in lpf-contract's local runner; stub it in your lambda or test against a deployed function`);
  err.code = 'LPF_CONTRACT_NOT_EMULATED';
  return err;
}

// A client object with LivePerson's method names (from the interfaces cited by the caller). Async
// methods answer a rejected promise, sync ones throw: the client can be created, kept and passed
// around as on the platform; only using it fails. Unknown methods stay undefined, so calling one is the
// TypeError the platform gives.
function notEmulatedClient(label, asyncMethods, syncMethods) {
  const client = {};
  (asyncMethods || []).forEach((m) => {
    client[m] = function () { return Promise.reject(notEmulated(`${label}.${m}()`)); };
  });
  (syncMethods || []).forEach((m) => {
    client[m] = function () { throw notEmulated(`${label}.${m}()`); };
  });
  return client;
}

// request-promise style, as LivePerson documents Toolbelt.HTTPClient() ("based on request-promise and
// shares the same interface", lp-faas-toolbelt/index.ts): httpClient(uri, options) or
// httpClient(options) with `uri`/`url`, `qs`, `method`, `headers`, `body`, `json`, `form`, `simple`
// (default true: non-2xx rejects with StatusCodeError), `resolveWithFullResponse`, `timeout`.
function createHttpClient(allowDomains) {
  return function httpClient(uriOrOptions, maybeOptions) {
    const opts = typeof uriOrOptions === 'string'
      ? Object.assign({}, maybeOptions || {}, { uri: uriOrOptions })
      : Object.assign({}, uriOrOptions || {});
    const simple = opts.simple !== false;
    const full = opts.resolveWithFullResponse === true;
    return new Promise((resolve, reject) => {
      let url;
      try {
        url = new URL(opts.uri || opts.url);
        if (opts.qs) Object.keys(opts.qs).forEach((k) => url.searchParams.append(k, String(opts.qs[k])));
      } catch (e) {
        reject(new Error(`Invalid URI "${opts.uri || opts.url}"`));
        return;
      }
      const deliver = (statusCode, headers, rawBody) => {
        let body = rawBody;
        if (opts.json && typeof rawBody === 'string' && rawBody) {
          try { body = JSON.parse(rawBody); } catch (e) { /* keep text, as request does */ }
        }
        const response = { statusCode, headers, body };
        if (simple && !(statusCode >= 200 && statusCode < 300)) reject(new StatusCodeError(statusCode, body, response));
        else resolve(full ? response : body);
      };
      if (!domainAllowed(url.hostname, allowDomains)) {
        // The platform's proxy answers 403 for a domain that is not allow-listed (limitations page);
        // LivePerson's local toolbelt answers {statusCode: 403, body: "You do not have access ..."}.
        // Reported as an external call refused by the allow-list (issue 17).
        require('../invocation.js').record({ kind: 'http', via: 'HTTPClient', method: (opts.method || 'GET').toUpperCase(), target: url.href, answer: 'allow-list', status: 403 });
        deliver(403, { 'content-type': 'text/plain' },
          `Forbidden: ${url.hostname} is not on the function's domain allow-list (emulated platform proxy; allow it with --allow-domain)`);
        return;
      }
      let payload = opts.body;
      const headers = Object.assign({}, opts.headers || {});
      if (opts.json && payload !== undefined && typeof payload !== 'string') {
        payload = JSON.stringify(payload);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      } else if (opts.form) {
        payload = new URLSearchParams(opts.form).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      if (opts.json && !Object.keys(headers).some((h) => h.toLowerCase() === 'accept')) headers.accept = 'application/json';
      const lib = url.protocol === 'https:' ? https : http;
      // The interception (../http_fixtures.js) reports this request as HTTPClient's, not https's.
      require('../http_fixtures.js').expectVia((opts.method || 'GET').toUpperCase(), url.href, 'HTTPClient');
      const req = lib.request(url, { method: (opts.method || 'GET').toUpperCase(), headers, timeout: opts.timeout || TIME_LIMIT_MS }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => deliver(res.statusCode, res.headers, Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('ETIMEDOUT')));
      req.on('error', (e) => reject(new RequestError(e, opts, undefined)));
      if (payload !== undefined) req.write(typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : String(payload));
      req.end();
    });
  };
}

// The secret store (per invocation, seeded from `--secrets FILE`) lives in secrets.js (issue 17).
const { createSecretStore } = require('./secrets.js');

// Members both toolbelts export with the same values. Each module hands out its own copy
// (Object.assign), so a lambda that mutates one cannot change what another worker module sees.
// conversation-util/ConversationContentTypes.ts (V1) = conversation-util/types.ts (V2)
const CONVERSATION_CONTENT_TYPES = {
  INFO: 'info',
  SDES: 'sdes',
  UNAUTH_SDES: 'unAuthSdes',
  CAMPAIGN: 'campaign',
  MESSAGE_RECORDS: 'messageRecords',
  AGENT_PARTICIPANTS: 'agentParticipants',
  AGENT_PARTICIPANTS_ACTIVE: 'agentParticipantsActive',
  CONSUMER_PARTICIPANTS: 'consumerParticipants',
  TRANSFERS: 'transfers',
  INTERACTIONS: 'interactions',
  MESSAGE_SCORES: 'messageScores',
  MESSAGE_STATUSES: 'messageStatuses',
  SKILL_CHANGES: 'skillChanges',
  CONVERSATION_SURVEYS: 'conversationSurveys',
  AGENT_PARTICIPANTS_LEAVE: 'agentParticipantsLeave',
  COBROWSE_SESSIONS: 'coBrowseSessions',
  SUMMARY: 'summary',
  MONITORING: 'monitoring',
  DIALOGS: 'dialogs',
  RESPONSE_TIME: 'responseTime',
  INTENTS: 'intents',
  UNIQUE_INTENTS: 'uniqueIntents',
  LATEST_AGENT_SURVEY: 'latestAgentSurvey',
  PREVIOUSLY_SUBMITTED_AGENT_SURVEYS: 'previouslySubmittedAgentSurveys',
};

// SDE-util/SDETypes.ts (V1); V2's SDE-util/types.ts adds ORDER_ID
const SDE_TYPES_V1 = {
  CART: 'cart',
  TRANSACTION: 'purchase',
  VIEWED_PRODUCT: 'prodView',
  CUSTOMER_INFO: 'ctmrinfo',
  MARKETING_SOURCE: 'mrktInfo',
  PERSONAL_INFO: 'personal',
  LEAD: 'lead',
  SERVICE_ACTIVITY: 'service',
  VISITOR_ERROR: 'error',
  SEARCHED_CONTENT: 'searchInfo',
};

// orchestrator-client/types.ts (V2); V1's docs import the name without its values (decided here: V2's)
const ERROR_STRATEGY = {
  EXIT_ON_ERROR: 'ExitOnError',
  CONTINUE_ON_ERROR: 'ContinueOnError',
};

// context-service-client/IFaaSContextServiceClient.ts (same methods in V1 and V2)
const CONTEXT_METHODS = ['createNamespace', 'deleteNamespace', 'getListOfNamespaces', 'setPropertiesInNamespace',
  'updatePropertiesInNamespace', 'getAllPropertiesInSession', 'getSelectedPropertiesInSession',
  'getPropertyInSession', 'deletePropertyInSession', 'deleteSession', 'getListOfSessions'];

module.exports = {
  CONVERSATION_CONTENT_TYPES,
  SDE_TYPES_V1,
  ERROR_STRATEGY,
  CONTEXT_METHODS,
  domainAllowed,
  LIVEPERSON_DOMAINS,
  StatusCodeError,
  RequestError,
  notEmulated,
  notEmulatedClient,
  createHttpClient,
  createSecretStore,
};
