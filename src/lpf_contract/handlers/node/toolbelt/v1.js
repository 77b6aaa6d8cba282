'use strict';
// Emulation of `lp-faas-toolbelt`, the V1 toolbelt: the same exported names and shapes as LivePerson's
// module, so `const { Toolbelt, LpServices } = require('lp-faas-toolbelt')` works as on the platform and
// `const Toolbelt = require('lp-faas-toolbelt'); Toolbelt.HTTPClient()` fails as there (TypeError).
// Sources: faas-cli branch legacy/v1.31.3 src/shared/lp-faas-toolbelt/index.ts (compiled in
// liveperson-functions-cli@1.31.13 bin/example/bin/lp-faas-toolbelt/lp-faas-toolbelt/index.js) and the
// developer-center toolbelt page (V1), which documents three more factories the CLI's copy lacks:
// MTLSClient, OrchestratorClient (current page) and SMTPClient (older revision of the page).
// tests/fixtures/toolbelt/exports-v1.json lists all of it with its source.

const common = require('./common.js');
const secrets = require('./secrets.js');
const context = require('./context.js');

// errors/errorCodes.ts (V1)
const ErrorCodes = {
  Platform: { Secret: { NoToken: 'com.liveperson.faas.handler.no-sa-token' } },
  Secret: {
    Invalid: 'com.liveperson.faas.secret.invalid-format',
    Failure: 'com.liveperson.faas.secret.op-failed',
    NotFound: 'com.liveperson.faas.secret.not-found',
    AuthFailure: 'com.liveperson.faas.secret.auth-failed',
  },
  Csds: {
    NotFound: 'com.liveperson.faas.csds.domain.not-found',
    Failure: 'com.liveperson.faas.csds.op-failed',
  },
};

// errors/secretError.ts: an Error with a `code`; its name stays "Error" as in the compiled class.
class SecretError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// lp-client/LpServices.ts (V1 spells AUDITLOG 'auditlog'; V2 'auditLog')
const LpServices = {
  MSG_HIST: 'msgHist',
  AGENT_VEP: 'agentVep',
  ACCOUNT_CONFIG_READ_ONLY: 'accountConfigReadOnly',
  ACCOUNT_CONFIG_READ_WRITE: 'accountConfigReadWrite',
  ASYNC_MESSAGING: 'asyncMessaging',
  ASYNC_MESSAGING_EN: 'asyncMessagingEnt',
  ENG_HIST_DOMAIN: 'engHistDomain',
  RTBF: 'rtbf',
  AUDITLOG: 'auditlog',
  SMT: 'smt',
  PUSHER: 'pusher',
  LE_DATA_REPORTING: 'leDataReporting',
  MSG_EWT_API: 'msgEwtAPI',
  MSDKGW: 'msdkgw',
};

// conversation-util/ConversationContentTypes.ts
const ConversationContentTypes = Object.assign({}, common.CONVERSATION_CONTENT_TYPES);

// SDE-util/SDETypes.ts
const SDETypes = Object.assign({}, common.SDE_TYPES_V1);

// The V1 docs import it (`const { Toolbelt, ErrorStrategy } = require("lp-faas-toolbelt")`, toolbelt
// page, Orchestrator Client) without giving values; the values are V2's
// (core-functions-toolbelt/orchestrator-client/types.ts). Decided here.
const ErrorStrategy = Object.assign({}, common.ERROR_STRATEGY);

// secret-storage/IsecretClient.ts: readSecret(key) -> {key, value}; updateSecret({key, value}) -> the
// entry; SecretError with ErrorCodes.Secret.* codes. The client and its per-invocation store: secrets.js.
// Method lists: conversation-util/IConversationUtil.ts, SDE-util/ISDEUtil.ts, GDPR/IGDPRUtil.ts,
// context-service-client/IFaaSContextServiceClient.ts (V1); docs for SMTP (verify, send), MTLS (as
// V2's IMTLSClient) and the orchestrator (invoke).
const CONTEXT_METHODS = common.CONTEXT_METHODS;

exports.create = function create(options) {
  const allowDomains = options.allowDomains;
  const store = options.secretStore;
  const contextService = context.createContextService(options.fixtures);
  const httpClient = common.createHttpClient(allowDomains);
  const clients = require('./clients.js').v1({ fixtures: options.fixtures || null });

  class Toolbelt {
    static SFClient() {
      // The platform hands out jsforce's own Connection, wired to its proxy (crm-clients/salesforce.ts);
      // here it is jsforce's Connection as is, held to the allow-list by the runner's socket guard.
      return {
        connectToSalesforce(params) {
          const jsforce = options.platformRequire('jsforce');
          return new jsforce.Connection(params);
        },
      };
    }

    static HTTPClient() { return httpClient; }

    static SecretClient() { return secrets.createSecretClientV1(store, ErrorCodes, SecretError); }

    // The clients that call LivePerson's services (or, MTLS, any host) answer from the fixtures
    // file's `toolbelt` entries (MTLS: its `http` entries); see clients.js for the sources.
    static SMTPClient(config) { return clients.SMTPClient(config); }

    static ConversationUtil() { return clients.ConversationUtil(); }

    static SDEUtil() { return clients.SDEUtil(); }

    static GDPRUtil() { return clients.GDPRUtil(); }

    // lp-client/LpClient.ts: a function (service, path, options) -> Promise.
    static LpClient() { return clients.LpClient(); }

    static MTLSClient(tls) { return clients.MTLSClient(tls); }

    static OrchestratorClient() { return clients.OrchestratorClient(); }

    // index.ts checks its config before anything else; then an in-memory Context Service (context.js).
    static ContextServiceClient(config) {
      if (!config) throw new Error('No valid configuration was provided');
      if (!config.apiKey) throw new Error('No valid API-key was provided');
      if (!config.accountId) throw new Error('No valid accountId was provided');
      return context.createContextClient('v1', contextService);
    }
  }

  const mod = {
    ErrorCodes, SecretError, LpServices, ConversationContentTypes, SDETypes, ErrorStrategy, Toolbelt,
  };
  // TypeScript's CommonJS output marks the module (compiled index.js).
  Object.defineProperty(mod, '__esModule', { value: true });
  return mod;
};
