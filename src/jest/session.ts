// The leak check of one test file: owners for the file and each test, jest-circus events
// in, verdicts and reports out. The environment classes only forward to this.
import * as path from 'node:path';
import type { Circus } from '@jest/types';
import { formatStackTrace } from 'jest-message-util';
import { installAnnotations } from '../track/annotations';
import { createApi, installApi } from '../api/api';
import { warnWithoutStack } from './console';
import { Attribution } from '../track/attribution';
import { currentTest, runJestHandlersAsOwn, testRuns, wrapDescribeBlock } from './circus';
import { nativeFileHandle, onFileHandleOpen } from '../track/filehandles';
import { countCompilations } from '../track/wasm-compilations';
import { hintFor, isActive, mayFinishWithin, SHORT_GRACE_MS, type Annotations } from '../track/kinds';
import { loopNow } from '../track/node-internals';
import { containFor, type ResolvedOptions } from '../config/options';
import { contain } from '../track/contain';
import type { Patches } from '../track/patches';
import { Policy } from '../judge/policy';
import { describeChain } from '../report/promises';
import { formatReport, groupLeaks, leakError, recordPath, toRecords, type Leak, type LeakInput, type LeakRecord, type Scope } from '../report/report';
import { reporterListens, sendRecords } from '../report/channel';
import { NO_STACK, stackCapturer, type StackHolder } from '../track/stack';
import { Owner, Tracker, type ResourceRecord } from '../track/tracker';
import { FAKE_TIMER_HINT, FakeTimerWatch, installedClock, releaseClocks, type FakeClock, type ModernFakeTimersLike } from '../track/fake-timers';
import { PromiseVerdict } from '../judge/promise-verdict';
import { nextMacrotask } from '../judge/wait';
import { settle } from '../judge/settle';
import { chainsOf, promisesAreSymptoms, withoutRepeats } from '../judge/classify';
import { describeFakeTimer, describeHandle } from '../report/describe';
import { originsOf } from '../report/frames';
import { nearest, retainerPaths, type Retainer } from '../judge/retainers';
import { Allowance, type StaleEntry } from '../baseline/allowance';
import { baselineRun, loadFileBaseline, type FileBaseline } from '../baseline/load';
import { beyondBaseline, knownLeaksLine, staleBaselineError } from '../baseline/messages';

/** The part of jest-mock's ModuleMocker the promise verdict uses. */
export interface MockRegistry {
  clearAllMocks(): void;
  restoreAllMocks?(): void;
}

/** What the session needs from the environment that hosts it. */
export interface Host {
  /** The test context's global object. */
  readonly global: object;
  readonly testPath: string;
  /** The project's rootDir, for paths in descriptions. */
  readonly rootDir: string;
  /** Jest's console for this test file (warnings go there). */
  readonly console: Pick<Console, 'warn'>;
  readonly annotations: Annotations;
  /** The environment's modern fake timers, if any. */
  readonly fakeTimers: ModernFakeTimersLike | null;
  /** The environment's jest-mock instance, whose call records (and spies) the promise verdict lets go of. */
  readonly moduleMocker: MockRegistry | null;
  /** The environment's cleanup list: setup() adds its patches there, the environment undoes them after teardown(). */
  readonly patches: Patches;
  /**
   * Captures a creation stack of at most `frames` frames. Default: an unformatted Error of
   * the global's realm (stackCapturer), so that Jest's source maps apply. A seam for tests
   * (a capture that fails, as any bug inside the async hook would) and for realms whose
   * stacks are taken another way.
   */
  readonly captureStack?: (frames?: number) => StackHolder;
}

const MAX_GROUPS = 5;
/** Where a promise report does not say what keeps the promise alive: how to find out. */
const RETAINERS_TIP = '; the `retainers` option shows which reference that is';

/** The same error with a prefix on its message (and so on its stack's first line). */
function retitled(error: Error, prefix: string): Error {
  const copy = new Error(prefix + error.message);
  copy.stack = prefix + (error.stack ?? error.message);
  return copy;
}

export class Session {
  private tracker: Tracker | undefined;
  private readonly attribution: Attribution;
  private state: Circus.State | undefined;
  private warnedInternal = false;
  private fakeTimers: FakeTimerWatch | undefined;
  private promises: PromiseVerdict | undefined;
  /** Fake clocks seen installed on the test's global (see releaseBookkeeping). */
  private readonly clocks = new Set<FakeClock>();
  /** Whether the tests have started (module scope and describe blocks are over). */
  private running = false;
  /** Whether the file defined a test, hook or describe yet: Jest has added all its event handlers by then. */
  private jestHandlersAdded = false;
  /** Whether the file's first test has started (see PromiseVerdict.testsStart). */
  private testsStarted = false;
  /** Every leak reported in this file, as data: sent to the summary reporter in teardown. */
  private readonly records: LeakRecord[] = [];
  /** The baseline's entries for this file (the `baseline` option), and what it covers. */
  private readonly baseline: FileBaseline | undefined;
  private readonly allowance: Allowance | undefined;
  /** Which tests ran, and the baseline entries the file leaked less than: known at run_finish. */
  private tests = new Map<string, 'ran' | 'skipped'>();
  private stale: StaleEntry[] = [];

  constructor(
    private readonly host: Host,
    private readonly options: ResolvedOptions,
    /** Opt-outs and ignore rules: consulted before a leftover resource is judged. */
    private readonly policy: Policy = new Policy(options, host.rootDir),
  ) {
    this.attribution = new Attribution(host.testPath, options.kinds);
    // A missing or malformed baseline throws here: the file fails before any test runs.
    if (options.baseline !== null && options.mode !== 'off') {
      this.baseline = loadFileBaseline(options.baseline, host.rootDir, host.testPath);
      this.allowance = new Allowance(this.baseline.entries);
    }
    installApi(
      host.global,
      createApi({
        policy,
        file: this.attribution.file,
        rootDir: host.rootDir,
        RealmError: (host.global as { Error?: ErrorConstructor }).Error ?? Error,
        tracker: () => this.tracker,
        testOwners: () => this.attribution.testOwners(),
        running: () => this.running,
      }),
    );
  }

  setup(): void {
    if (this.options.mode === 'off') return;
    const capture = this.host.captureStack ?? stackCapturer((this.host.global as { Error?: ErrorConstructor }).Error ?? Error);
    // Inside the async hook a failing capture stops the tracker (see Tracker.failed); the
    // other captures run inside the user's own call (listen(), createServer(), a fake
    // timer, fs.promises.open), where a failure must not surface: it costs only the stack.
    const userCallCapture = (frames?: number): StackHolder => {
      try {
        return capture(frames);
      } catch (error) {
        this.internalError(error);
        return NO_STACK;
      }
    };
    const tracker = new Tracker({ captureStack: capture, onError: (error) => this.internalError(error) });
    this.tracker = tracker;
    // The `retainers` option finds the promises themselves in a heap snapshot: watched ones have no reference to them.
    this.promises = new PromiseVerdict(tracker, this.options.timeoutMs, this.options.kinds.has('promise') && !this.options.retainers);
    tracker.enable();
    if (this.options.fakeTimers && this.options.kinds.has('timer') && this.host.fakeTimers) {
      this.fakeTimers = new FakeTimerWatch(this.host.fakeTimers, () => tracker.currentOwner(), userCallCapture);
      this.fakeTimers.install(this.host.patches);
    }
    onFileHandleOpen((opened) => {
      try {
        tracker.claimResolved(opened, 'FILEHANDLE', nativeFileHandle);
      } catch (error) {
        this.internalError(error);
      }
    }, this.host.patches);
    installAnnotations(userCallCapture, this.host.patches);
    countCompilations(this.host.global, this.host.patches);
  }

  /** Stops tracking; the patches setup() made are undone by the environment, with its own. */
  teardown(): void {
    this.tracker?.disable();
    this.tracker = undefined;
    this.sendRecords();
  }

  /**
   * The file's records to the summary reporter (see channel.ts), once every verdict is in:
   * Jest runs teardown after the last event and before it reports the file. Sent in mode
   * 'off' too, saying the file was not checked. A failure costs only the summary; Jest's
   * console for the file is closed by now, so it is told on stderr.
   */
  private sendRecords(): void {
    try {
      sendRecords({
        version: 1,
        testPath: this.host.testPath,
        mode: this.options.mode,
        records: this.records,
        tests: Object.fromEntries(this.tests),
        baseline: this.baseline === undefined ? null : { path: this.baseline.path, strict: this.options.strictBaseline, stale: this.stale },
        unusedRules: this.options.verbose ? this.policy.unusedConfigRules() : null,
      });
    } catch (error) {
      process.emitWarning(`jest-environment-leakcheck: the leaks of ${this.host.testPath} could not be passed to the summary reporter: ${String(error)}`);
    }
  }

  /**
   * Runs the environment's own work (a base environment's handleTestEvent) so that nothing
   * it creates is charged to a test or the file: like the detector's own work.
   */
  asEnvironment<T>(fn: () => T): T {
    const tracker = this.tracker;
    return tracker === undefined ? fn() : tracker.runAs(null, fn);
  }

  /** jest-circus event handler. Never throws: a detector bug must not break the run. */
  handleTestEvent(event: Circus.Event, state: Circus.State): void | Promise<void> {
    if (event.name === 'run_start') this.running = true;
    const tracker = this.tracker;
    if (tracker === undefined) return;
    this.state = state;
    try {
      switch (event.name) {
        case 'setup':
          tracker.collectUnowned();
          this.runJestHandlersAsOwn(tracker);
          return;
        case 'start_describe_definition':
        case 'add_hook':
        case 'add_test':
          // Jest has added the last of its handlers by the file's first definition.
          if (!this.jestHandlersAdded) {
            this.jestHandlersAdded = true;
            this.runJestHandlersAsOwn(tracker);
          }
          tracker.adoptCurrentContext(this.attribution.file);
          return;
        case 'run_start':
          tracker.releaseModuleScope(this.attribution.file);
          wrapDescribeBlock(state.rootDescribeBlock, {
            forTest: (test) => (fn) => tracker.runAs(this.attribution.ownerOf(test), fn),
            forHook: (hook) =>
              hook.type === 'beforeAll' || hook.type === 'afterAll'
                ? (fn) => tracker.runAs(this.attribution.file, fn)
                : (fn) => {
                    const test = currentTest(this.host.global, this.state);
                    return tracker.runAs(test ? this.attribution.ownerOf(test) : this.attribution.file, fn);
                  },
          });
          return;
        case 'test_start':
          if (!this.testsStarted) {
            this.testsStarted = true;
            this.promises?.testsStart();
          }
          return;
        case 'test_fn_start':
        case 'test_fn_success':
        case 'test_fn_failure':
          this.noteClock();
          return;
        case 'test_done':
          this.noteClock();
          return this.guard(() => this.checkTest(event.test));
        case 'run_finish':
          return this.guard(async () => {
            await this.checkFile(state);
            this.checkBaseline(state);
            // With the summary reporter, the config's unused rules are told once for the run.
            for (const hint of this.policy.unusedRuleHints({ configRules: !reporterListens() })) warnWithoutStack(this.host.console, hint);
          });
        default:
          return;
      }
    } catch (error) {
      this.internalError(error);
    }
  }

  /** Jest's own async event handlers as the detector's own work (see runJestHandlersAsOwn). */
  private runJestHandlersAsOwn(tracker: Tracker): void {
    runJestHandlersAsOwn(this.host.global, (fn) => tracker.runAs(null, fn), this.host.patches);
  }

  /** Runs the detector's own async work outside any owner, and never lets it throw. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    const tracker = this.tracker;
    if (tracker === undefined) return;
    try {
      await tracker.runAs(null, fn);
    } catch (error) {
      this.internalError(error);
    }
  }

  private async checkTest(test: Circus.TestEntry): Promise<void> {
    const owner = this.attribution.judge(test);
    if (owner === undefined) return;
    // What the test queued last (a process.nextTick, a microtask) runs first, in its
    // context: what that creates is the test's too.
    await nextMacrotask();
    // An error added to a test.failing() test would count as its expected failure and
    // turn it green: its leaks fail the file instead, naming the test. (The owner's name
    // is the test's, built only when a leak is delivered.)
    const fail = test.failing
      ? (errors: Error[]) => this.state?.unhandledErrors.push(...errors.map((e) => retitled(e, `In test.failing "${owner.name}": `)))
      : (errors: Error[]) => test.errors.push(...errors);
    const leaks = [...(await this.handleLeaksOf(owner)), ...this.fakeTimerLeaks(owner)];
    this.close(test, owner, !promisesAreSymptoms(leaks), (promiseLeaks) => this.deliver(promiseLeaks, 'test', owner.name, fail));
    if (leaks.length === 0 && !this.policy.allowsAny(owner)) this.attribution.judgedClean(owner);
    if (leaks.length > 0) this.deliver(leaks, 'test', owner.name, fail);
  }

  private async checkFile(state: Circus.State): Promise<void> {
    const deliver = (leaks: Leak[]): void => this.deliver(leaks, 'file', this.host.testPath, (errors) => state.unhandledErrors.push(...errors));
    const file = this.attribution.file;
    const leaks = await this.handleLeaksOf(file);
    this.close(file, file, !promisesAreSymptoms(leaks), deliver);
    if (leaks.length > 0) deliver(leaks);
    await this.promises?.judge({
      releaseBookkeeping: () => this.releaseBookkeeping(),
      retainers: this.options.retainers ? (leaks) => this.retainersOf(leaks) : undefined,
    });
  }

  /**
   * Closes a judged owner. Without handle leaks, its pending promises go to the file's
   * promise verdict; with them, they are symptoms (a promise waiting on a leaked socket)
   * and are dropped: the handle is the cause.
   */
  private close(key: object, owner: Owner, keepPromises: boolean, deliver: (leaks: Leak[]) => void): void {
    const tracker = this.tracker;
    if (tracker === undefined || this.promises === undefined) return;
    const records = tracker.close(owner, keepPromises);
    this.fakeTimers?.forget(owner);
    this.promises.hold(key, {
      records,
      heldAt: Date.now(),
      deliver: (survivors, retainers) => {
        const leaks = groupLeaks(this.describeChains(survivors, owner, retainers));
        if (leaks.length > 0) deliver(leaks);
      },
    });
  }

  /**
   * What only Jest's bookkeeping keeps alive: mock call records, spies' restore records (a
   * spied-on object, and what it holds), fake clocks' pending timers. Spies are restored:
   * Jest restores every spy of the file itself as soon as the file is done (its runtime's
   * teardown), and restoring is the only way to let go of what a spy keeps.
   */
  private releaseBookkeeping(): void {
    try {
      this.host.moduleMocker?.clearAllMocks();
      this.host.moduleMocker?.restoreAllMocks?.();
    } catch (error) {
      this.internalError(error);
    }
    const jestClock = this.host.fakeTimers?._clock;
    if (jestClock !== undefined) this.clocks.add(jestClock);
    releaseClocks(this.clocks);
    this.clocks.clear();
  }

  /** Notes the fake clock installed on the test's global now (Jest's or a user's own @sinonjs/fake-timers). */
  private noteClock(): void {
    const clock = installedClock(this.host.global);
    if (clock !== undefined) this.clocks.add(clock);
  }

  /**
   * Which tests ran, and the baseline entries the file leaked less than (all verdicts are in).
   * With strictBaseline (outside `npx leakcheck baseline`), stale entries fail the file.
   */
  private checkBaseline(state: Circus.State): void {
    this.tests = testRuns(state);
    if (this.allowance === undefined || this.baseline === undefined) return;
    this.stale = this.allowance.stale(recordPath(this.host.rootDir, this.host.testPath), this.tests);
    if (this.stale.length > 0 && this.options.strictBaseline && baselineRun() === undefined) {
      const { path: file, key } = this.baseline;
      state.unhandledErrors.push(staleBaselineError(this.stale, { path: file, key, shown: path.relative(this.host.rootDir, file) }));
    }
  }

  /** Records the leaks (every group) and reports them: one error for the test (or file), or one warning. */
  private deliver(leaks: Leak[], scope: Scope, where: string, fail: (errors: Error[]) => void): void {
    const mode = this.options.mode === 'warn' ? 'warn' : 'fail';
    const testName = scope === 'test' ? where : null;
    const all = toRecords(leaks, { rootDir: this.host.rootDir, testPath: this.host.testPath, testName, scope, mode });
    const records = this.allowance?.apply(all) ?? all;
    this.records.push(...records);
    // Known leaks are one line; the rest are reported as ever, saying what the baseline knew.
    const known = records.filter((r) => r.baselined);
    const rest = records.filter((r) => !r.baselined);
    if (known.length > 0) warnWithoutStack(this.host.console, knownLeaksLine(known, where, scope));
    if (rest.length === 0) return;
    const beyond = this.allowance === undefined ? undefined : beyondBaseline(rest, (kind) => this.allowance?.known(testName, kind) ?? 0, scope);
    const report = {
      scope,
      maxGroups: MAX_GROUPS,
      footer: [beyond, this.policy.footer(scope, rest.map((l) => l.kind))].filter(Boolean).join('\n'),
      // Printed rather than thrown: render the frames (code frame, relative paths) as Jest would.
      renderFrames: (frames: readonly string[]) =>
        formatStackTrace(frames.map((f) => `    ${f}`).join('\n'), { rootDir: this.host.rootDir, testMatch: [] }, { noStackTrace: false }, this.host.testPath),
    };
    if (mode === 'warn') warnWithoutStack(this.host.console, formatReport(rest, report, where));
    else fail([leakError(rest, report)]);
  }

  /**
   * The owner's handle leaks: collect (its records) → settle (still active after the grace;
   * the policy decides once per active record whether it is worth waiting for) → classify
   * (parts and connection ends are not leaks of their own) → describe.
   */
  private async handleLeaksOf(owner: Owner): Promise<Leak[]> {
    const tracker = this.tracker;
    if (tracker === undefined || owner.records.size === 0) return [];
    const activity = { includeUnref: this.options.includeUnref };
    let now: number | undefined;
    const settled = await settle(() => owner.records, {
      timeoutMs: this.options.timeoutMs,
      isActive: (record) => {
        const resource = record.ref.deref();
        return resource !== undefined && isActive(record.kind, resource, activity);
      },
      matters: (record) => {
        const origins = originsOf(record, record.ref.deref(), this.host.annotations);
        return this.policy.keeps([{ kind: record.kind, stack: record.stack, origins }], owner);
      },
      checkpointsMs: [SHORT_GRACE_MS],
      anyMayFinishWithin: (active, withinMs, elapsedMs) => {
        now = loopNow(); // once per round: it arms and clears a probe timer
        return active.some((record) => {
          const resource = record.ref.deref();
          try {
            return resource !== undefined && mayFinishWithin(record.kind, resource, { withinMs, elapsedMs, now });
          } catch {
            return false;
          }
        });
      },
    });
    // Done with: never looked at again, and their stacks are not kept (see Tracker.close).
    for (const record of settled.dismissed) tracker.forget(record);
    const described = withoutRepeats(settled.active.map((record) => ({ record, resource: record.ref.deref(), failure: settled.uninspectable.get(record) })));
    const leaks = groupLeaks(described.map(({ record, resource, failure }) => describeHandle(record, resource, failure, this.host.annotations)));
    // Described first: a description reads the resource's state, which containing changes.
    // A test's name (for the baseline) is built only when it has leaks (see Owner.name).
    if (settled.active.length > 0) this.contain(settled.active, settled.uninspectable, owner.scope === 'test' ? owner.name : null);
    return leaks;
  }

  /**
   * Contains what is about to be reported (see contain.ts and the `contain` option): every
   * active record is reported, as itself or as a part of another. What an opt-out or an
   * ignore rule let through was dismissed before this, and is never touched. A kind the
   * baseline knows for this test is at most unref'd: known leaks are accepted behaviour, and
   * stopping them would change what later tests see.
   */
  private contain(active: readonly ResourceRecord[], uninspectable: ReadonlyMap<ResourceRecord, unknown>, testName: string | null): void {
    const how = containFor(this.options);
    if (how === 'off') return;
    for (const record of active) {
      const resource = record.ref.deref();
      if (resource === undefined || uninspectable.has(record)) continue;
      const known = (this.allowance?.known(testName, record.kind) ?? 0) > 0;
      const failure = contain(record.kind, resource, known ? 'unref' : how);
      if (failure !== undefined) this.internalError(failure);
    }
  }

  /** With the fakeTimers option: fake timers the owner left pending on the fake clock. */
  private fakeTimerLeaks(owner: Owner): Leak[] {
    if (this.fakeTimers === undefined) return [];
    const pending = this.fakeTimers
      .pendingFor(owner)
      .filter((timer) => this.policy.keeps([{ kind: 'timer', stack: timer.stack }], owner));
    return groupLeaks(pending.map((timer) => describeFakeTimer(timer, FAKE_TIMER_HINT)));
  }

  /** What keeps each leaked promise alive; a failure to find out costs only the explanation. */
  private retainersOf(leaks: readonly ResourceRecord[]): ReadonlyMap<ResourceRecord, Retainer> {
    try {
      return retainerPaths(leaks, (record) => record.ref.deref(), this.host.rootDir);
    } catch (error) {
      this.internalError(error);
      return new Map();
    }
  }

  /** A promise chain is one leak: ignoring or allowing any promise of it silences all of it. */
  private describeChains(records: readonly ResourceRecord[], owner: Owner, retainers: ReadonlyMap<ResourceRecord, Retainer>): LeakInput[] {
    return chainsOf(records)
      .filter((chain) => this.policy.keeps(chain.members, owner))
      .map((chain) => ({
        kind: 'promise',
        hint: hintFor('promise', 'PROMISE', undefined) + (this.options.retainers ? '' : RETAINERS_TIP),
        retainedBy: nearest(chain.members.map((member) => retainers.get(member))),
        ...describeChain(chain, this.host.rootDir, owner.scope),
      }));
  }

  private internalError(error: unknown): void {
    if (this.warnedInternal) return;
    this.warnedInternal = true;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.host.console.warn(
      `jest-environment-leakcheck: internal error, leak checking is unreliable for the rest of this file; test results are unaffected.\n${detail}`,
    );
  }
}
