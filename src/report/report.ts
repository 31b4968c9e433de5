// The report: leaked resources grouped and turned into errors that Jest prints in its own
// style. Each group becomes one Error whose message says what leaked and how to fix it
// and whose stack is the creation stack, so Jest shows a code frame at the user's line.
import chalk from 'chalk';
import type { Kind } from '../track/kinds';

/** One reported leak: a resource, or several identical ones created at the same place. */
export interface Leak {
  readonly kind: Kind;
  readonly description: string;
  readonly hint: string;
  /** Cleaned creation stack frames (`at …`). */
  readonly frames: readonly string[];
  /** What keeps it alive, for a promise (the `retainers` option). */
  readonly retainedBy?: string;
  readonly count: number;
}

export type LeakInput = Omit<Leak, 'count'>;

/** Identical leaks (same kind, same creation stack) are shown once with a count. */
export function groupLeaks(leaks: readonly LeakInput[]): Leak[] {
  const groups = new Map<string, { leak: LeakInput; count: number }>();
  for (const leak of leaks) {
    const key = `${leak.kind}\n${leak.frames.length ? leak.frames.join('\n') : leak.description}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { leak, count: 1 });
  }
  return [...groups.values()].map(({ leak, count }) => ({ ...leak, count }));
}

export type Scope = 'test' | 'file';

export interface ReportOptions {
  readonly scope: Scope;
  /** At most this many groups are printed; the rest are counted. */
  readonly maxGroups: number;
  /** A closing line, e.g. how to silence these leaks. */
  readonly footer?: string;
  /** Renders a group's frames when the report is printed (warn mode); plain frames by default. */
  readonly renderFrames?: (frames: readonly string[]) => string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function headline(total: number, scope: Scope): string {
  return scope === 'test'
    ? `${plural(total, 'async resource', 'async resources')} created by this test ${total === 1 ? 'is' : 'are'} still alive after it finished.`
    : `${plural(total, 'async resource', 'async resources')} created outside any test (module scope, beforeAll or afterAll) ${total === 1 ? 'is' : 'are'} still alive after the last afterAll.`;
}

/** The text of one group, without its stack. */
export function describeLeak(leak: Leak): string {
  const count = leak.count > 1 ? chalk.dim(` (×${leak.count})`) : '';
  const retained = leak.retainedBy === undefined ? '' : `\n${chalk.dim('Kept alive by:')} ${leak.retainedBy}`;
  return `${chalk.bold(`[${leak.kind}]`)} ${leak.description}${count}${retained}\n${chalk.dim('Fix:')} ${leak.hint}`;
}

/** An Error as Jest's reporters expect: message, then the stack frames. */
function leakError(message: string, frames: readonly string[]): Error {
  const error = new Error(message);
  error.name = 'LeakError';
  error.stack = frames.length ? `${message}\n${frames.map((f) => `    ${f}`).join('\n')}` : message;
  return error;
}

/** The errors to add to a test (or to the file) for these leaks, first one with the headline. */
export function leakErrors(leaks: readonly Leak[], options: ReportOptions): Error[] {
  const total = leaks.reduce((n, l) => n + l.count, 0);
  const shown = leaks.slice(0, options.maxGroups);
  const hidden = leaks.slice(options.maxGroups).reduce((n, l) => n + l.count, 0);
  return shown.map((leak, i) => {
    const parts = [];
    if (i === 0) parts.push(`${chalk.bold.red('leakcheck:')} ${headline(total, options.scope)}`, '');
    else parts.push(`${chalk.bold.red('leakcheck:')} ${headline(total, options.scope).replace(/\.$/, '')} (${i + 1} of ${shown.length})`, '');
    parts.push(describeLeak(leak));
    const last = i === shown.length - 1;
    if (last && hidden > 0) parts.push('', `…and ${plural(hidden, 'more leaked resource', 'more leaked resources')} not shown.`);
    if (last && options.footer) parts.push('', chalk.dim(options.footer));
    return leakError(parts.join('\n'), leak.frames);
  });
}

/** Plain text of a whole report, for warn mode (printed, not thrown). */
export function formatReport(leaks: readonly Leak[], options: ReportOptions, where: string): string {
  const total = leaks.reduce((n, l) => n + l.count, 0);
  const lines = [`${chalk.bold.yellow('leakcheck (warn):')} ${where}: ${headline(total, options.scope)}`];
  const render = options.renderFrames ?? ((frames: readonly string[]) => frames.slice(0, 6).map((f) => chalk.dim(`    ${f}`)).join('\n'));
  for (const leak of leaks.slice(0, options.maxGroups)) {
    lines.push('', describeLeak(leak), render(leak.frames));
  }
  const hidden = leaks.slice(options.maxGroups).reduce((n, l) => n + l.count, 0);
  if (hidden > 0) lines.push('', `…and ${plural(hidden, 'more', 'more')} not shown.`);
  return lines.join('\n');
}
