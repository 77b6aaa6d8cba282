'use strict';
// The fixtures file's CONTAINS rule (issue 17 design, "The fixtures file"), in one place for the HTTP
// fixtures (a JSON request `body`, http_fixtures.js) and the toolbelt fixtures (each of `args`,
// toolbelt/clients.js): an expected object matches an actual object holding at least its keys, each
// matching recursively; arrays and scalars must be equal (arrays: same length, elements deep-equal).

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Structural equality of JSON-like values (objects: same own keys; arrays: same length and order). */
function deepEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Does `actual` CONTAIN `expected` (objects: a subset, recursively; arrays and scalars: equal)? */
function contains(actual, expected) {
  if (isObject(expected)) {
    return isObject(actual) && Object.keys(expected).every((k) => Object.prototype.hasOwnProperty.call(actual, k) && contains(actual[k], expected[k]));
  }
  return deepEqual(actual, expected);
}

module.exports = { contains, deepEqual };
