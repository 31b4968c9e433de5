// The report: leaked resources grouped, turned into LeakRecords (the one shape every output
// reads: the failure message, the warn-mode text, the summary reporter), and rendered. A
// test's (or the file's) leaks are one Error whose message lists every group (what leaked,
// how to fix it, where) and whose stack is the first group's creation stack, so Jest shows
// one failure with a code frame at the user's line.
import * as path from 'node:path';
import chalk from 'chalk';
import type { Kind } from '../track/kinds';
import { parseFrame } from '../track/stack';

/** A line of source: where a leaked resource was created. */
export interface SourceLocation {
  /** Absolute in a LeakInput; relative to rootDir (with `/`) in a LeakRecord. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  /**
   * The function as the stack frame names it (`startPoller`, `Pool.connect`); null for an
   * anonymous one. Under Jest's source maps that is the name at the frame's position, often
   * the function called there (`Object.setTimeout`) rather than the one calling it.
   */
  readonly function: string | null;
}

/** One reported leak: a resource, or several identical ones created at the same place. */
export interface Leak {
  readonly kind: Kind;
  readonly description: string;
  readonly hint: string;
  /** Cleaned creation stack frames (`at …`), source-mapped. */
  readonly frames: readonly string[];
  /** The first frame of the user's own code (not a dependency's, Node's or Jest's); null if none. */
  readonly userFrame: SourceLocation | null;
  /** What keeps it alive, for a promise (the `retainers` option). */
  readonly retainedBy?: string;
  readonly count: number;
}

/** What the describe stage makes of one leaked resource (or promise chain). */
export type LeakInput = Omit<Leak, 'count'>;

export type Scope = 'test' | 'file';

/**
 * One group of identical leaks of a test (or of a file, outside any test), as data: what the
 * summary reporter receives from every worker, in fail and warn mode alike.
 */
export interface LeakRecord {
  /** The test file, relative to rootDir, with `/` separators. */
  readonly testFile: string;
  /** The test's full name (describe titles and its own), or null for leaks outside any test. */
  readonly testName: string | null;
  /** 'test': the leaks of one test; 'file': created at module scope, in beforeAll or afterAll. */
  readonly scope: Scope;
  readonly kind: Kind;
  readonly description: string;
  readonly hint: string;
  /** The user's creation line, file relative to rootDir; null when no frame is the user's. */
  readonly userFrame: SourceLocation | null;
  /** The cleaned creation stack (`at …` lines, absolute paths), source-mapped. */
  readonly frames: readonly string[];
  /** Identical resources (same kind, same creation stack) in this group. */
  readonly count: number;
  /** What keeps it alive, for a promise with the `retainers` option; null otherwise. */
  readonly retainedBy: string | null;
  /** The mode that applied: 'fail' (it failed the test or file) or 'warn' (printed only). */
  readonly mode: 'fail' | 'warn';
  /** Whether the baseline of known leaks covers it: then it is reported as known and fails nothing, whatever the mode. */
  readonly baselined: boolean;
}

/** Where a frame text points, or null for a frame without a file. */
export function locationOf(frame: string): SourceLocation | null {
  const parsed = parseFrame(frame);
  if (parsed.file === undefined) return null;
  const name = parsed.functions[0];
  return { file: parsed.file, line: parsed.line, column: parsed.column, function: name === undefined || name.includes('<anonymous>') ? null : name };
}

/** The user's creation line among cleaned frames (see isUserFile), or null. */
export function userFrameOf(frames: readonly string[]): SourceLocation | null {
  const text = frames.find((frame) => parseFrame(frame).user);
  return text === undefined ? null : locationOf(text);
}

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

/** Whose leaks these are, and the mode that applied to them. */
export interface RecordContext {
  readonly rootDir: string;
  readonly testPath: string;
  /** The test's full name; null for the file's own leaks. */
  readonly testName: string | null;
  readonly scope: Scope;
  readonly mode: 'fail' | 'warn';
}

/** A path as records give it: relative to rootDir, with `/`. */
export function recordPath(rootDir: string, file: string): string {
  const relative = path.isAbsolute(file) ? path.relative(rootDir, file) : file;
  return (relative || file).split(path.sep).join('/');
}

/** Every group as a record, those beyond what a message shows included. */
export function toRecords(leaks: readonly Leak[], context: RecordContext): LeakRecord[] {
  const testFile = recordPath(context.rootDir, context.testPath);
  return leaks.map((leak) => ({
    testFile,
    testName: context.testName,
    scope: context.scope,
    kind: leak.kind,
    description: leak.description,
    hint: leak.hint,
    userFrame: leak.userFrame === null ? null : { ...leak.userFrame, file: recordPath(context.rootDir, leak.userFrame.file) },
    frames: leak.frames,
    count: leak.count,
    retainedBy: leak.retainedBy ?? null,
    mode: context.mode,
    baselined: false,
  }));
}

export interface ReportOptions {
  readonly scope: Scope;
  /** At most this many groups are printed; the rest are counted. */
  readonly maxGroups: number;
  /** A closing line, e.g. how to silence these leaks. */
  readonly footer?: string;
  /** Renders a group's frames when the report is printed (warn mode); plain frames by default. */
  readonly renderFrames?: (frames: readonly string[]) => string;
}

/** What report.ts renders of a record (a Leak, or a LeakRecord). */
type Shown = Pick<LeakRecord, 'kind' | 'description' | 'hint' | 'frames' | 'count'> & {
  readonly retainedBy?: string | null;
  readonly userFrame: SourceLocation | null;
};

/** `1 test`, `2 tests` (`many` for irregular plurals). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Leaked resources by kind (every group's count), in the order the kinds first occur. */
export function countsByKind(records: Iterable<Pick<LeakRecord, 'kind' | 'count'>>, into: Map<Kind, number> = new Map()): Map<Kind, number> {
  for (const record of records) into.set(record.kind, (into.get(record.kind) ?? 0) + record.count);
  return into;
}

/** `timer ×3, socket`: kinds with their counts, in the order given. */
export function kindList(counts: Iterable<readonly [Kind, number]>): string {
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}

export function headline(total: number, scope: Scope): string {
  return scope === 'test'
    ? `${plural(total, 'async resource', 'async resources')} created by this test ${total === 1 ? 'is' : 'are'} still alive after it finished.`
    : `${plural(total, 'async resource', 'async resources')} created outside any test (module scope, beforeAll or afterAll) ${total === 1 ? 'is' : 'are'} still alive after the last afterAll.`;
}

/** The text of one group, without its stack. */
export function describeLeak(leak: Shown): string {
  const count = leak.count > 1 ? chalk.dim(` (×${leak.count})`) : '';
  const retained = leak.retainedBy === undefined || leak.retainedBy === null ? '' : `\n${chalk.dim('Kept alive by:')} ${leak.retainedBy}`;
  return `${chalk.bold(`[${leak.kind}]`)} ${leak.description}${count}${retained}\n${chalk.dim('Fix:')} ${leak.hint}`;
}

/**
 * Where a group was created, as a line of a message. Never a line starting with `at `:
 * Jest takes the first such line of a message for the start of its stack.
 */
function createdAt(leak: Shown): string | undefined {
  const at = leak.userFrame ?? (leak.frames[0] === undefined ? null : locationOf(leak.frames[0]));
  if (at === null) return undefined;
  // No function name: under Jest's source maps a frame is named after the call at its position.
  return `${chalk.dim('Created at')} ${at.file}:${at.line}:${at.column}`;
}

/**
 * Stands for no frame: Jest splits a message from its stack at the first `at …:line:col`
 * line, and hides this one (an anonymous frame). Without it, a leak with no creation stack
 * was printed twice as a file's error on Jest 30, and cut to its first line on Jest 29.
 */
const NO_FRAME = '    at <anonymous>:0:0';

/** An Error as Jest's reporters expect: message, then the stack frames. */
function asError(message: string, frames: readonly string[]): Error {
  const error = new Error(message);
  error.name = 'LeakError';
  error.stack = `${message}\n${frames.length ? frames.map((f) => `    ${f}`).join('\n') : NO_FRAME}`;
  return error;
}

function totalOf(leaks: readonly Shown[]): number {
  return leaks.reduce((n, l) => n + l.count, 0);
}

/**
 * The one error to add to a test (or to the file) for its leaks: the headline, every shown
 * group with its fix and (when there are several) where it was created, how many more, the
 * footer. Its stack is the first group's frames, so the code frame is at that line.
 * One error per test: Jest prints a test's title once per error, and jest-junit writes one
 * <failure> per error.
 */
export function leakError(leaks: readonly Shown[], options: ReportOptions): Error {
  const shown = leaks.slice(0, options.maxGroups);
  const hidden = totalOf(leaks.slice(options.maxGroups));
  const parts = [`${chalk.bold.red('leakcheck:')} ${headline(totalOf(leaks), options.scope)}`];
  for (const leak of shown) {
    parts.push('', describeLeak(leak));
    // With one group the code frame and the stack below say where.
    const where = leaks.length > 1 ? createdAt(leak) : undefined;
    if (where !== undefined) parts.push(where);
  }
  if (hidden > 0) parts.push('', `…and ${plural(hidden, 'more leaked resource', 'more leaked resources')} not shown.`);
  if (options.footer) parts.push('', chalk.dim(options.footer));
  return asError(parts.join('\n'), shown[0]?.frames ?? []);
}

/** Plain text of a whole report, for warn mode (printed, not thrown). */
export function formatReport(leaks: readonly Shown[], options: ReportOptions, where: string): string {
  const lines = [`${chalk.bold.yellow('leakcheck (warn):')} ${where}: ${headline(totalOf(leaks), options.scope)}`];
  const render = options.renderFrames ?? ((frames: readonly string[]) => frames.slice(0, 6).map((f) => chalk.dim(`    ${f}`)).join('\n'));
  for (const leak of leaks.slice(0, options.maxGroups)) {
    lines.push('', describeLeak(leak), render(leak.frames));
  }
  const hidden = totalOf(leaks.slice(options.maxGroups));
  if (hidden > 0) lines.push('', `…and ${plural(hidden, 'more', 'more')} not shown.`);
  return lines.join('\n');
}
