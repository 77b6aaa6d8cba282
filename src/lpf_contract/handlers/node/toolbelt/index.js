'use strict';
// The emulated toolbelts a lambda may require, one per runtime:
// - V1 lambdas: `lp-faas-toolbelt` only. LivePerson's V1 runner maps only that name (faas-cli
//   legacy/v1.31.3 bin/example/bin/rewire.js; docs: "lp-faas-toolbelt Node.js module").
// - V2 lambdas: `core-functions-toolbelt` only (faas-cli master bin/example/bin/rewire.js maps only it;
//   bin/example/vscode/faas-snippets.code-snippets imports only it).
// Requiring the other runtime's toolbelt is "Cannot find module" there; the runner says so.

const common = require('./common.js');

// The toolbelt module each runtime's lambdas require (core/platform.json, with LivePerson's sources).
const RUNTIMES = require('../platform.js').runtimes;
const TOOLBELT_OF_RUNTIME = Object.fromEntries(Object.keys(RUNTIMES).map((rt) => [rt, RUNTIMES[rt].toolbelt]));
const FACTORIES = {
  'lp-faas-toolbelt': require('./v1.js').create,
  'core-functions-toolbelt': require('./v2.js').create,
};

/** A toolbelt loader for one worker: load(name) builds each module once. */
function create(options) {
  const shared = {
    allowDomains: (options && options.allowDomains) || [],
    platformRequire: options && options.platformRequire,
    secretStore: common.createSecretStore((options && options.secretsFile) || null),
    // The normalized fixtures document of the load message (issue 17), or null.
    fixtures: (options && options.fixtures) || null,
  };
  const built = {};
  return {
    load(name) {
      if (!built[name]) built[name] = FACTORIES[name](shared);
      return built[name];
    },
  };
}

/** The error Node gives a lambda that requires the other runtime's toolbelt, or null when allowed. */
function wrongRuntimeError(name, runtime) {
  const own = TOOLBELT_OF_RUNTIME[runtime];
  if (!own || own === name) return null;
  const err = new Error(`module ${name} is not available on LivePerson Functions ${runtime.toUpperCase()} (its toolbelt is ${own})`);
  err.code = 'MODULE_NOT_FOUND';
  return err;
}

module.exports = { create, wrongRuntimeError, domainAllowed: common.domainAllowed, TOOLBELT_OF_RUNTIME };
