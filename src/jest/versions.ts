// A Jest environment from another Jest major than the one running it breaks in ways that
// look unrelated (fake timers, globals, module loading): npm hoists jest-environment-node@30
// next to jest@29 when only the peer range allows both. Told once per worker, on the test
// file's console; finding out never fails a run.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { warnWithoutStack } from './console';

/** Jest's environments, recognised in a base class's prototype chain. */
const ENVIRONMENT_MODULE = /^(.*[\\/]node_modules[\\/](jest-environment-(?:node|jsdom)))[\\/]build[\\/]index\.js$/;
/** Loaded in every worker (and in band) before an environment is constructed. */
const RUNNER_MODULE = /^(.*[\\/]node_modules[\\/]jest-runner)[\\/]build[\\/]/;

interface Package {
  readonly name: string;
  readonly version: string;
}

let warned = false;
/**
 * Bases already checked in this worker: the answer cannot change while it runs, and finding
 * it (every loaded module's path, two package.json files) cost about a millisecond per
 * test file.
 */
const checked = new WeakSet<object>();

function packageAt(dir: string): Package | undefined {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
  return typeof manifest.name === 'string' && typeof manifest.version === 'string' ? { name: manifest.name, version: manifest.version } : undefined;
}

const major = (version: string): string => version.split('.', 1)[0];

/** The running Jest's version, from the jest-runner that loaded this environment. */
function runningJest(cache: NodeJS.Dict<NodeModule>): Package | undefined {
  for (const file of Object.keys(cache)) {
    const match = RUNNER_MODULE.exec(file);
    if (match) return packageAt(match[1]);
  }
  return undefined;
}

/** The Jest environment package `Base` is built on (it, or a class it extends), if it is one of Jest's. */
function basePackage(Base: object, cache: NodeJS.Dict<NodeModule>): Package | undefined {
  const chain = new Set<unknown>();
  for (let c: unknown = Base; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.add(c);
  for (const [file, module] of Object.entries(cache)) {
    const match = ENVIRONMENT_MODULE.exec(file);
    if (!match || module === undefined) continue;
    const exports = module.exports as { default?: unknown; TestEnvironment?: unknown } | undefined;
    if (chain.has(exports?.default) || chain.has(exports?.TestEnvironment)) return packageAt(match[1]);
  }
  return undefined;
}

/** The warning for `Base` under the running Jest, or undefined when the majors agree or either is unknown. */
export function versionMismatch(Base: object, cache: NodeJS.Dict<NodeModule> = require.cache): string | undefined {
  const jest = runningJest(cache);
  const base = basePackage(Base, cache);
  if (jest === undefined || base === undefined || major(jest.version) === major(base.version)) return undefined;
  return (
    `jest-environment-leakcheck: this test environment is built on ${base.name} ${base.version}, but the running Jest is ${jest.version}. ` +
    `An environment of another Jest major can fail in ways that look unrelated (fake timers, globals, module loading). ` +
    `Install the one of your Jest's major next to it: npm install --save-dev ${base.name}@${major(jest.version)}`
  );
}

/** Warns once per worker when `Base`'s Jest environment and the running Jest differ in major version. */
export function warnOnVersionMismatch(Base: object, console: Pick<Console, 'warn'>): void {
  if (warned || checked.has(Base)) return;
  checked.add(Base);
  try {
    const message = versionMismatch(Base);
    if (message === undefined) return;
    warned = true;
    warnWithoutStack(console, message);
  } catch {
    // A package.json that cannot be read: no warning, nothing else changes.
  }
}
