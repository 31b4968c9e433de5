// Creation stacks: captured cheaply at init (an unformatted Error of the test context's
// realm, so Jest's source-map support renders `.ts` lines), formatted and parsed into
// Frames once, the first time anything reads them (goleak's internal/stack is the model).
import * as path from 'node:path';

/** A holder of a captured, not yet formatted, creation stack. */
export interface StackHolder {
  readonly stack?: string;
}

/** The holder used for resources whose creation stack was not captured. */
export const NO_STACK: StackHolder = { stack: undefined };

/**
 * Frames captured per resource other than a promise: enough to reach the user's code
 * through library layers. 22 = the 2 of the detector's hook (see PROMISE_STACK_FRAMES),
 * Node's dispatch (2 to 5: a timer's goes through `new Timeout` and `setTimeout`), and the
 * rest.
 */
const STACK_FRAMES = 22;

/**
 * Frames captured per promise: promises are mostly created in shallow continuations, and
 * a capture costs about half a microsecond for every frame it walks, the capture's own
 * included. 13 = the 5 frames of the capture (the detector's hook, Node's dispatch of it)
 * and 8 of the code that created the promise.
 */
export const PROMISE_STACK_FRAMES = 13;

/**
 * Frames captured per promise created outside any test (module scope, beforeAll): they
 * are few, and a dependency's lazy init sits deep below the user's `require` line, behind
 * several of jest-runtime's frames per module.
 */
export const MODULE_PROMISE_STACK_FRAMES = 61;

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

/**
 * A call site as plain data: the value of every `get…`/`is…` method of V8's CallSite
 * (except `getThis` and `getFunction`, which would hold objects) and its own text. What a
 * formatter asks of a call site, answered from the data. The values of all the sites of one
 * stack sit in one flat array (a slot per method, then the text): materialize runs for every
 * promise a test leaves pending, and a dictionary per site filled through keyed calls cost
 * about a quarter more than this.
 */
class CapturedSite {
  constructor(
    readonly data: readonly unknown[],
    /** Where this site's slots start in `data`. */
    readonly base: number,
  ) {}
  toString(): string {
    const text = this.data[this.base + (siteMethods?.length ?? 0)];
    return typeof text === 'string' ? text : siteText(this as unknown as SiteReadings);
  }
}

/** The readings siteText needs, as a CapturedSite answers them. */
interface SiteReadings {
  getScriptNameOrSourceURL(): unknown;
  getLineNumber(): unknown;
  getColumnNumber(): unknown;
  getFunctionName(): unknown;
  isConstructor(): unknown;
  isAsync(): unknown;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * V8's text of a call site of a script that is not a method call (what CallSite's toString
 * gives), rebuilt from its data: `[async ]function (script:line:column)`, `[async ]new F (…)`,
 * or the bare location.
 */
function siteText(site: SiteReadings): string {
  let location = String(site.getScriptNameOrSourceURL());
  const line = site.getLineNumber();
  if (typeof line === 'number') {
    location += `:${line}`;
    const column = site.getColumnNumber();
    if (typeof column === 'number') location += `:${column}`;
  }
  const fn = site.getFunctionName();
  const name = site.isConstructor() === true ? `new ${nonEmpty(fn) ? fn : '<anonymous>'}` : nonEmpty(fn) ? fn : undefined;
  const async = site.isAsync() === true ? 'async ' : '';
  return name === undefined ? `${async}${location}` : `${async}${name} (${location})`;
}

/** The CallSite methods read when a stack is captured as data (found on first use), by name, in slot order. */
let siteMethods: readonly string[] | undefined;
/**
 * Each realm's CallSite methods, in slot order, by the realm's CallSite prototype. Weakly:
 * the methods are the realm's functions, and a function keeps its realm alive — the test
 * file's global and, through it, every module the file loaded.
 */
const siteReaders = new WeakMap<object, Array<(this: object) => unknown>>();
/**
 * Methods not read, answered `undefined`: the two that would hold objects, and the
 * positions of the enclosing function and the script's hash, which no formatter asks for
 * (source-map-support, Jest's, reads none of them; V8's own text neither).
 */
const NOT_READ = new Set(['getThis', 'getFunction', 'getEnclosingColumnNumber', 'getEnclosingLineNumber', 'getPosition', 'getScriptHash']);

/** Slots captureSites reads specially (see there); -1 where a Node has no such method. */
let slots:
  | {
      readonly script: number;
      readonly toplevel: number;
      readonly constructor: number;
      readonly method: number;
      readonly type: number;
      readonly eval: number;
      readonly evalOrigin: number;
    }
  | undefined;

const absent = (): undefined => undefined;

/** The methods a CallSite prototype has that captureSites reads: plain loops, no closure that could keep the prototype. */
function methodNames(prototype: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (/^(?:get|is)/.test(name) && !NOT_READ.has(name) && typeof prototype[name] === 'function') names.push(name);
  }
  return names;
}

/**
 * Gives CapturedSite a method per name, answering from its slot. Made from the names only:
 * a closure made where a realm's call site or prototype is in scope would keep that realm
 * alive, and with it the test file that ran in it, for the rest of the worker's life.
 */
function defineSiteMethods(names: readonly string[]): void {
  names.forEach((name, slot) => {
    Object.defineProperty(CapturedSite.prototype, name, {
      configurable: true,
      writable: true,
      value: function (this: CapturedSite) {
        return this.data[this.base + slot];
      },
    });
  });
  for (const name of NOT_READ) Object.defineProperty(CapturedSite.prototype, name, { configurable: true, writable: true, value: absent });
  slots = {
    script: names.indexOf('getScriptNameOrSourceURL'),
    toplevel: names.indexOf('isToplevel'),
    constructor: names.indexOf('isConstructor'),
    method: names.indexOf('getMethodName'),
    type: names.indexOf('getTypeName'),
    eval: names.indexOf('isEval'),
    evalOrigin: names.indexOf('getEvalOrigin'),
  };
}

function readersOf(site: object): Array<(this: object) => unknown> {
  const prototype = Object.getPrototypeOf(site) as Record<string, unknown>;
  let readers = siteReaders.get(prototype);
  if (readers === undefined) {
    if (siteMethods === undefined) {
      siteMethods = methodNames(prototype);
      defineSiteMethods(siteMethods);
    }
    readers = siteMethods.map((name) => (typeof prototype[name] === 'function' ? (prototype[name] as (this: object) => unknown) : absent));
    siteReaders.set(prototype, readers);
  }
  return readers;
}

/**
 * A stack's call sites as data, not yet formatted (see materialize). The site objects a
 * formatter is given are made only if the stack is ever formatted: most never are.
 */
class CapturedStack {
  constructor(
    private readonly data: readonly unknown[],
    private readonly count: number,
  ) {}
  sites(): CapturedSite[] {
    const width = (siteMethods?.length ?? 0) + 1;
    return Array.from({ length: this.count }, (_, i) => new CapturedSite(this.data, i * width));
  }
}

function read(reader: (this: object) => unknown, site: object): unknown {
  try {
    return reader.call(site);
  } catch {
    return undefined;
  }
}

/**
 * A prepareStackTrace that returns the call sites as data: V8 keeps whatever it returns as
 * the stack. Two readings cost more than all the others together, and are needed only of a
 * method call: its method name (looked up along the receiver's prototype chain) and its
 * text (`String(site)`: V8 names a method call by rules of its own); its receiver's type is
 * read only of a method call too, and the eval origin only of eval'd code. Of the other
 * sites a formatter such as source-map-support's passes on the text of one without a script
 * as V8 wrote it, so that is kept too; the rest's is rebuilt from the data if ever asked for
 * (siteText).
 */
function captureSites(_error: unknown, sites: readonly object[]): CapturedStack {
  const readers = sites.length > 0 ? readersOf(sites[0]) : [];
  const width = readers.length + 1;
  const at = slots;
  const lean = at !== undefined && at.script >= 0 && at.toplevel >= 0 && at.constructor >= 0 && at.method >= 0;
  const data: unknown[] = new Array<unknown>(sites.length * width);
  let kept = 0;
  for (const site of sites) {
    const base = kept * width;
    if (!lean) {
      for (let slot = 0; slot < readers.length; slot++) data[base + slot] = read(readers[slot], site);
      data[base + readers.length] = String(site);
      kept++;
      continue;
    }
    const script = read(readers[at.script], site);
    // The capture's own machinery (the detector's frames, Node's async hook dispatch) sits
    // on top of every stack captured in a hook: never shown, not worth reading.
    if (typeof script === 'string' && isMachinery(script)) continue;
    for (let slot = 0; slot < readers.length; slot++) {
      if (slot !== at.method && slot !== at.script && slot !== at.type && slot !== at.evalOrigin) data[base + slot] = read(readers[slot], site);
    }
    data[base + at.script] = script;
    const methodCall = data[base + at.toplevel] !== true && data[base + at.constructor] !== true;
    data[base + at.method] = methodCall ? read(readers[at.method], site) : null;
    if (at.type >= 0) data[base + at.type] = methodCall ? read(readers[at.type], site) : null;
    if (at.evalOrigin >= 0) data[base + at.evalOrigin] = at.eval < 0 || data[base + at.eval] === true ? read(readers[at.evalOrigin], site) : undefined;
    data[base + readers.length] = !methodCall && nonEmpty(script) ? undefined : String(site);
    kept++;
  }
  return new CapturedStack(data, kept);
}

/**
 * The function that formats the realm's stacks when they are read with the realm's own
 * formatting in force: its `Error.prepareStackTrace` as saved, or else (Node's rule) the
 * main context's, where Jest installs its source-mapping formatter. Undefined when V8's
 * default formatting would be used.
 */
function formatterOf(saved: Formatting): ((error: Error, sites: readonly CapturedSite[]) => unknown) | undefined {
  const realm = saved.prepare;
  if (typeof realm === 'function') return (error, sites) => realm.call(saved.RealmError, error, sites as unknown as NodeJS.CallSite[]);
  const main = Error.prepareStackTrace;
  if (typeof main === 'function') return (error, sites) => main.call(Error, error, sites as unknown as NodeJS.CallSite[]);
  return undefined;
}

/**
 * Reads a holder's stack once, for materialize: its call sites as data when it was not
 * formatted yet and there is a formatter to give them to later (the realm's formatter only
 * swapped out for the read); else its text, formatted as readStack would.
 */
function captureStack(holder: StackHolder): CapturedStack | string | undefined {
  const saved = formatting;
  if (saved === undefined || formatterOf(saved) === undefined) return textOf(holder);
  const current = saved.RealmError.prepareStackTrace;
  try {
    saved.RealmError.prepareStackTrace = captureSites as ErrorConstructor['prepareStackTrace'];
  } catch {
    return textOf(holder); // a frozen Error
  }
  try {
    const stack = holder.stack as unknown;
    // A string: formatted before (or not an Error at all).
    return stack instanceof CapturedStack || typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined; // a throwing getter: no frames
  } finally {
    saved.RealmError.prepareStackTrace = current;
  }
}

/** Formats captured call sites as the realm would have formatted the stack they came from. */
function formatCaptured(holder: StackHolder, captured: CapturedStack): string | undefined {
  const saved = formatting;
  const format = saved === undefined ? undefined : formatterOf(saved);
  if (format === undefined) return undefined;
  try {
    const text = format(holder as Error, captured.sites());
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined; // a throwing formatter: no frames
  }
}

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
const PACKAGE_ROOT = path.resolve(__dirname, '../..');
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
const DEPENDENCY = /[/\\]node_modules[/\\]/;

/** A file of the detector itself, compiled or as source. */
function isOwnFile(file: string): boolean {
  return OWN_DIRS.some((dir) => file.startsWith(dir));
}

/** A script of the capture's own machinery: the detector's, or Node's async hook dispatch. */
function isMachinery(file: string): boolean {
  return file === 'node:internal/async_hooks' || isOwnFile(file);
}

/** A line of a stack naming the detector itself (any error's: see withoutOwnFrames). */
export function isOwnFrame(text: string): boolean {
  return OWN_DIRS.some((dir) => text.includes(dir));
}

/**
 * The detector's frames in an error thrown through one of its wrappers (a test's, a
 * counted function's) are its business, not the user's: Jest only hides them when the
 * package lives under a `jest-*\/build` path, and keeps the first. Removed in place, as
 * Jest would print the stack.
 */
export function withoutOwnFrames(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  try {
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== 'string') return error;
    const lines = stack.split('\n');
    const kept = lines.filter((line) => !(line.trimStart().startsWith('at ') && isOwnFrame(line)));
    if (kept.length !== lines.length) (error as { stack: string }).stack = kept.join('\n');
  } catch {
    // A frozen error or a throwing getter: leave it as it is.
  }
  return error;
}

/**
 * A file of the user's own code: a path (not Node's `node:` modules, not a vm script
 * without one), not a dependency's, not the detector's. The one notion of "the user's",
 * for stack frames and for the scripts of a heap snapshot alike.
 */
export function isUserFile(file: string): boolean {
  return path.isAbsolute(file) && !DEPENDENCY.test(file) && !isOwnFile(file);
}

/** One frame of a stack, parsed once. */
export interface Frame {
  /** The `at …` line as formatted (source-mapped by Jest), trimmed: what a report shows. */
  readonly text: string;
  /**
   * The function names it shows: `fn` or `Class.method` (without `async`/`new`), then the
   * `[as alias]` name if any; empty for a frame without a name (`at /a/b.js:1:2`).
   */
  readonly functions: readonly string[];
  /** The file as shown (a `file://` URL without its scheme); undefined when there is none. */
  readonly file: string | undefined;
  /** 1-based line and column; 0 when there is no file. */
  readonly line: number;
  readonly column: number;
  /** The detector's, Node's or Jest's own machinery: never shown, never the user's line. */
  readonly internal: boolean;
  /** The user's own code (see isUserFile). */
  readonly user: boolean;
}

/** Parses one trimmed `at …` line. */
export function parseFrame(text: string): Frame {
  const names = /^at (?:async )?(?:new )?(.+?)(?: \[as ([^\]]+)\])? \(/.exec(text);
  const functions = names === null ? [] : names[2] ? [names[1], names[2]] : [names[1]];
  const at = /\(?((?:file:\/\/)?[^()]+?):(\d+):(\d+)\)?$/.exec(text);
  // `at ` first: an anonymous function of an ES module shows as `at file:///a.mjs:1:2`.
  const file = at === null ? undefined : at[1].replace(/^at /, '').replace(/^file:\/\//, '');
  const internal = isOwnFrame(text) || NODE_OR_JEST_INTERNAL.some((re) => re.test(text));
  return {
    text,
    functions,
    file,
    line: at === null ? 0 : Number(at[2]),
    column: at === null ? 0 : Number(at[3]),
    internal,
    user: !internal && file !== undefined && isUserFile(file),
  };
}

interface Parsed {
  readonly all: readonly Frame[];
  /** Without the internal frames. */
  readonly clean: readonly Frame[];
}

/**
 * Each holder's stack once read: its text (formatted by materialize, not parsed yet), then
 * its frames. Weak: a holder's entry goes with its record.
 */
const stacks = new WeakMap<StackHolder, string | undefined | Parsed | CapturedStack>();
const NOTHING: Parsed = { all: [], clean: [] };

function textOf(holder: StackHolder): string | undefined {
  try {
    const text = readStack(holder);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined; // a throwing prepareStackTrace or getter: no frames
  }
}

function parsed(holder: StackHolder): Parsed {
  const cached = stacks.get(holder);
  if (typeof cached === 'object' && !(cached instanceof CapturedStack)) return cached;
  const text = cached instanceof CapturedStack ? formatCaptured(holder, cached) : stacks.has(holder) ? cached : textOf(holder);
  let result = NOTHING;
  if (text !== undefined) {
    const all: Frame[] = [];
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (trimmed.startsWith('at ')) all.push(parseFrame(trimmed));
    }
    result = { all, clean: all.filter((frame) => !frame.internal) };
  }
  stacks.set(holder, result);
  return result;
}

/**
 * Formats a captured stack now. Until it is formatted, V8 keeps the structured stack —
 * every frame's receiver and function — and through their closures whatever they reach:
 * a pending promise's resolver, and so the promise. Formatting drops them, so nothing the
 * detector keeps changes what the garbage collector can collect.
 */
export function materialize(holder: StackHolder | undefined): void {
  // Not formatted yet, let alone parsed: most materialized stacks are never reported, and
  // the realm's formatter (Jest's, source-mapping every frame) is slow. The call sites are
  // read as data, which drops the structured stack all the same, and formatted by it only
  // if the stack is ever read (see parsed).
  if (holder !== undefined && !stacks.has(holder)) stacks.set(holder, captureStack(holder));
}

/** Every frame of a captured stack. Formats (and source-maps) it on first use. */
export function stackFrames(holder: StackHolder): readonly Frame[] {
  return parsed(holder).all;
}

/**
 * The frames of a captured stack without the detector's own and Node's and Jest's
 * internal ones: all of them (captures are bounded), the frames ignore rules match and
 * reports show.
 */
export function cleanFrames(holder: StackHolder): readonly Frame[] {
  return parsed(holder).clean;
}

/** The first frame that is the user's own code, or else the first (a dependency's line says more than nothing). */
export function firstUserFrame(frames: readonly Frame[]): Frame | undefined {
  return frames.find((frame) => frame.user) ?? frames[0];
}

/** The texts of frames, as a report lists them. */
export function frameTexts(frames: readonly Frame[]): string[] {
  return frames.map((frame) => frame.text);
}
