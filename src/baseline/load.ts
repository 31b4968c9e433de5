// Reading the baseline file for a test file's environment. Every test file of a worker
// reads the same file: it is parsed once per worker and read again only when it changed.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { onceInRun } from '../config/validate';
import { BaselineError, EMPTY_BASELINE, parseBaseline, type Baseline, type FileEntries } from './format';

/**
 * Set by `npx leakcheck baseline` for the Jest run it starts ('write' or 'prune'): the
 * baseline is being made, so a missing file is an empty one and strictBaseline does not apply.
 */
export const BASELINE_RUN_ENV = 'JEST_LEAKCHECK_BASELINE_RUN';

export type BaselineRun = 'write' | 'prune';

export function baselineRun(env: NodeJS.ProcessEnv = process.env): BaselineRun | undefined {
  const value = env[BASELINE_RUN_ENV];
  return value === 'write' || value === 'prune' ? value : undefined;
}

/** What one test file's environment knows of the baseline. */
export interface FileBaseline {
  /** The baseline file, absolute. */
  readonly path: string;
  /** The test file's key in it: relative to the baseline's folder, with `/`. */
  readonly key: string;
  readonly entries: FileEntries;
}

/** The key a test file has in a baseline file. */
export function baselineKey(baselinePath: string, testPath: string): string {
  return path.relative(path.dirname(baselinePath), testPath).split(path.sep).join('/');
}

const cache = new Map<string, { readonly mtimeMs: number; readonly size: number; readonly baseline: Baseline }>();

function read(file: string, shown: string): Baseline {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    if (baselineRun() !== undefined) return EMPTY_BASELINE;
    throw new BaselineError(
      `The baseline file ${shown} (testEnvironmentOptions.leakcheck.baseline) does not exist. Create it from the leaks the suite has now with: npx leakcheck baseline`,
    );
  }
  const cached = cache.get(file);
  if (cached !== undefined && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.baseline;
  const baseline = parseBaseline(readFileSync(file, 'utf8'), shown);
  cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, baseline });
  return baseline;
}

/**
 * The baseline's entries for a test file (`option` as written, relative to rootDir). Throws
 * a jest-validate style error when the file is missing (outside a baseline run) or malformed:
 * the test file fails before any test runs, as with any bad option.
 */
export function loadFileBaseline(option: string, rootDir: string, testPath: string): FileBaseline {
  const file = path.resolve(rootDir, option);
  const shown = path.relative(process.cwd(), file) || file;
  try {
    const key = baselineKey(file, testPath);
    return { path: file, key, entries: read(file, shown).leaks[key] ?? {} };
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    throw onceInRun('jest-environment-leakcheck cannot use its baseline of known leaks', [`  ${error.message}`]);
  }
}
