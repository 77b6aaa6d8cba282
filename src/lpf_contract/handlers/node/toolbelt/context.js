'use strict';
// An in-memory Conversation Context Service (Context Session Store) behind both toolbelts'
// `Toolbelt.ContextServiceClient(...)`, seeded per invocation from the fixtures' `context` section
// (issue 17 design), every call reported to the invocation. Written for Node 14 (V1) and 22 (V2).
//
// Sources (LivePerson's own code and docs; we copy none of it):
// - The client: faas-cli legacy/v1.31.3 src/shared/lp-faas-toolbelt/context-service-client/
//   (IFaaSContextServiceClient.ts, contextServiceClient.ts) and its SDK context-service-sdk/ (lib.ts:
//   argument checks and SDKError wrapping; restclient/client.ts: the REST calls, which statuses it
//   accepts, how it reads answers; types/errors/*.ts; util/constants.ts: DEFAULT_ENTITIY '__default__',
//   BUILT_IN_NAMESPACES, ErrorCodes). V2 (faas-cli master src/shared/core-functions-toolbelt/
//   context-service-client/) has the same methods, checks and errors (fetch instead of bent; its
//   messages fix three typos, its Unknown code is spelled 'unknown' where V1 has 'unkown').
// - developer-center "conversation-orchestrator-conversation-context-service-getting-started" (a
//   namespace or session needs no creation: saving a property creates it; reserved namespaces answer
//   400; ttlSecond) and "...-context-service-methods-v2" (the toolbelt's v1 calls are forwarded to v2; no
//   session means `__default__`; namespace names are letters, digits and underscore; a document over
//   800,000 characters answers 413 "document too large"; reserved: consumer, operational, conversation,
//   faas, custom, sde).
// The SDK package itself ('@liveperson/context-service', named in client.ts's User-Agent) is not on npm.
//
// Decided here:
// - One store per worker, whatever accountId the client names; each invocation starts from the seed.
// - Reading a namespace or session that does not exist gives what an empty one gives ({} / []), as
//   client.ts documents for a missing session; reading a missing property is the 404 the SDK turns into
//   SDKError data.does-not-exist (getSelectedPropertiesInSession skips exactly those).
// - A TTL is kept and listed (ttlSecond) but nothing expires within an invocation.
// - Namespaces of the seed were created at the epoch (new Date(0)): deterministic output.
// - Under --http-faults the Context Service is not faulted (issue 17 design).

const invocation = require('../invocation.js');
const { perInvocation, errorText } = require('./secrets.js');

const DEFAULT_SESSION = '__default__'; // context-service-sdk/util/constants.ts DEFAULT_ENTITIY
// util/constants.ts BUILT_IN_NAMESPACES: the client refuses to create or delete these itself.
const BUILT_IN_NAMESPACES = ['faas', 'consumer', 'custom', 'operational', 'conversation'];
// The service answers 400 for reserved namespaces (getting-started page; methods-v2 page adds sde, faas).
const RESERVED_NAMESPACES = BUILT_IN_NAMESPACES.concat(['sde']);
const NAMESPACE_NAME = /^[A-Za-z0-9_]+$/; // methods-v2 page: letters, numbers and underscore only
const MAX_DOCUMENT_CHARS = 800000; // methods-v2 page: 413 "document too large"

// util/constants.ts ErrorCodes, per runtime (V1 spells Unknown 'unkown'), and types/errors/sdkError.ts
// mapRestErrorToSDKError's messages (V1's typos kept).
const FLAVOURS = {
  v1: {
    codes: {
      Issue: 'com.liveperson.context-service-sdk.internal-server-error',
      Unknown: 'com.liveperson.context-service-sdk.unkown',
      Incorrect: 'com.liveperson.context-service-sdk.parameter.invalid',
      Authorization: 'com.liveperson.context-service-sdk.authorization.invalid',
      NotFound: 'com.liveperson.context-service-sdk.data.does-not-exist',
    },
    notFound: 'Requested Ressource does not exist',
    unknown: (m) => `Unkown Error ${m} occured`,
  },
  v2: {
    codes: {
      Issue: 'com.liveperson.context-service-sdk.internal-server-error',
      Unknown: 'com.liveperson.context-service-sdk.unknown',
      Incorrect: 'com.liveperson.context-service-sdk.parameter.invalid',
      Authorization: 'com.liveperson.context-service-sdk.authorization.invalid',
      NotFound: 'com.liveperson.context-service-sdk.data.does-not-exist',
    },
    notFound: 'Requested Resource does not exist',
    unknown: (m) => `Unknown Error ${m} occurred`,
  },
};

// types/errors/sdkError.ts: an Error with a `code` (its name stays "Error"); the toolbelt does not
// export the class, so lambdas tell errors apart by `code`.
class SDKError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }

  toString() { return `SDKError: ${this.code} ${this.message}`; }
}

// The answers of the REST service the SDK maps (sdkError.ts): a 404, or another status (400, 413) with
// the service's message. Thrown inside the store, turned into the SDK's error by the client below.
class ServiceAnswer {
  constructor(status, message) {
    this.status = status;
    this.message = message;
  }
}

// The JSON the REST calls send (bent / fetch JSON-encode the body): undefined values drop out, Dates
// become strings; a circular structure throws (the SDK reports that as an Unknown SDKError).
function jsonText(value) { return JSON.stringify(value); }
function parsed(text) {
  // client.ts getPropertyInSession: JSON.parse of the answer, else the text itself.
  try { return JSON.parse(text); } catch (e) { return text; }
}

function seedState(contextFixture) {
  const namespaces = new Map();
  const given = (contextFixture && contextFixture.namespaces) || {};
  Object.keys(given).forEach((name) => {
    const spec = given[name] || {};
    const sessions = new Map();
    const seeded = spec.sessions || {};
    Object.keys(seeded).forEach((sid) => {
      const props = new Map();
      const values = seeded[sid] || {};
      Object.keys(values).forEach((k) => {
        const text = jsonText(values[k]);
        if (text !== undefined) props.set(k, text);
      });
      sessions.set(sid, props);
    });
    namespaces.set(name, { name, createdAt: 0, ttlSecond: spec.ttl || undefined, sessions });
  });
  return { namespaces };
}

/** The in-memory service of one worker: state() is the running invocation's, a fresh copy of the seed. */
function createContextService(fixtures) {
  const contextFixture = fixtures && fixtures.context ? fixtures.context : null;
  return { state: perInvocation(() => seedState(contextFixture)) };
}

// The service's operations (client.ts's REST calls), on the invocation's state.
function operations(service) {
  const ns = (name) => service.state().namespaces.get(String(name));
  const writable = (name) => {
    const key = String(name);
    if (RESERVED_NAMESPACES.includes(key)) throw new ServiceAnswer(400, `namespace ${key} is reserved`);
    if (!NAMESPACE_NAME.test(key)) throw new ServiceAnswer(400, `invalid namespace ${key}: only letters, numbers and underscore`);
    const namespaces = service.state().namespaces;
    if (!namespaces.has(key)) namespaces.set(key, { name: key, createdAt: Date.now(), ttlSecond: undefined, sessions: new Map() });
    return namespaces.get(key);
  };
  const listed = (n) => {
    // client.ts getListOfNamespaces: {name, createdAt: Date, ttlSecond only when set}
    const out = { name: n.name, createdAt: new Date(n.createdAt) };
    if (n.ttlSecond) out.ttlSecond = n.ttlSecond;
    return out;
  };
  const entity = (name, sid) => {
    const n = ns(name);
    const props = n && n.sessions.get(String(sid));
    const out = {};
    if (props) props.forEach((text, k) => { out[k] = JSON.parse(text); });
    return out;
  };
  return {
    createNamespace(name, ttl) {
      const exists = ns(name);
      const n = writable(name);
      // "Given the namespace exists it will not recreate it" (IFaaSContextServiceClient.ts)
      if (!exists && ttl) n.ttlSecond = ttl;
      return listed(n);
    },
    deleteNamespace(name) { service.state().namespaces.delete(String(name)); },
    listNamespaces() { return Array.from(service.state().namespaces.values()).map(listed); },
    patchProperties(name, properties, sid) {
      if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) {
        throw new ServiceAnswer(400, 'properties must be a JSON object');
      }
      const text = jsonText(properties); // may throw: circular
      const n = writable(name);
      const merged = new Map(n.sessions.get(String(sid)) || []);
      const values = JSON.parse(text);
      Object.keys(values).forEach((k) => merged.set(k, JSON.stringify(values[k])));
      let size = 2;
      merged.forEach((t, k) => { size += JSON.stringify(k).length + t.length + 2; });
      if (size > MAX_DOCUMENT_CHARS) throw new ServiceAnswer(413, 'document too large');
      n.sessions.set(String(sid), merged);
      return entity(name, sid);
    },
    allProperties(name, sid) { return entity(name, sid); },
    property(name, prop, sid) {
      const n = ns(name);
      const props = n && n.sessions.get(String(sid));
      if (!props || !props.has(String(prop))) throw new ServiceAnswer(404, 'not found');
      return parsed(props.get(String(prop)));
    },
    deleteProperty(name, prop, sid) {
      const n = ns(name);
      const props = n && n.sessions.get(String(sid));
      if (props) props.delete(String(prop));
    },
    deleteSession(name, sid) {
      const n = ns(name);
      if (n) n.sessions.delete(String(sid));
    },
    sessions(name) {
      const n = ns(name);
      return n ? Array.from(n.sessions.keys()) : [];
    },
  };
}

/**
 * A ContextServiceClient over `service` with LivePerson's methods (IFaaSContextServiceClient.ts), its
 * SDK's checks and errors for `runtime` ('v1' or 'v2'). Every method is async, as there.
 */
function createContextClient(runtime, service) {
  const flavour = FLAVOURS[runtime];
  const op = operations(service);
  const incorrect = (message) => new SDKError(flavour.codes.Incorrect, message);
  // sdkError.ts SDKError.from: an SDKError as is, a service answer by status, any other error Unknown.
  const sdkError = (err) => {
    if (err instanceof SDKError) return err;
    if (err instanceof ServiceAnswer) {
      if (err.status === 403) return new SDKError(flavour.codes.Authorization, 'Provided API Key is either invalid or lacks permission');
      if (err.status === 404) return new SDKError(flavour.codes.NotFound, flavour.notFound);
      return new SDKError(flavour.codes.Unknown, flavour.unknown(err.message));
    }
    if (err instanceof Error) return new SDKError(flavour.codes.Unknown, err.message);
    return new SDKError(flavour.codes.Unknown, 'Unknown Error occurred');
  };
  // Each call reported (kind 'toolbelt', answer 'emulated'); the record is made at the call, its error
  // added when the call fails.
  const method = (name, body) => function () {
    const args = arguments;
    const call = {
      kind: 'toolbelt', via: 'Toolbelt.ContextServiceClient()', method: name,
      target: `Toolbelt.ContextServiceClient().${name}`, answer: 'emulated',
    };
    invocation.record(call);
    // No handler is attached to the promise the lambda gets: a rejection it leaves unhandled must stay
    // unhandled, as on the platform.
    return (async () => {
      try {
        return body.apply(null, args);
      } catch (err) {
        const sdk = sdkError(err);
        call.error = errorText(sdk);
        throw sdk;
      }
    })();
  };
  const session = (sid) => (sid === undefined ? DEFAULT_SESSION : sid); // a JS default parameter
  const empty = (name) => name === null || name === undefined || name === '';

  return {
    // lib.ts createNamespace: refuses an empty name, a built-in one and ttl <= 0 itself.
    createNamespace: method('createNamespace', (namespace, options) => {
      if (empty(namespace)) throw incorrect('Namespace can not be null, undefined or empty string');
      if (BUILT_IN_NAMESPACES.includes(namespace)) throw incorrect('Can not create a built-in namespace');
      const ttl = options === null || options === undefined ? undefined : options.ttl;
      if (ttl <= 0) throw incorrect('TTL needs to be a positive integer above 0');
      return op.createNamespace(namespace, ttl);
    }),
    // lib.ts deleteNamespace: an empty name is a no-op, a built-in one refused; a missing one is fine.
    deleteNamespace: method('deleteNamespace', (namespace) => {
      if (empty(namespace)) return undefined;
      if (BUILT_IN_NAMESPACES.includes(namespace)) throw incorrect('Can not delete a built-in namespace');
      op.deleteNamespace(namespace);
      return undefined;
    }),
    getListOfNamespaces: method('getListOfNamespaces', () => op.listNamespaces()),
    // client.ts setOrUpdatePropertiesInNamespace: PATCH the properties, then answer the whole session.
    setPropertiesInNamespace: method('setPropertiesInNamespace',
      (namespace, properties, sessionId) => op.patchProperties(namespace, properties, session(sessionId))),
    updatePropertiesInNamespace: method('updatePropertiesInNamespace',
      (namespace, properties, sessionId) => op.patchProperties(namespace, properties, session(sessionId))),
    getAllPropertiesInSession: method('getAllPropertiesInSession',
      (namespace, sessionId) => op.allProperties(namespace, session(sessionId))),
    // client.ts: one property at a time; a missing one (404) is left out, any other error thrown.
    getSelectedPropertiesInSession: method('getSelectedPropertiesInSession', (namespace, propertyNames, sessionId) => {
      const out = {};
      for (const name of propertyNames) {
        try {
          out[name] = op.property(namespace, name, session(sessionId));
        } catch (err) {
          if (!(err instanceof ServiceAnswer && err.status === 404)) throw err;
        }
      }
      return out;
    }),
    getPropertyInSession: method('getPropertyInSession',
      (namespace, propertyName, sessionId) => op.property(namespace, propertyName, session(sessionId))),
    deletePropertyInSession: method('deletePropertyInSession', (namespace, propertyName, sessionId) => {
      op.deleteProperty(namespace, propertyName, session(sessionId));
      return undefined;
    }),
    // client.ts deleteSession takes the session as given (no default).
    deleteSession: method('deleteSession', (namespace, sessionId) => {
      op.deleteSession(namespace, sessionId);
      return undefined;
    }),
    getListOfSessions: method('getListOfSessions', (namespace) => op.sessions(namespace)),
  };
}

module.exports = { createContextService, createContextClient, SDKError, DEFAULT_SESSION };
