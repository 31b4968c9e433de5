// Installs the packed tarball into a fresh project from the npm registry, with the package
// manager a user has: npm, pnpm (default, or hoist=false: a package sees only what it
// declares) or Yarn 1, next to Jest 29 or 30 installed the way the README says. pnpm and
// Yarn come through npx (from the registry, cached by npm). Any failure, fetching a manager
// included, throws with the manager's output: these tests fail loudly, they never skip.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { JestVersion } from './run-jest';

export type Manager = 'npm' | 'pnpm' | 'pnpm hoist=false' | 'yarn 1';
export const MANAGERS: readonly Manager[] = ['npm', 'pnpm', 'pnpm hoist=false', 'yarn 1'];

const PNPM = 'pnpm@10';
const YARN = 'yarn@1';
const INSTALL_TIMEOUT_MS = 240_000;

/** The README's install line for this Jest, and what a TypeScript user of it adds. */
export function dependencies(jest: JestVersion): string[] {
  return [`jest@${jest}`, `jest-environment-node@${jest}`, `jest-environment-jsdom@${jest}`, 'typescript@5.9', '@types/node@20'];
}

/** The environment for a package manager: none of the npm_* variables `npm test` sets for us. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

function run(command: string, args: readonly string[], cwd: string): void {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS, env: cleanEnv() });
  if (child.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${String(child.status)}, ${String(child.error ?? child.signal ?? '')}):\n${child.stderr}\n${child.stdout}`);
  }
}

/**
 * A copy of the tarball named after its content: Yarn 1 caches a file: dependency by name
 * and version, and would install yesterday's build of 0.1.0 from its cache.
 */
function uniqueTarball(tarball: string, dir: string): string {
  const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 12);
  const copy = path.join(dir, `jest-environment-leakcheck-${hash}.tgz`);
  copyFileSync(tarball, copy);
  return copy;
}

/** A fresh project with the tarball and `dependencies(jest)` installed by `manager`; returns its directory. */
export function installFromRegistry(manager: Manager, jest: JestVersion, tarball: string): string {
  const project = mkdtempSync(path.join(tmpdir(), `leakcheck-${manager.replace(/\W+/g, '-')}-${jest}-`));
  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`);
  const local = uniqueTarball(tarball, project);
  const packages = dependencies(jest);
  switch (manager) {
    case 'npm':
      run('npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', local, ...packages], project);
      break;
    case 'pnpm':
    case 'pnpm hoist=false':
      if (manager === 'pnpm hoist=false') writeFileSync(path.join(project, '.npmrc'), 'hoist=false\n');
      run('npx', ['--yes', PNPM, 'add', '--save-dev', '--prefer-offline', local, ...packages], project);
      break;
    case 'yarn 1':
      run('npx', ['--yes', YARN, 'add', '--dev', '--prefer-offline', '--non-interactive', `file:${local}`, ...packages], project);
      break;
  }
  return project;
}
