'use strict';
// Emulation of `core-functions-toolbelt`, the V2 toolbelt, from its public TypeScript (faas-cli master,
// src/shared/core-functions-toolbelt/index.ts and the files cited below); LivePerson publishes no
// compiled copy. V2 has no HTTPClient (lambdas use fetch; lp-client/lpClient.ts wraps fetch), so
// `Toolbelt.HTTPClient()` is the TypeError it is there.
// tests/fixtures/toolbelt/exports-v2.json lists the names with their source.

const common = require('./common.js');
const secrets = require('./secrets.js');
const context = require('./context.js');

// errors/errorCodes.ts (V2)
const ErrorCodes = {
  Platform: { Secret: { NoToken: 'com.liveperson.faas.handler.no-sa-token' } },
  Secret: {
    Invalid: 'com.liveperson.faas.secret.invalid-format',
    Failure: 'com.liveperson.faas.secret.op-failed',
    Timeout: 'com.liveperson.faas.secret.op-timed-out',
    NotFound: 'com.liveperson.faas.secret.not-found',
    AuthFailure: 'com.liveperson.faas.secret.auth-failed',
    SystemSecret: 'com.liveperson.faas.secret.forbidden',
  },
  Csds: {
    NotFound: 'com.liveperson.faas.csds.domain.not-found',
    Failure: 'com.liveperson.faas.csds.op-failed',
  },
  Mtls: {
    General: 'com.liveperson.faas.mtls.general-issue',
    Remote: 'com.liveperson.faas.mtls.remote-threw',
    Missing: 'com.liveperson.faas.mtls.missing-conf',
    Invalid: {
      Key: 'com.liveperson.faas.mtls.invalid-key',
      Cert: 'com.liveperson.faas.mtls.invalid-cert',
    },
    BadRequest: 'com.liveperson.faas.mtls.invalid-request',
    Creds: {
      Format: 'com.liveperson.faas.lp-mtls.credentials-wrong-format',
      Failure: 'com.liveperson.faas.lp-mtls.get-credentials-failure',
    },
    Timeout: 'com.liveperson.faas.mtls.request-timeout',
  },
  OAuth2: {
    General: 'com.liveperson.faas.oauth2.general-issue',
    UnexpectedResponse: 'com.liveperson.faas.oauth2.unexpected-response',
  },
  LpClient: {
    Creds: {
      Format: 'com.liveperson.faas.lp-client.credentials-wrong-format',
      Failure: 'com.liveperson.faas.lp-client.get-credentials-failure',
    },
  },
  ConversationUtil: {
    General: 'com.liveperson.faas.conversation-util-general',
    NotFound: 'com.liveperson.faas.conversation-util.conversation.not-found',
    UnexpectedResponse: 'com.liveperson.faas.conversation-util.unexpected-response',
    Timeout: 'com.liveperson.faas.conversation-util.timeout',
  },
  GDPRUtil: {
    General: 'com.liveperson.faas.gdpr-util-general',
    AuthFailure: 'com.liveperson.faas.gdpr-util.auth-failed',
    ReplaceFileFailed: 'com.liveperson.faas.gdpr-util.replace-file-failed',
  },
  SDEsUtil: {
    General: 'com.liveperson.faas.sdes-util-general',
    UnexpectedResponse: 'com.liveperson.faas.sdes-util.unexpected-response',
  },
  OrchestratorFN: {
    General: 'com.liveperson.faas.orchestrator-fn-general',
    Timeout: 'com.liveperson.faas.orchestrator-fn.invoke.timeout',
    Invocation: { StatusError: 'com.liveperson.faas.orchestrator-fn.invoke.status-code-error' },
    Creds: {
      Format: 'com.liveperson.faas.orchestrator-fn.credentials-wrong-format',
      Failure: 'com.liveperson.faas.orchestrator-fn.get-credentials-failure',
    },
  },
};

// errors/toolbeltError.ts: constructed with (component = 'General', code, message). The super call
// gets "component: message", then the TypeScript parameter properties set `component`, `code` and
// `message` itself, so err.message ends up the bare message.
class ToolBeltError extends Error {
  constructor(component, code, message) {
    const comp = component === undefined ? 'General' : component;
    super(`${comp}: ${message}`);
    this.component = comp;
    this.code = code;
    this.message = message;
  }
}

// conversation-util/types.ts
const ConversationContentTypes = Object.assign({}, common.CONVERSATION_CONTENT_TYPES);

// SDE-util/types.ts: V1's members plus ORDER_ID
const SDETypes = Object.assign({}, common.SDE_TYPES_V1, { ORDER_ID: 'orderId' });

// orchestrator-client/types.ts
const ErrorStrategy = Object.assign({}, common.ERROR_STRATEGY);

// lp-client/lpServices.ts (WellKnownLPServices, exported as LpServices)
const LpServices = {
  MSG_HIST: 'msgHist',
  AGENT_VEP: 'agentVep',
  ACCOUNT_CONFIG_READ_ONLY: 'accountConfigReadOnly',
  ACCOUNT_CONFIG_READ_WRITE: 'accountConfigReadWrite',
  ASYNC_MESSAGING: 'asyncMessaging',
  ASYNC_MESSAGING_EN: 'asyncMessagingEnt',
  ENG_HIST_DOMAIN: 'engHistDomain',
  RTBF: 'rtbf',
  AUDITLOG: 'auditLog',
  SMT: 'smt',
  PUSHER: 'pusher',
  LE_DATA_REPORTING: 'leDataReporting',
  MSG_EWT_API: 'msgEwtAPI',
  MSDKGW: 'msdkgw',
};

// secret-storage/: the SecretClient (readSecret(key, {useCache}), updateSecret({key, value}), no
// writeSecret), `globalSecretCache` and the per-invocation store live in secrets.js.

// Method lists: conversation-util/IConversationUtil.ts, SDE-util/ISDEUtil.ts, GDPR-util/IGDPRUtil.ts,
// mtls-client/IMTLSClient.ts and ILPMtlsClient.ts, orchestrator-client/IOrchestratorClient.ts,
// csds-client/ICsdsClient.ts, context-service-client/IFaaSContextServiceClient.ts.
const CONTEXT_METHODS = common.CONTEXT_METHODS;

exports.create = function create(options) {
  const store = options.secretStore;
  const globalSecretCache = secrets.createSecretCacheV2();
  const contextService = context.createContextService(options.fixtures);
  let csds = null;
  const clients = require('./clients.js').v2({ fixtures: options.fixtures || null, ToolBeltError, ErrorCodes });

  class Toolbelt {
    // SecretClient(options?: {cache: {ttl}}): a ttl sets the shared cache's default (secretClient.ts).
    static SecretClient(clientOptions) {
      return secrets.createSecretClientV2(store, globalSecretCache, ErrorCodes, ToolBeltError, clientOptions);
    }

    // lp-client/types.ts: ILpClient = (service, path, options) => Promise<Response>.
    // The clients that call LivePerson's services (or, MTLS, any host) answer from the fixtures
    // file's `toolbelt` entries (MTLSClient: its `http` entries); see clients.js for the sources.
    static LpClient() { return clients.LpClient(); }

    static GDPRUtil() { return clients.GDPRUtil(); }

    // Deprecated in V2 (index.ts); LivePerson's own V2 copy returns a stand-in object, the platform a
    // @jsforce/jsforce-node Connection. Still not emulated (issue 17): jsforce-node is not among the V2
    // platform modules we install (modules-v2/package.json), and a stand-in Connection would have to
    // copy jsforce's whole API; its requests would be plain HTTPS, which the HTTP fixtures answer once
    // the module is there.
    static SFClient() {
      return {
        connectToSalesforce() { throw common.notEmulated('Toolbelt.SFClient().connectToSalesforce()'); },
      };
    }

    static ConversationUtil() { return clients.ConversationUtil(); }

    // mtlsClient.ts checks the shape of cert/key/ca in its constructor (PEM; clients.js).
    static MTLSClient(clientTLS) { return clients.MTLSClient(clientTLS); }

    static OrchestratorClient() { return clients.OrchestratorClient(); }

    // ContextServiceClient(apiKey: string) in V2 (V1 took {accountId, apiKey}); index.ts checks it.
    // Then an in-memory Context Service (context.js).
    static ContextServiceClient(apiKey) {
      if (!apiKey) throw new Error('No valid API-key was provided');
      return context.createContextClient('v2', contextService);
    }

    static SDEUtil() { return clients.SDEUtil(); }

    // One shared instance, as index.ts's lazyInitCsdsClient gives.
    static CsdsClient() {
      if (!csds) csds = clients.CsdsClient();
      return csds;
    }

    static LPMtlsClient() { return clients.LPMtlsClient(); }
  }

  const mod = {
    ErrorCodes, ToolBeltError, ConversationContentTypes, SDETypes, ErrorStrategy, LpServices,
    globalSecretCache, Toolbelt,
  };
  Object.defineProperty(mod, '__esModule', { value: true });
  return mod;
};
