// @ts-check
// Bundles the public type declarations: from tsc's per-module declarations (.types/), one file
// per entry point in build/types/ (with shared chunks), holding only what the entries export.
// Internal modules are inlined and dropped; the Jest types they name come from
// types/jest-shims.d.ts; the only imports left are the peers a consumer has. Any other is a
// build error: a consumer under pnpm without hoisting could not resolve it.
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { rollup } = require('rollup');
const { dts } = require('rollup-plugin-dts');
const { ENTRIES } = require('./entries');

const ROOT = path.resolve(__dirname, '..');
const DECLARATIONS = path.join(ROOT, '.types');
const OUT = path.join(ROOT, 'build/types');
const SHIMS = path.join(ROOT, 'types/jest-shims.d.ts');
const SHIMMED = new Set(['@jest/environment', '@jest/types', '@jest/test-result']);
/** Imports the published declarations may keep: the environments' peers. */
const PEERS = new Set(['jest-environment-node', 'jest-environment-jsdom', '@happy-dom/jest-environment']);

/**
 * The declaration file rollup starts an entry from. For a module.exports entry, only the
 * module's default (the rest of that module is not reachable from it); the `export =` file
 * that a consumer reads is written next to the bundle, see exportAssignment.
 * @param {import('./entries').Entry} entry
 */
function inputOf(entry) {
  const source = path.join(DECLARATIONS, `${entry.source}.d.ts`);
  if (entry.shape !== 'export-assignment') return source;
  const input = path.join(DECLARATIONS, '.entries', `${entry.name}.d.ts`);
  mkdirSync(path.dirname(input), { recursive: true });
  writeFileSync(input, `export { default } from '${path.relative(path.dirname(input), source).replace(/\.d\.ts$/, '')}';\n`);
  return input;
}

/** build/types/<name>.d.ts for a module.exports entry: the bundled default as `export =`. */
function exportAssignment(/** @type {import('./entries').Entry} */ entry) {
  const text = [
    `// require('jest-environment-leakcheck${entry.subpath.slice(1)}') is this value itself (module.exports).`,
    `import value from './${assignedName(entry)}.js';`,
    'export = value;',
    '',
  ].join('\n');
  writeFileSync(path.join(OUT, `${entry.name}.d.ts`), text);
}

const assignedName = (/** @type {import('./entries').Entry} */ entry) => `${entry.name}-value`;

async function main() {
  const bundle = await rollup({
    input: Object.fromEntries(ENTRIES.map((entry) => [entry.shape === 'export-assignment' ? assignedName(entry) : entry.name, inputOf(entry)])),
    plugins: [
      {
        name: 'jest-shims',
        resolveId(source) {
          return SHIMMED.has(source) ? SHIMS : null;
        },
      },
      dts({ respectExternal: false }),
    ],
    // Checked before resolveId: what is shimmed must be resolved (inlined), not kept.
    external: (id) => !(id.startsWith('.') || path.isAbsolute(id) || SHIMMED.has(id)),
    onwarn(warning, warn) {
      // An unused import the bundler drops is not a problem. Nor is the shims' Circus being
      // unnamed from outside: only handleTestEvent's parameters use it, and a subclass writes
      // its own (see types/jest-shims.d.ts). Everything else is.
      if (warning.code === 'UNUSED_EXTERNAL_IMPORT') return;
      if (/private shared type exports with no public re-export: Circus\. /.test(warning.message)) return;
      warn(warning);
    },
  });
  const { output } = await bundle.write({
    dir: OUT,
    format: 'es',
    entryFileNames: '[name].d.ts',
    // Declarations shared by several entries (tsc's module name, without its `.d`).
    chunkFileNames: (chunk) => `shared/${chunk.name.replace(/\.d$/, '')}.d.ts`,
  });
  await bundle.close();
  for (const entry of ENTRIES) if (entry.shape === 'export-assignment') exportAssignment(entry);
  const files = new Set(output.map((chunk) => chunk.fileName));
  const imported = new Set(output.flatMap((chunk) => (chunk.type === 'chunk' ? chunk.imports : [])).filter((id) => !files.has(id)));
  const unexpected = [...imported].filter((id) => !PEERS.has(id) && !id.startsWith('node:'));
  if (unexpected.length > 0) {
    throw new Error(
      `The public declarations import ${unexpected.map((id) => `'${id}'`).join(', ')}, which a consumer may not be able to resolve. ` +
        'Derive the type from a peer or describe it in types/jest-shims.d.ts (and resolve that package there in scripts/build-types.js).',
    );
  }
}

main().catch((error) => {
  process.stderr.write(`build-types: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
