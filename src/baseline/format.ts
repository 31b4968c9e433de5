// The baseline file: the leaks a suite already has, counted per test file → test → kind.
// Counts, not lines, so that editing code does not churn it; sorted keys and fixed
// indentation, so the same leaks give the same text and a change reviews as a small diff.
//
//   {
//     "version": 1,
//     "leaks": {
//       "test/api.test.js": {
//         "(outside any test)": { "socket": 1 },
//         "users › creates a user": { "promise": 2, "timer": 1 }
//       }
//     }
//   }
//
// Test files are relative to the baseline file's own folder (with `/`), wherever Jest runs.
import { isPlainObject } from '../config/validate';
import { isKind, type Kind } from '../track/kinds';

/** The key for a file's own leaks (module scope, beforeAll, afterAll): no test has this name. */
export const FILE_SCOPE = '(outside any test)';

/** Known leaked resources by kind (only kinds with a count). */
export type Counts = Partial<Record<Kind, number>>;

/** test name (or FILE_SCOPE) → counts. */
export type FileEntries = Record<string, Counts>;

export interface Baseline {
  readonly version: 1;
  /** test file (relative to the baseline's folder) → its entries. */
  readonly leaks: Record<string, FileEntries>;
}

export const EMPTY_BASELINE: Baseline = { version: 1, leaks: {} };

/** A baseline that cannot be read; the message names the file, the line and what was expected. */
export class BaselineError extends Error {
  override name = 'BaselineError';
}

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line where the value at `keys` (object keys from the top) is written: each key is
 * looked for after the previous one, which finds it in a file this module wrote and in any
 * other whose keys are not repeated inside earlier values.
 */
export function lineOf(text: string, keys: readonly string[]): number {
  let at = 0;
  for (const key of keys) {
    const pattern = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'g');
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (found === null) break;
    at = found.index;
  }
  return lineAt(text, at);
}

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * Parses a baseline file's text. `where` names the file in errors. Throws a BaselineError
 * naming the line and what was expected there.
 */
export function parseBaseline(text: string, where: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const line = position === null ? '' : `:${lineAt(text, Number(position[1]))}`;
    throw new BaselineError(`${where}${line}: not valid JSON (${message}).`);
  }
  const fail = (keys: readonly string[], expected: string, value: unknown): never => {
    throw new BaselineError(`${where}:${lineOf(text, keys)}: expected ${expected}, found ${describeValue(value)}.`);
  };
  if (!isPlainObject(raw)) return fail([], 'an object with "version": 1 and "leaks"', raw);
  if (raw.version !== 1) return fail(['version'], '"version": 1 (a baseline written by `npx leakcheck baseline`)', raw.version);
  for (const key of Object.keys(raw)) {
    if (key !== 'version' && key !== 'leaks') fail([key], 'only the keys "version" and "leaks"', key);
  }
  if (!isPlainObject(raw.leaks)) return fail(['leaks'], 'an object of test files', raw.leaks);
  const leaks: Record<string, FileEntries> = {};
  for (const [file, tests] of Object.entries(raw.leaks)) {
    if (!isPlainObject(tests)) return fail(['leaks', file], `an object of test names (or "${FILE_SCOPE}") for test file "${file}"`, tests);
    const entries: FileEntries = {};
    for (const [test, kinds] of Object.entries(tests)) {
      if (!isPlainObject(kinds)) return fail(['leaks', file, test], `an object of kinds and counts, e.g. { "timer": 1 }, for test "${test}"`, kinds);
      const counts: Counts = {};
      for (const [kind, count] of Object.entries(kinds)) {
        if (!isKind(kind)) return fail(['leaks', file, test, kind], `a kind of leaked resource (such as "timer" or "promise")`, kind);
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
          return fail(['leaks', file, test, kind], `a whole number of ${kind} leaks, 1 or more`, count);
        }
        counts[kind] = count;
      }
      entries[test] = counts;
    }
    leaks[file] = entries;
  }
  return { version: 1, leaks };
}

function sortedObject<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The same baseline with sorted keys at every level and empty entries dropped: what its file holds. */
export function normalizeBaseline(baseline: Baseline): Baseline {
  const leaks = sortedObject(
    Object.entries(baseline.leaks)
      .map(([file, tests]): [string, FileEntries] => [
        file,
        sortedObject(
          Object.entries(tests)
            .map(([test, counts]): [string, Counts] => [test, sortedObject(Object.entries(counts).filter(([, n]) => n !== undefined && n > 0))])
            .filter(([, counts]) => Object.keys(counts).length > 0),
        ),
      ])
      .filter(([, tests]) => Object.keys(tests).length > 0),
  );
  return { version: 1, leaks };
}

/** The baseline's text: normalized (see normalizeBaseline), two-space indentation, a final newline. */
export function formatBaseline(baseline: Baseline): string {
  return `${JSON.stringify(normalizeBaseline(baseline), null, 2)}\n`;
}

/** Sum of counts. */
export function total(counts: Counts): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}
