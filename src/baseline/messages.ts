// What the baseline adds to the output: a line per test whose leaks are all known, a note on
// a failure that goes beyond what the baseline knows, and the stale entries with the command
// that prunes them.
import chalk from 'chalk';
import { readFileSync } from 'node:fs';
import { FILE_SCOPE, lineOf } from './format';
import type { Kind } from '../track/kinds';
import { countsByKind, kindList, plural, type LeakRecord, type Scope } from '../report/report';
import type { StaleEntry } from './allowance';

/** The command that removes stale entries. */
export const PRUNE_COMMAND = 'npx leakcheck baseline --prune';

/** One line for the known leaks of a test (or file): they are in the baseline and fail nothing. */
export function knownLeaksLine(known: readonly LeakRecord[], where: string, scope: Scope): string {
  const counts = countsByKind(known);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const whose = scope === 'test' ? `"${where}"` : 'outside any test';
  return `${chalk.bold('leakcheck (baseline):')} ${whose}: ${plural(total, 'known leak')} (${kindList(counts)}), listed in the baseline; not failing.`;
}

/**
 * The note on a failure whose kinds the baseline knew some of: how many it knew, how many
 * there are now. Undefined when it knew none of them.
 */
export function beyondBaseline(failing: readonly LeakRecord[], known: (kind: Kind) => number, scope: Scope): string | undefined {
  const notes: string[] = [];
  for (const [kind, beyond] of countsByKind(failing)) {
    const k = known(kind);
    if (k > 0) notes.push(`${plural(k, `${kind} leak`)} known, ${k + beyond} now`);
  }
  return notes.length === 0 ? undefined : `The baseline of known leaks covers fewer than ${scope === 'test' ? 'this test has' : 'this file has outside its tests'} (${notes.join('; ')}): only the leaks beyond its count fail.`;
}

function entryName(entry: StaleEntry): string {
  return `${entry.testFile} › ${entry.testName ?? '(outside any test)'}: ${entry.kind} ${entry.known} → ${entry.now}`;
}

/** The stale entries, at most `max` of them, as lines. */
export function staleLines(stale: readonly StaleEntry[], max = 10): string[] {
  const lines = stale.slice(0, max).map((entry) => `  ${entryName(entry)}`);
  if (stale.length > max) lines.push(`  …and ${stale.length - max} more`);
  return lines;
}

/** The summary's line for stale entries (and the command that prunes them). */
export function staleSummary(stale: readonly StaleEntry[]): string[] {
  if (stale.length === 0) return [];
  const fixed = stale.reduce((n, e) => n + e.known - e.now, 0);
  return [
    `${chalk.bold('leakcheck (baseline):')} ${plural(stale.length, 'baseline entry', 'baseline entries')} ${stale.length === 1 ? 'is' : 'are'} stale (${plural(fixed, 'known leak')} no longer ${fixed === 1 ? 'happens' : 'happen'}); remove ${stale.length === 1 ? 'it' : 'them'} with: ${PRUNE_COMMAND}`,
    ...staleLines(stale),
  ];
}

/**
 * strictBaseline: the file's error for entries it no longer needs, so the baseline only
 * shrinks. Its stack is one frame at the first stale entry's line of the baseline file: Jest
 * shows that line, and a message without frames would be printed twice (or, as a file's
 * error on Jest 29, not at all).
 */
export function staleBaselineError(stale: readonly StaleEntry[], baseline: { readonly path: string; readonly shown: string; readonly key: string }): Error {
  const message = [
    `${chalk.bold.red('leakcheck:')} the baseline ${baseline.shown} lists ${plural(stale.length, 'entry', 'entries')} this file no longer needs (known → now):`,
    ...staleLines(stale, 50),
    '',
    `Remove ${stale.length === 1 ? 'it' : 'them'} with: ${PRUNE_COMMAND} (strictBaseline is on, so the baseline only shrinks).`,
  ].join('\n');
  const error = new Error(message);
  error.name = 'StaleBaselineError';
  let line = 1;
  let column = 1;
  try {
    const text = readFileSync(baseline.path, 'utf8');
    line = lineOf(text, ['leaks', baseline.key, stale[0]?.testName ?? FILE_SCOPE, stale[0]?.kind ?? '']);
    column = (/^\s*/.exec(text.split('\n')[line - 1] ?? '')?.[0].length ?? 0) + 1;
  } catch {
    // Unreadable now: the frame points at the top of the file.
  }
  error.stack = `${message}\n    at ${baseline.path}:${line}:${column}`;
  return error;
}
