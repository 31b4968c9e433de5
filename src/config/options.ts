// The options a user writes under `testEnvironmentOptions.leakcheck`, and their defaults.
import { KINDS, type Kind } from '../track/kinds';

export const MODES = ['fail', 'warn', 'off'] as const;
export type Mode = (typeof MODES)[number];

export const CONTAINS = ['stop', 'unref', 'off'] as const;
/**
 * What is done to a leaked handle once it is reported, so the worker can exit and later
 * tests are not disturbed: 'stop' clears timers and immediates and unrefs every other
 * handle; 'unref' only unrefs; 'off' leaves it as it is.
 */
export type Contain = (typeof CONTAINS)[number];

/** A resource matching every field of a rule is never reported. */
export interface IgnoreRule {
  /** Only resources of this kind (or these kinds). */
  readonly kind?: Kind | readonly Kind[];
  /** Created by code inside node_modules/<module> (any frame of the creation stack). */
  readonly module?: string;
  /** Any frame of the creation stack is this function (`name` or `Class.method`). */
  readonly function?: string;
  /** Any frame of the creation stack is in a file matching this glob (relative to rootDir). */
  readonly file?: string;
  /** The creation stack contains this text. */
  readonly stack?: string;
}

/** The fields of an ignore rule, in the order messages list them. */
export const RULE_FIELDS = ['kind', 'module', 'function', 'file', 'stack'] as const;

/** `testEnvironmentOptions.leakcheck`, as written in jest config. */
export interface LeakcheckOptions {
  /** Which kinds are checked (default: all). */
  readonly kinds?: readonly Kind[];
  /** A resource matching any rule is never reported. */
  readonly ignore?: readonly IgnoreRule[];
  /** Retry budget before a leftover resource counts as leaked; 0 = strict. Default 400, at most 60000. */
  readonly timeoutMs?: number;
  /** 'fail' (default), 'warn' (print leaks, tests still pass) or 'off'. */
  readonly mode?: Mode;
  /** Also report unref'd handles. Default false. */
  readonly includeUnref?: boolean;
  /** Report Jest fake timers left pending at the end of a test, as kind `timer`. Default false. */
  readonly fakeTimers?: boolean;
  /** Print ignore rules that matched nothing in a file. Default false. */
  readonly verbose?: boolean;
  /** Say what keeps each leaked promise alive (a heap snapshot per file with promise leaks). Default false. */
  readonly retainers?: boolean;
  /** A file of known leaks (relative to rootDir, written by `npx leakcheck baseline`): leaks within its counts warn instead of failing. */
  readonly baseline?: string;
  /** Fail the run when the baseline lists leaks that no longer happen, so the file only shrinks. Default false. */
  readonly strictBaseline?: boolean;
  /** What is done to a reported leak: 'stop', 'unref' or 'off'. Default 'stop' in mode 'fail', 'unref' in mode 'warn'. */
  readonly contain?: Contain;
}

/** The option names, in the order messages list them. */
export const OPTION_NAMES = ['kinds', 'ignore', 'timeoutMs', 'mode', 'includeUnref', 'fakeTimers', 'verbose', 'retainers', 'baseline', 'strictBaseline', 'contain'] as const;

export interface ResolvedOptions {
  readonly kinds: ReadonlySet<Kind>;
  readonly ignore: readonly IgnoreRule[];
  readonly timeoutMs: number;
  readonly mode: Mode;
  readonly includeUnref: boolean;
  readonly fakeTimers: boolean;
  readonly verbose: boolean;
  readonly retainers: boolean;
  /** The baseline file as written (relative to rootDir), or null. */
  readonly baseline: string | null;
  readonly strictBaseline: boolean;
  /** As written, or null: then by mode ('stop' when failing, 'unref' when warning; see containFor). */
  readonly contain: Contain | null;
}

/**
 * The longest `timeoutMs` accepted. The verdict waits up to this long after every test: a
 * larger budget would let a self-re-arming timer hold the run for as long (every wait is bounded).
 */
export const MAX_TIMEOUT_MS = 60_000;

export const DEFAULTS: ResolvedOptions = {
  kinds: new Set(KINDS),
  ignore: [],
  timeoutMs: 400,
  mode: 'fail',
  includeUnref: false,
  fakeTimers: false,
  verbose: false,
  retainers: false,
  baseline: null,
  strictBaseline: false,
  contain: null,
};

/** What is done to the leaks reported in `mode`: the option, or by default 'stop' when they fail and 'unref' when they only warn. */
export function containFor(options: Pick<ResolvedOptions, 'contain' | 'mode'>): Contain {
  if (options.contain !== null) return options.contain;
  return options.mode === 'warn' ? 'unref' : 'stop';
}
