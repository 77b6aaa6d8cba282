'use strict';
// The secret store both toolbelts' SecretClient serve, kept per invocation, and the two SecretClients
// (V1 and V2), each call reported to the invocation (issue 17). Written for Node 14 (V1) and 22 (V2).
//
// Sources (LivePerson's own code; we copy none of it):
// - V1: LivePersonInc/faas-cli branch legacy/v1.31.3, src/shared/lp-faas-toolbelt/secret-storage/
//   (IsecretClient.ts, IsecretEntry.ts, secretClient.ts).
// - V2: LivePersonInc/faas-cli master, src/shared/core-functions-toolbelt/secret-storage/
//   (IsecretClient.ts, secretClient.ts, secretCache.ts, ICache.ts, types.ts) and index.ts
//   (`globalSecretCache`, `Toolbelt.SecretClient(options)`).
// - developer-center "liveperson-functions-development-storing-secrets" (values: number, string or JSON).
//
// Decided here (issue 17 design): every invocation starts from the seed (the secrets file), so a write
// in one case never leaks into the next and two workers answer alike; V2's globalSecretCache starts
// empty in every invocation too. Code outside any invocation (the lambda's top-level code, a test
// driving the module directly) shares one more state of its own, seeded the same way.

const fs = require('fs');
const invocation = require('../invocation.js');

// Calls made outside any invocation share this key.
const OUTSIDE = {};

/** A per-invocation state: get() gives the running invocation's, made by init() on first use. */
function perInvocation(init) {
  const states = new WeakMap();
  return function get() {
    const key = invocation.current() || OUTSIDE;
    if (!states.has(key)) states.set(key, init());
    return states.get(key);
  };
}

// A value as the store would give it back: a JSON copy (the file's values are JSON), so a lambda that
// mutates what it read cannot change the store. undefined and values JSON drops stay undefined.
function copyOf(value) {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
}

// `--secrets FILE` holds {"name": "value"}, a list [{key, value}], or lpf's own functions/settings.json
// shape {"secrets": [{key, value}], "whitelist": [...]} (faas-cli bin/example/functions/settings.json;
// both local toolbelts read its `secrets`). Decided here: an object whose `secrets` is a list is read as
// settings.json. The file is test data: read once, never written.
function loadSecretFile(secretsFile) {
  if (!secretsFile) return new Map();
  const data = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  const list = Array.isArray(data) ? data : (data && Array.isArray(data.secrets) ? data.secrets : null);
  const out = new Map();
  if (list) list.forEach((e) => { if (e && typeof e.key === 'string') out.set(e.key, e.value); });
  else Object.keys(data || {}).forEach((k) => out.set(k, data[k]));
  return out;
}

/** The secret store of one worker: all() is the running invocation's Map, a fresh copy of the seed. */
function createSecretStore(secretsFile) {
  let seed = null;
  const seeded = () => {
    if (!seed) seed = loadSecretFile(secretsFile);
    const copy = new Map();
    seed.forEach((v, k) => copy.set(k, copyOf(v)));
    return copy;
  };
  const current = perInvocation(seeded);
  return {
    file: secretsFile,
    all() { return current(); },
  };
}

// What a call record says about an error: its class, code and message (never a secret's value:
// LivePerson's messages name the key only).
function errorText(err) {
  if (!err || typeof err !== 'object') return String(err);
  const cls = (err.constructor && err.constructor.name) || err.name || 'Error';
  return `${cls}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
}

// Report one SecretClient call (issue 17 design: kind 'secret', the key as target, no value). The
// record is made when the call is made, so calls stay in call order even when the lambda runs them in
// parallel; noted() adds the error the call ends with. No handler is attached to the promise the lambda
// gets: a rejection it leaves unhandled must stay unhandled, as on the platform.
function reportedCall(method, key) {
  const call = { kind: 'secret', via: 'SecretClient', method, target: String(key), answer: 'emulated' };
  invocation.record(call);
  return call;
}

function noted(call, err) {
  call.error = errorText(err);
  return err;
}

// A secret read with no secrets file given at all (decided here, issue 17): the account's real store
// surely holds what the lambda reads, and we know none of it, so the case cannot be judged; the
// platform's not-found answer is what a secrets file WITHOUT the key gives. The call is 'no-fixture'.
function unknownSecret(call, store, key) {
  if (store.file) return null;
  const err = new Error(
    `no secret ${key}: no secrets file was given, so lpf-contract cannot answer it; add {"${key}": "..."} to a ` +
    'secrets file (--secrets FILE, or functions/settings.json beside a function folder)'
  );
  err.code = 'LPF_CONTRACT_NO_FIXTURE';
  call.answer = 'no-fixture';
  return noted(call, err);
}

// ---------------------------------------------------------------------------------------------------
// V1: secret-storage/secretClient.ts (VaultSecretClient). readSecret(key) resolves the stored entry;
// updateSecret(entry) checks `value.length` (over 10000 refused), replaces the entry and resolves the
// entry it was given. Errors: SecretError with ErrorCodes.Secret.* and LivePerson's messages.
const MAX_SECRET_CHARS_V1 = 10000; // secretClient.ts (V1): "exceeds allowed length of 10000"

function createSecretClientV1(store, ErrorCodes, SecretError) {
  return {
    readSecret(key) {
      const call = reportedCall('readSecret', key);
      return new Promise((resolve, reject) => {
        const secrets = store.all();
        if (secrets.has(key)) resolve({ key, value: copyOf(secrets.get(key)) });
        else reject(unknownSecret(call, store, key) || noted(call, new SecretError(ErrorCodes.Secret.NotFound, `There is no Secret ${key} for this account`)));
      });
    },
    updateSecret(updatedSecret) {
      const call = reportedCall('updateSecret', updatedSecret && updatedSecret.key);
      return new Promise((resolve, reject) => {
        try {
          // Reading `.value.length` of a missing entry is the TypeError LivePerson's client throws too
          // (inside the promise's executor: a rejection).
          if (updatedSecret.value.length > MAX_SECRET_CHARS_V1) {
            throw new SecretError(ErrorCodes.Secret.Invalid, `Provided Secret Value exceeds allowed length of ${MAX_SECRET_CHARS_V1}`);
          }
        } catch (err) {
          reject(noted(call, err));
          return;
        }
        const secrets = store.all();
        let stored;
        try {
          if (!secrets.has(updatedSecret.key)) throw new Error('not found');
          // LivePerson's copy writes the settings as JSON: a value JSON cannot write fails the update.
          stored = copyOf(updatedSecret.value);
        } catch (e) {
          reject(noted(call, new SecretError(ErrorCodes.Secret.Failure, `Updating Secret ${updatedSecret.key} failed`)));
          return;
        }
        secrets.set(updatedSecret.key, stored);
        resolve(updatedSecret);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// V2: secret-storage/secretClient.ts (FunctionsSecretClient) with the shared cache of index.ts.
const SYSTEM_SECRET_PREFIX = 'LIVEPERSON_DEFAULT_'; // shared/const.ts
const MAX_SECRET_SIZE_V2 = 16384; // secret-storage/secretClient.ts
const DEFAULT_CACHE_TTL_MS = 5 * 60 * 1000; // secret-storage/secretCache.ts, secretClient.ts defaults

// secret-storage/secretCache.ts's interface (ICache): set(key, value, ttl?), get, clear, delete, has,
// getAll, size, setDefaultTtl. index.ts exports one instance as `globalSecretCache`; ours is one stable
// object whose entries live per invocation. Its default ttl: what the top-level code set (a client
// made there with {cache: {ttl}}), else 5 minutes; a SecretClient({cache: {ttl}}) made inside an
// invocation changes that invocation's default only (decided here, for determinism).
function createSecretCacheV2() {
  let loadTtl = DEFAULT_CACHE_TTL_MS;
  const state = perInvocation(() => ({ entries: new Map(), ttl: loadTtl }));
  const live = (key) => {
    const s = state();
    const e = s.entries.get(key);
    if (!e) return null;
    if (Date.now() < e.expiration) return e;
    s.entries.delete(key); // secretCache.ts drops an expired entry when it meets it
    return null;
  };
  return {
    set(key, value, ttl) { const s = state(); s.entries.set(key, { value, expiration: Date.now() + (ttl || s.ttl) }); },
    get(key) { const e = live(key); return e ? e.value : null; },
    clear() { state().entries.clear(); },
    delete(key) { return state().entries.delete(key); },
    has(key) { return live(key) !== null; },
    // secretCache.ts: "all entries of the cache irregardless of whether they are expired"
    getAll() { return Array.from(state().entries.values()).map((e) => e.value); },
    size() { return state().entries.size; },
    setDefaultTtl(ttl) {
      state().ttl = ttl;
      if (!invocation.current()) loadTtl = ttl;
    },
  };
}

// Secret values: "IF the value cannot be parsed it will be string" (secret-storage/types.ts,
// SecretEntry.value): a stored JSON text comes back parsed; updateSecret stores JSON text.
function parsedValue(stored) {
  if (typeof stored !== 'string') return copyOf(stored);
  try { return JSON.parse(stored); } catch (e) { return stored; }
}

// secret-storage/IsecretClient.ts: readSecret(key, {useCache = true, timeout}) and
// updateSecret({key, value}) are async; errors are ToolBeltError('SecretClient', ErrorCodes.Secret.*).
// There is no writeSecret: only the usage example in index.ts's doc comment names it; neither the
// interface (IsecretClient.ts) nor the class (secretClient.ts) has it, on master and release/2.0.2-beta,
// so calling it is the TypeError it is with LivePerson's own copy.
function createSecretClientV2(store, cache, ErrorCodes, ToolBeltError, clientOptions) {
  // secretClient.ts constructor: a truthy cache.ttl sets the shared cache's default ttl.
  if (clientOptions && clientOptions.cache && clientOptions.cache.ttl) cache.setDefaultTtl(clientOptions.cache.ttl);
  const fail = (code, message) => new ToolBeltError('SecretClient', code, message);
  return {
    readSecret(key, options) {
      const call = reportedCall('readSecret', key);
      return (async () => {
        const useCache = Object.assign({ useCache: true }, options).useCache;
        if (useCache && cache.has(key)) return { key, value: parsedValue(cache.get(key).value) };
        const secrets = store.all();
        // secretClient.ts turns any failure of the read into NotFound.
        if (!secrets.has(key)) throw unknownSecret(call, store, key) || fail(ErrorCodes.Secret.NotFound, `There is no secret ${key} for this account`);
        const stored = secrets.get(key);
        cache.set(key, { key, value: stored });
        return { key, value: parsedValue(stored) };
      })().catch((err) => { throw noted(call, err); });
    },
    updateSecret(entry) {
      const call = reportedCall('updateSecret', entry && entry.key);
      return (async () => {
        const key = entry.key;
        if (key.startsWith(SYSTEM_SECRET_PREFIX)) {
          throw fail(ErrorCodes.Secret.SystemSecret, 'You are not allowed to update secrets added by the system');
        }
        let text;
        try {
          text = JSON.stringify(entry.value);
        } catch (e) {
          // BigInt or a circular structure (secretClient.ts)
          throw fail(ErrorCodes.Secret.Invalid, `Provided secret value cannot be stringified: ${e && e.message ? e.message : ''}`);
        }
        if (text !== undefined && text.length > MAX_SECRET_SIZE_V2) {
          throw fail(ErrorCodes.Secret.Invalid, 'Provided secret value exceeds allowed length of 16kb');
        }
        const secrets = store.all();
        if (!secrets.has(key)) throw fail(ErrorCodes.Secret.Failure, `Updating secret ${key} failed: Secret not found!`);
        cache.set(key, { key, value: text });
        secrets.set(key, text);
        return { key, value: text === undefined ? undefined : JSON.parse(text) };
      })().catch((err) => { throw noted(call, err); });
    },
  };
}

module.exports = {
  perInvocation,
  loadSecretFile,
  createSecretStore,
  createSecretClientV1,
  createSecretCacheV2,
  createSecretClientV2,
  errorText,
};
