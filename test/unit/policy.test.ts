// Policy, ignore-rule matching and the docblock's effect on the options, without Jest runs.
import type { Config } from '@jest/types';
import { framesOf } from '../../src/report/frames';
import { compileRule, describeRule } from '../../src/judge/ignore';
import type { Kind } from '../../src/track/kinds';
import { Policy, resolvePolicy } from '../../src/judge/policy';
import { DEFAULTS } from '../../src/config/options';
import { ValidationError } from 'jest-validate';
import { parseFrame, type StackHolder } from '../../src/track/stack';
import { Owner, type ResourceRecord } from '../../src/track/tracker';

const ROOT_DIR = '/project';

const stackOf = (frames: readonly string[]): StackHolder => ({ stack: ['Error', ...frames.map((f) => `    ${f}`)].join('\n') });

function record(kind: Kind, ...frames: string[]): ResourceRecord {
  return {
    asyncId: 1,
    triggerAsyncId: 0,
    type: kind === 'timer' ? 'Timeout' : 'TCPSERVERWRAP',
    kind,
    ref: new WeakRef({}),
    stack: stackOf(frames),
    origin: undefined,
    executionAsyncId: 1,
    seq: 1,
    owner: undefined,
  };
}

const testOwner = (): Owner => new Owner('test', 't', DEFAULTS.kinds);
const projectConfig = (leakcheck: unknown): Config.ProjectConfig =>
  ({ rootDir: ROOT_DIR, testEnvironmentOptions: leakcheck === undefined ? {} : { leakcheck } }) as unknown as Config.ProjectConfig;

describe('compileRule', () => {
  const subject = (kind: Kind, ...frames: string[]) => ({ kind, frames: frames.map(parseFrame) });

  test('module: a frame under node_modules/<module>/, nested or pnpm-style; not a prefix of another name', () => {
    const matches = compileRule({ module: 'pg-pool' }, ROOT_DIR);
    expect(matches(subject('timer', 'at x (/project/node_modules/pg-pool/index.js:1:1)'))).toBe(true);
    expect(matches(subject('timer', 'at x (/project/node_modules/.pnpm/pg-pool@3.6.1/node_modules/pg-pool/index.js:1:1)'))).toBe(true);
    expect(matches(subject('timer', 'at x (/project/node_modules/pg-pool-extra/index.js:1:1)'))).toBe(false);
    expect(matches(subject('timer', 'at x (/project/src/pg-pool/index.js:1:1)'))).toBe(false);
  });

  test('function: the name, or a method of that name; a dotted name must match in full', () => {
    const bare = compileRule({ function: 'startHeartbeat' }, ROOT_DIR);
    expect(bare(subject('timer', 'at Pool.startHeartbeat (/p/a.js:1:1)'))).toBe(true);
    expect(bare(subject('timer', 'at startHeartbeats (/p/a.js:1:1)'))).toBe(false);
    const dotted = compileRule({ function: 'Pool.connect' }, ROOT_DIR);
    expect(dotted(subject('timer', 'at Pool.connect (/p/a.js:1:1)'))).toBe(true);
    expect(dotted(subject('timer', 'at Client.connect (/p/a.js:1:1)'))).toBe(false);
  });

  test('function: the names a frame shows, with `async`, `new` and an `[as alias]`', () => {
    const matches = (rule: string, frame: string): boolean => compileRule({ function: rule }, ROOT_DIR)(subject('timer', frame));
    expect(matches('Client.query', 'at async Client.query (/p/a.js:1:2)')).toBe(true);
    expect(matches('Pool', 'at new Pool (/p/a.js:1:2)')).toBe(true);
    expect(matches('begin', 'at Object.start [as begin] (/p/a.js:1:2)')).toBe(true);
    expect(matches('start', 'at Object.start [as begin] (/p/a.js:1:2)')).toBe(true);
    expect(matches('a', 'at /p/a.js:1:2')).toBe(false);
  });

  test('file: a glob relative to rootDir, also written with <rootDir>/, or absolute', () => {
    const frame = 'at poll (/project/src/legacy/poller.js:1:1)';
    expect(compileRule({ file: 'src/legacy/**' }, ROOT_DIR)(subject('timer', frame))).toBe(true);
    expect(compileRule({ file: '<rootDir>/src/legacy/*.js' }, ROOT_DIR)(subject('timer', frame))).toBe(true);
    expect(compileRule({ file: '/project/src/**/poller.js' }, ROOT_DIR)(subject('timer', frame))).toBe(true);
    expect(compileRule({ file: 'src/current/**' }, ROOT_DIR)(subject('timer', frame))).toBe(false);
    expect(compileRule({ file: 'src/legacy/**' }, ROOT_DIR)(subject('timer', 'at poll (file:///project/src/legacy/poller.mjs:1:1)'))).toBe(true);
    expect(compileRule({ file: 'src/a b/**' }, ROOT_DIR)(subject('timer', 'at poll (file:///project/src/a%20b/poller.mjs:1:1)'))).toBe(true);
    expect(compileRule({ file: 'src/**' }, ROOT_DIR)(subject('timer', 'at new Promise (<anonymous>)'))).toBe(false);
  });

  test('fields are AND-ed; kind may be a list', () => {
    const matches = compileRule({ kind: ['server', 'socket'], module: 'ioredis' }, ROOT_DIR);
    const frame = 'at connect (/project/node_modules/ioredis/index.js:1:1)';
    expect(matches(subject('socket', frame))).toBe(true);
    expect(matches(subject('timer', frame))).toBe(false);
    expect(matches(subject('socket', 'at connect (/project/src/a.js:1:1)'))).toBe(false);
  });

  test('stack: a substring of the frames', () => {
    const matches = compileRule({ stack: 'legacy/poller.js:1' }, ROOT_DIR);
    expect(matches(subject('timer', 'at poll (/project/src/legacy/poller.js:1:1)'))).toBe(true);
    expect(matches(subject('timer', 'at poll (/project/src/legacy/poller.js:2:1)'))).toBe(false);
  });

  test('describeRule shows the rule as written', () => {
    expect(describeRule({ kind: ['timer'], module: 'pg' })).toBe('{ kind: ["timer"], module: "pg" }');
  });
});

describe('Policy', () => {
  test('allow() with no kinds accepts every kind of that owner only', () => {
    const policy = new Policy(DEFAULTS, ROOT_DIR);
    const [allowed, other] = [testOwner(), testOwner()];
    policy.allow(allowed, []);
    expect(policy.reports(record('timer'), allowed)).toBe(false);
    expect(policy.reports(record('server'), allowed)).toBe(false);
    expect(policy.reports(record('timer'), other)).toBe(true);
  });

  test('allow(kinds) accumulates, and allow() afterwards widens to every kind', () => {
    const policy = new Policy(DEFAULTS, ROOT_DIR);
    const owner = testOwner();
    policy.allow(owner, ['timer']);
    policy.allow(owner, ['promise']);
    expect(policy.reports(record('timer'), owner)).toBe(false);
    expect(policy.reports(record('promise'), owner)).toBe(false);
    expect(policy.reports(record('server'), owner)).toBe(true);
    policy.allow(owner, []);
    expect(policy.reports(record('server'), owner)).toBe(false);
  });

  test('ignore rules from the options and added later; unmatched ones are hinted when verbose', () => {
    const policy = new Policy({ ...DEFAULTS, verbose: true, ignore: [{ function: 'used' }, { module: 'unused' }] }, ROOT_DIR);
    expect(policy.reports(record('timer', 'at used (/project/a.js:1:1)'), testOwner())).toBe(false);
    expect(policy.reports(record('timer', 'at other (/project/a.js:1:1)'), testOwner())).toBe(true);
    policy.addRule({ function: 'other' }, 'leakcheck.ignore() at a.test.js:3');
    expect(policy.reports(record('timer', 'at other (/project/a.js:1:1)'), testOwner())).toBe(false);
    policy.addRule({ stack: 'nowhere' }, 'leakcheck.ignore() at a.test.js:4');
    const hints = policy.unusedRuleHints();
    expect(hints).toHaveLength(2);
    expect(hints[0]).toContain('ignore rule { module: "unused" } (testEnvironmentOptions.leakcheck.ignore[1]) matched no leftover resource in this file.');
    expect(hints[1]).toContain('ignore rule { stack: "nowhere" } (leakcheck.ignore() at a.test.js:4)');
  });

  test('a rule may match any cleaned frame of the stack or of its origin, however deep; the report shows that frame', () => {
    // 20 frames of the user's own code below the library call: the library's is the 21st.
    const deep = Array.from({ length: 20 }, (_, i) => `at step${i} (/project/src/flow.js:${i + 1}:1)`);
    const library = 'at Pool.startHeartbeat (/project/node_modules/pg-pool/index.js:9:3)';
    const frames = [...deep.slice(0, 5), 'at listOnTimeout (node:internal/timers:581:17)', ...deep.slice(5), library];
    const policy = new Policy({ ...DEFAULTS, ignore: [{ function: 'startHeartbeat' }] }, ROOT_DIR);
    expect(policy.reports(record('timer', ...frames), testOwner())).toBe(false);
    expect(new Policy({ ...DEFAULTS, ignore: [{ module: 'pg-pool' }] }, ROOT_DIR).reports(record('timer', ...frames), testOwner())).toBe(false);
    // The same stack, not ignored, is reported with every cleaned frame, the library's too.
    const reported = record('timer', ...frames);
    expect(new Policy(DEFAULTS, ROOT_DIR).reports(reported, testOwner())).toBe(true);
    const shown = framesOf(reported, undefined, { pathOf: () => undefined, listenStackOf: () => undefined });
    expect(shown).toEqual([...deep, library]);
    expect(shown.indexOf(library)).toBeGreaterThanOrEqual(12);
    // The request that led to a resource is matched too.
    const fromOrigin = { ...record('socket', deep[0]), origins: [stackOf([...deep.slice(1), library])] };
    expect(policy.reports(fromOrigin, testOwner())).toBe(false);
  });

  test('no hints unless verbose', () => {
    const policy = new Policy({ ...DEFAULTS, ignore: [{ module: 'unused' }] }, ROOT_DIR);
    expect(policy.unusedRuleHints()).toEqual([]);
  });

  test('the footer names the kinds to allow, or the pragma for the file', () => {
    const policy = new Policy(DEFAULTS, ROOT_DIR);
    expect(policy.footer('test', ['timer', 'server', 'timer'])).toContain("leakcheck.allow('timer', 'server')");
    expect(policy.footer('file', ['timer', 'promise'])).toContain('@leakcheck-allow timer, promise');
  });
});

describe('resolvePolicy', () => {
  const context = (pragmas: Record<string, string | string[]> = {}) => ({ docblockPragmas: pragmas, testPath: '/project/a.test.js' });

  test('defaults without options', () => {
    expect(resolvePolicy(projectConfig(undefined), context()).options).toEqual(DEFAULTS);
  });

  test('config options are applied', () => {
    const { options } = resolvePolicy(projectConfig({ kinds: ['timer'], timeoutMs: 0, mode: 'warn', includeUnref: true, verbose: true }), context());
    expect(options).toMatchObject({ kinds: new Set(['timer']), timeoutMs: 0, mode: 'warn', includeUnref: true, verbose: true });
  });

  test('@leakcheck-allow <kinds> removes those kinds; several pragmas add up', () => {
    const { options } = resolvePolicy(projectConfig(undefined), context({ 'leakcheck-allow': ['timer, promise', 'socket'] }));
    expect([...options.kinds].sort()).toEqual(['child-process', 'file-handle', 'fs-watcher', 'immediate', 'message-port', 'server', 'worker']);
    expect(options.mode).toBe('fail');
  });

  test('@leakcheck-allow alone turns the file off, as does allowing every checked kind; it wins over @leakcheck-mode', () => {
    expect(resolvePolicy(projectConfig(undefined), context({ 'leakcheck-allow': '' })).options.mode).toBe('off');
    expect(resolvePolicy(projectConfig({ kinds: ['timer'] }), context({ 'leakcheck-allow': 'timer' })).options.mode).toBe('off');
    expect(resolvePolicy(projectConfig(undefined), context({ 'leakcheck-allow': '', 'leakcheck-mode': 'fail' })).options.mode).toBe('off');
  });

  test('@leakcheck-mode overrides the mode and keeps the rest of the config', () => {
    const { options } = resolvePolicy(projectConfig({ mode: 'fail', ignore: [{ module: 'pg' }] }), context({ 'leakcheck-mode': 'warn' }));
    expect(options.mode).toBe('warn');
    expect(options.ignore).toEqual([{ module: 'pg' }]);
  });

  describe('LEAKCHECK_MODE', () => {
    const saved = process.env.LEAKCHECK_MODE;
    afterEach(() => {
      if (saved === undefined) delete process.env.LEAKCHECK_MODE;
      else process.env.LEAKCHECK_MODE = saved;
    });

    test('wins over the config and @leakcheck-mode; @leakcheck-allow still turns the file off', () => {
      process.env.LEAKCHECK_MODE = 'warn';
      expect(resolvePolicy(projectConfig({ mode: 'fail' }), context()).options.mode).toBe('warn');
      expect(resolvePolicy(projectConfig(undefined), context({ 'leakcheck-mode': 'fail' })).options.mode).toBe('warn');
      expect(resolvePolicy(projectConfig(undefined), context({ 'leakcheck-allow': '' })).options.mode).toBe('off');
      process.env.LEAKCHECK_MODE = ' OFF ';
      expect(resolvePolicy(projectConfig({ mode: 'warn' }), context()).options.mode).toBe('off');
    });

    test('empty is unset', () => {
      process.env.LEAKCHECK_MODE = '';
      expect(resolvePolicy(projectConfig({ mode: 'warn' }), context()).options.mode).toBe('warn');
    });

    test('another value is a validation error naming the variable and the allowed values', () => {
      process.env.LEAKCHECK_MODE = 'wran';
      const thrown = (() => {
        try {
          resolvePolicy(projectConfig({ mode: 'fail' }), context());
        } catch (error) {
          return error as Error;
        }
        return undefined;
      })();
      const message = (thrown?.message ?? '').replace(/\u001b\[[0-9;]*m/g, '');
      expect(thrown).toBeInstanceOf(ValidationError);
      expect(message).toContain('jest-environment-leakcheck found invalid options in the LEAKCHECK_MODE environment variable:');
      expect(message).toContain('Environment variable "LEAKCHECK_MODE" must be one of "fail", "warn" or "off" (or unset), but instead received:\n    "wran"');
      expect(message).toContain('Did you mean "warn"?');
    });
  });

  test('other pragmas (Jest’s own) are left alone', () => {
    expect(() => resolvePolicy(projectConfig(undefined), context({ 'jest-environment': 'leakcheck', flaky: '' }))).not.toThrow();
  });
});
