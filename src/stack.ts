// Creation stacks: captured cheaply at init (an unformatted Error of the test context's
// realm, so Jest's source-map support renders `.ts` lines), cleaned when reported.
import * as path from 'node:path';
import type { StackHolder } from './tracker';

/** Frames captured per resource. Enough to reach the user's code through library layers. */
export const STACK_FRAMES = 24;

/**
 * Frames captured per promise: promises are mostly created in shallow continuations, and
 * the cost of a capture grows with its frames.
 */
export const PROMISE_STACK_FRAMES = 16;

/**
 * Frames captured per promise created outside any test (module scope, beforeAll): they
 * are few, and a dependency's lazy init sits deep below the user's `require` line, behind
 * several of jest-runtime's frames per module.
 */
export const MODULE_PROMISE_STACK_FRAMES = 64;

/**
 * How the test realm formats stacks, saved when the environment is set up: a test may
 * replace `Error.prepareStackTrace` (or make it throw), and the detector's stacks must still
 * read as Jest would have formatted them (source-mapped).
 */
interface Formatting {
  readonly RealmError: ErrorConstructor;
  readonly prepare: ErrorConstructor['prepareStackTrace'];
}
let formatting: Formatting | undefined;

/** Reads a holder's stack with the realm's own formatting in force. */
function readStack(holder: StackHolder): string | undefined {
  const saved = formatting;
  if (saved === undefined || saved.RealmError.prepareStackTrace === saved.prepare) return holder.stack;
  const current = saved.RealmError.prepareStackTrace;
  try {
    saved.RealmError.prepareStackTrace = saved.prepare;
  } catch {
    return holder.stack; // a frozen Error: read it as it is
  }
  try {
    return holder.stack;
  } finally {
    saved.RealmError.prepareStackTrace = current;
  }
}

/**
 * Formats a captured stack now. Until it is formatted, V8 keeps the structured stack —
 * every frame's receiver and function — and through their closures whatever they reach:
 * a pending promise's resolver, and so the promise. Formatting drops them, so nothing the
 * detector keeps changes what the garbage collector can collect.
 */
export function materialize(holder: StackHolder | undefined): void {
  if (holder === undefined) return;
  try {
    void readStack(holder);
  } catch {
    // A throwing prepareStackTrace: the holder reports no frames, and keeps nothing either way.
  }
}

/**
 * Returns a capturer that records the current stack as an Error of `RealmError`'s realm.
 * V8 formats (and Jest source-maps) it only when `.stack` is first read, with the realm's
 * formatting as it was now (see readStack).
 */
export function stackCapturer(RealmError: ErrorConstructor): (frames?: number) => StackHolder {
  formatting = { RealmError, prepare: RealmError.prepareStackTrace };
  return (frames = STACK_FRAMES) => {
    const limit = RealmError.stackTraceLimit;
    // A test may freeze Error: capture with whatever limit is in force then.
    try {
      RealmError.stackTraceLimit = frames;
    } catch {
      return new RealmError();
    }
    const holder = new RealmError();
    RealmError.stackTraceLimit = limit;
    return holder;
  };
}

// The detector itself, compiled (build/) or as source: never the user's.
const PACKAGE_ROOT = path.resolve(__dirname, '..');
const OWN_DIRS = [path.join(PACKAGE_ROOT, 'build') + path.sep, path.join(PACKAGE_ROOT, 'src') + path.sep];
const NODE_OR_JEST_INTERNAL = [
  /\((?:node:|internal\/)/, // node:internal/timers, node:net, ...
  /^at (?:node:|internal\/)/,
  /^at (?:new )?Promise \(<anonymous>\)$/,
  /^at (?:async )?Promise\.\w+ \((?:<anonymous>|index \d+)\)$/,
  // Built-ins and combinators (`Function.race`, `Array.map`, ...): no source to point at.
  /\((?:<anonymous>|index \d+)\)$/,
  /[/\\]node_modules[/\\](?:jest-[\w-]+|@jest[/\\][\w-]+|expect|p-limit|co)[/\\]/,
];

/** A frame of the detector itself. */
export function isOwnFrame(frame: string): boolean {
  return OWN_DIRS.some((dir) => frame.includes(dir));
}

/** A frame of the detector, of Node's internals or of Jest's own machinery. */
export function isInternalFrame(frame: string): boolean {
  return isOwnFrame(frame) || NODE_OR_JEST_INTERNAL.some((re) => re.test(frame));
}

/** Every `at …` line of a captured stack, trimmed. Formats (and source-maps) it on first use. */
export function rawFrames(holder: StackHolder): string[] {
  let raw: string | undefined;
  try {
    raw = readStack(holder);
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'string') return [];
  const frames: string[] = [];
  for (const line of raw.split('\n')) {
    const frame = line.trim();
    if (frame.startsWith('at ')) frames.push(frame);
  }
  return frames;
}

/** Stack frames without the detector's own and Node's and Jest's internal ones. */
export function cleanFrames(holder: StackHolder, max = 12): string[] {
  return rawFrames(holder)
    .filter((frame) => !isInternalFrame(frame))
    .slice(0, max);
}

/** `file:line:col` of a frame, or undefined. */
export function frameLocation(frame: string): { file: string; line: number; column: number } | undefined {
  const match = /\(?((?:file:\/\/)?[^()]+?):(\d+):(\d+)\)?$/.exec(frame);
  if (!match) return undefined;
  return { file: match[1].replace(/^file:\/\//, '').replace(/^at /, ''), line: Number(match[2]), column: Number(match[3]) };
}

/** Whether a (cleaned) frame is the user's own code rather than a dependency's. */
export function isUserFrame(frame: string | undefined): frame is string {
  return frame !== undefined && !/[/\\]node_modules[/\\]/.test(frame);
}

/** The first frame that is the user's own code (not a dependency). */
export function firstUserFrame(frames: readonly string[]): string | undefined {
  return frames.find(isUserFrame) ?? frames[0];
}
