// The package's own manifest, read the way the packaging tests iterate it: every subpath of
// "exports", so a new entry point is checked as soon as it is declared.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './run-jest';

export interface Manifest {
  readonly name: string;
  readonly exports: Readonly<Record<string, unknown>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { optional?: boolean }>>;
}

export const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** The entry points: "exports" subpaths other than ./package.json ('.', './jsdom', ...). */
export const SUBPATHS: readonly string[] = Object.keys(MANIFEST.exports).filter((subpath) => subpath !== './package.json');

/** What a consumer writes to import a subpath. */
export const specifierOf = (subpath: string): string => `${MANIFEST.name}${subpath.slice(1)}`;

/** Packages the published declarations may import: the peers, whose types the consumer has. */
export const PEERS: ReadonlySet<string> = new Set(Object.keys(MANIFEST.peerDependencies).filter((name) => name !== 'jest'));

/** The bare package names a declaration file imports or references (relative ones left out). */
export function importedPackages(declarations: string): string[] {
  const references = [...declarations.matchAll(/\/\/\/\s*<reference\s+types=['"]([^'"]+)['"]/g)].map((match) => match[1]);
  const code = declarations.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers = [
    ...references,
    ...[...code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g), ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]),
  ];
  return [...new Set(specifiers.filter((s) => !s.startsWith('.')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0])))];
}
