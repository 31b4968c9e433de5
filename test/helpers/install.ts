// Installs the package as a user gets it: `npm pack` (of the existing build), the tarball
// extracted into a fresh project's node_modules, and every other dependency linked from the
// repo's own node_modules — the tree a Jest 30 or a Jest 29 user would have. No network.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROOT, type JestVersion } from './run-jest';

const NAME = 'jest-environment-leakcheck';
const REPO_MODULES = path.join(ROOT, 'node_modules');
// The repo installs Jest 29 and its jsdom environment under aliases; a user has neither.
const ALIASES = new Set(['jest29', 'jest-environment-jsdom29']);

export interface Packed {
  /** The tarball's path. */
  readonly tarball: string;
  /** Every path in the tarball, relative to the package root. */
  readonly files: readonly string[];
}

function run(command: string, args: readonly string[], cwd: string): string {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (child.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${String(child.status)}):\n${child.stderr}\n${child.stdout}`);
  }
  return child.stdout;
}

/** `npm pack` of the repo into `destination`; scripts are skipped since build/ exists. */
export function packPackage(destination: string): Packed {
  const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], ROOT);
  const [result] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: path.join(destination, result.filename), files: result.files.map((f) => f.path) };
}

/** name → directory of every package directly under a node_modules directory. */
function packagesIn(modules: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(modules)) return found;
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path.join(modules, entry))) found.set(`${entry}/${scoped}`, path.join(modules, entry, scoped));
    } else {
      found.set(entry, path.join(modules, entry));
    }
  }
  return found;
}

/** What a user of this Jest version has in node_modules, besides this package. */
function dependencyTree(jest: JestVersion): Map<string, string> {
  const tree = packagesIn(REPO_MODULES);
  for (const alias of ALIASES) tree.delete(alias);
  tree.delete(NAME);
  if (jest === 29) {
    // Jest 29's own packages (jest-environment-node@29, jest-message-util@29, ...) win,
    // as they would be hoisted in a Jest 29 project.
    const jest29 = path.join(REPO_MODULES, 'jest29');
    for (const [name, dir] of packagesIn(path.join(jest29, 'node_modules'))) tree.set(name, dir);
    tree.set('jest', jest29);
    tree.set('jest-environment-jsdom', path.join(REPO_MODULES, 'jest-environment-jsdom29'));
  }
  return tree;
}

/**
 * A fresh project in a temporary directory with the tarball installed at
 * node_modules/jest-environment-leakcheck; returns the project's directory.
 */
export function installProject(packed: Packed, jest: JestVersion): string {
  const project = mkdtempSync(path.join(tmpdir(), `leakcheck-install-${jest}-`));
  const modules = path.join(project, 'node_modules');
  mkdirSync(modules);
  run('tar', ['-xzf', packed.tarball, '-C', project], project);
  renameSync(path.join(project, 'package'), path.join(modules, NAME));
  for (const [name, dir] of dependencyTree(jest)) {
    const link = path.join(modules, name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(dir, link, 'dir');
  }
  return project;
}

/** The tarball of a test file, packed once before its tests; it and every project listed are removed after them. */
export interface PackedForTests {
  readonly packed: Packed;
  /** Directories made from the tarball, removed after the file's tests. */
  readonly projects: string[];
}

/** Registers beforeAll/afterAll hooks that pack the package once for the calling test file. */
export function packForTests(): PackedForTests {
  let packDir = '';
  let packed: Packed | undefined;
  const projects: string[] = [];
  beforeAll(() => {
    packDir = mkdtempSync(path.join(tmpdir(), 'leakcheck-pack-'));
    packed = packPackage(packDir);
  });
  afterAll(() => {
    for (const dir of [packDir, ...projects]) if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get packed(): Packed {
      if (packed === undefined) throw new Error('packForTests(): the tarball is packed in beforeAll; read it in a test or hook');
      return packed;
    },
    projects,
  };
}
