'use strict';
// Local stand-in for `lp-faas-toolbelt` (V1) and `core-functions-toolbelt` (V2): the parts a lambda
// can use off-platform. HTTP goes out only to allow-listed domains, others get the 403 the
// platform's proxy answers; secrets come from a local JSON file; clients that need LivePerson's
// own services fail with a message saying so instead of pretending to work.

const fs = require('fs');
const http = require('http');
const https = require('https');
const { URL } = require('url');

function domainAllowed(hostname, allowDomains) {
  const host = String(hostname).toLowerCase().replace(/\.$/, '');
  return allowDomains.some((entry) => {
    const d = String(entry).toLowerCase().trim();
    if (d.startsWith('*.')) return host.endsWith(d.slice(1)) && host.length > d.length - 1;
    return host === d;
  });
}

class StatusCodeError extends Error {
  constructor(statusCode, body, response) {
    super(`${statusCode} - ${typeof body === 'string' ? body : JSON.stringify(body)}`);
    this.name = 'StatusCodeError';
    this.statusCode = statusCode;
    this.error = body;
    this.response = response;
  }
}

function notEmulated(what) {
  const err = new Error(`${what} needs LivePerson's own services and is not available in lpf-contract's local runner; stub it in your lambda or test against a deployed function`);
  err.code = 'LPF_CONTRACT_NOT_EMULATED';
  return err;
}

// request-promise-native style: httpClient(uri, options) or httpClient(options).
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
      const req = lib.request(url, { method: (opts.method || 'GET').toUpperCase(), headers, timeout: opts.timeout || 30000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => deliver(res.statusCode, res.headers, Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('ETIMEDOUT')));
      req.on('error', (e) => { e.name = 'RequestError'; reject(e); });
      if (payload !== undefined) req.write(typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : String(payload));
      req.end();
    });
  };
}

function loadSecrets(secretsFile) {
  if (!secretsFile) return {};
  const data = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  if (Array.isArray(data)) {
    const out = {};
    data.forEach((e) => { out[e.key] = e.value; });
    return out;
  }
  return Object.assign({}, data);
}

function createSecretClient(secretsFile) {
  let secrets = null;
  const all = () => { if (!secrets) secrets = loadSecrets(secretsFile); return secrets; };
  return {
    readSecret(key) {
      return new Promise((resolve, reject) => {
        const s = all();
        if (Object.prototype.hasOwnProperty.call(s, key)) resolve({ key, value: s[key] });
        else {
          const err = new Error(`secret ${key} not found${secretsFile ? ` in ${secretsFile}` : ' (no --secrets file given)'}`);
          err.statusCode = 404;
          reject(err);
        }
      });
    },
    // Kept in memory only: the local file is test data, not a store.
    updateSecret(entry) {
      return new Promise((resolve) => {
        all()[entry.key] = entry.value;
        resolve({ key: entry.key, value: entry.value });
      });
    },
  };
}

function failingClient(name) {
  return function () {
    const handler = {
      get(target, prop) {
        if (prop === 'then') return undefined; // not a thenable
        return () => Promise.reject(notEmulated(`Toolbelt.${name}().${String(prop)}`));
      },
      apply() { return Promise.reject(notEmulated(`Toolbelt.${name}()`)); },
    };
    return new Proxy(function () {}, handler);
  };
}

exports.create = function create(options) {
  const allowDomains = (options && options.allowDomains) || [];
  const secretsFile = (options && options.secretsFile) || null;
  return {
    HTTPClient: () => createHttpClient(allowDomains),
    SecretClient: () => createSecretClient(secretsFile),
    ConversationUtil: failingClient('ConversationUtil'),
    LpClient: failingClient('LpClient'),
    SFClient: failingClient('SFClient'),
    GDPRUtil: failingClient('GDPRUtil'),
    SDEUtil: failingClient('SDEUtil'),
    ContextServiceClient: failingClient('ContextServiceClient'),
    MTLSClient: failingClient('MTLSClient'),
    LpMtlsClient: failingClient('LpMtlsClient'),
  };
};
exports.domainAllowed = domainAllowed;
