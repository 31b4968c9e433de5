// @ts-check
// The package's public entry points: one table for the build (scripts/build-entries.js,
// scripts/build-types.js) and the tests (test/package-entries.test.ts). A new entry point is
// a row here and the same subpath in package.json "exports" (the build checks they agree).
'use strict';

/**
 * @typedef {object} Entry
 * @property {string} subpath The "exports" key: '.', './jsdom', ...
 * @property {string} name The entry's file name in build/ and build/types/ ('index', 'jsdom', ...).
 * @property {string} source The compiled module under build/ that implements it, without extension.
 * @property {'esm-wrapper' | 'cjs' | 'export-assignment'} shape How ESM and CommonJS consumers get it:
 *   'esm-wrapper': CommonJS with __esModule and named exports, and for `import` an ESM wrapper
 *     (build/<name>.mjs) re-exporting the same objects, its default the class (Node gives an
 *     ESM importer module.exports as the default, not exports.default);
 *   'cjs': CommonJS with named exports only, which Node's ESM loader detects as is;
 *   'export-assignment': module.exports is the one value (build/<name>.js), typed with `export =`.
 */

/** @type {readonly Entry[]} */
const ENTRIES = [
  { subpath: '.', name: 'index', source: 'index', shape: 'esm-wrapper' },
  { subpath: './jsdom', name: 'jsdom', source: 'jest/jsdom', shape: 'esm-wrapper' },
  { subpath: './happy-dom', name: 'happy-dom', source: 'jest/happy-dom', shape: 'esm-wrapper' },
  { subpath: './globals', name: 'globals', source: 'api/globals', shape: 'cjs' },
  { subpath: './reporter', name: 'reporter', source: 'report/reporter', shape: 'export-assignment' },
];

/** The CommonJS file of an entry, relative to the package root. */
function cjsFile(/** @type {Entry} */ entry) {
  return entry.shape === 'export-assignment' ? `build/${entry.name}.js` : `build/${entry.source}.js`;
}

/**
 * The "exports" value an entry must have. `import` first: Jest resolves with the `require`
 * condition and loads the CommonJS file, as does any require().
 * @param {Entry} entry
 */
function exportsValue(entry) {
  const cjs = { types: `./build/types/${entry.name}.d.ts`, default: `./${cjsFile(entry)}` };
  if (entry.shape !== 'esm-wrapper') return cjs;
  return { import: { types: `./build/types/${entry.name}.d.mts`, default: `./build/${entry.name}.mjs` }, default: cjs };
}

/**
 * The folder that serves a subpath to resolvers that ignore "exports" (TypeScript's node10,
 * old bundlers): <name>/package.json pointing into build/. None for '.'.
 * @param {Entry} entry
 */
function legacyStub(entry) {
  if (entry.subpath === '.') return undefined;
  return {
    dir: entry.subpath.slice(2),
    manifest: { main: `../${cjsFile(entry)}`, types: `../build/types/${entry.name}.d.ts` },
  };
}

module.exports = { ENTRIES, cjsFile, exportsValue, legacyStub };
