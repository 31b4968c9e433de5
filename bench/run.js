#!/usr/bin/env node
// `npm run bench`: generates the suites, runs every (suite, environment, workers) combination
// interleaved with a warm-up round, and writes medians and per-pair ratios to plain `node`.
// Usage: node bench/run.js [--quick] [--suite NAME[,NAME…]] [--reps N] [--no-warmup]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { SUITES, ENVIRONMENTS, generate, PACKAGE, WORK, ROOT, SEED } = require('./generate');
const { measure, killRunning, SAMPLE_MS, HAS_TIME } = require('./measure');
const { summarize, renderMarkdown } = require('./report');

const JEST_BIN = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const RESULTS = path.join(__dirname, 'results');
const WORKERS = [
  { id: 'band', label: '--runInBand', flags: ['--runInBand'] },
  { id: 'w2', label: '--maxWorkers=2', flags: ['--maxWorkers=2'] },
];
/** Measured repetitions per combination (full scale). */
const DEFAULT_REPS = 4;
const RUN_TIMEOUT_MS = 15 * 60 * 1000;

function parseArgs(argv) {
  const args = { quick: false, suites: undefined, reps: undefined, warmup: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--no-warmup') args.warmup = false;
    else if (a.startsWith('--suite')) args.suites = value().split(',').filter(Boolean);
    else if (a.startsWith('--reps')) {
      args.reps = Number(value());
      if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error('--reps must be a positive integer');
    } else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--suite NAME[,NAME…]] [--reps N] [--no-warmup]');
      console.log(`suites: ${SUITES.map((s) => s.name).join(', ')}`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  const known = SUITES.map((s) => s.name);
  for (const s of args.suites ?? []) if (!known.includes(s)) throw new Error(`unknown suite ${s}; one of ${known.join(', ')}`);
  // The crowded target compares against crowded-baseline: run them together.
  if (args.suites?.includes('crowded') && !args.suites.includes('crowded-baseline')) args.suites.push('crowded-baseline');
  return args;
}

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function machine() {
  const cpus = os.cpus();
  const git = (...a) => safe(() => execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(), '');
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    jest: require(path.join(ROOT, 'node_modules/jest/package.json')).version,
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src').length > 0,
    loadAvgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

/** The jest argv for one combination. Same cache policy for every environment. */
function jestArgs(envDef, workers, runDir) {
  return [
    process.execPath,
    JEST_BIN,
    '--config',
    `jest.${envDef.config}.config.js`,
    '--ci',
    '--silent',
    // No cache at all: a fresh, empty cache directory per run and --no-cache, so no run
    // benefits from an earlier one (including Jest's per-file timings, which would switch
    // small suites to in-band under --maxWorkers=2).
    '--no-cache',
    `--cacheDirectory=${path.join(runDir, 'cache')}`,
    '--json',
    `--outputFile=${path.join(runDir, 'result.json')}`,
    ...workers.flags,
    ...envDef.flags,
  ];
}

/** Checks a run ended as it must (all pass, or the designed failures of leaky and promise-leaks). */
function verdictOf(suite, info, envDef, runDir, m) {
  const expectedFailed = suite.expectedFailures(envDef.id, info.tests);
  let result;
  try {
    result = JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8'));
  } catch {
    return { ok: false, problem: `no Jest JSON result (exit ${m.code}, signal ${m.signal})` };
  }
  const { numTotalTests, numFailedTests, numPassedTests, numRuntimeErrorTestSuites } = result;
  const problems = [];
  if (numTotalTests !== info.tests) problems.push(`${numTotalTests} tests instead of ${info.tests}`);
  if (numFailedTests !== expectedFailed) problems.push(`${numFailedTests} failed (expected ${expectedFailed})`);
  if (numPassedTests !== info.tests - expectedFailed) problems.push(`${numPassedTests} passed (expected ${info.tests - expectedFailed})`);
  if (numRuntimeErrorTestSuites > 0) problems.push(`${numRuntimeErrorTestSuites} files failed to run`);
  const expectedCode = expectedFailed > 0 ? 1 : 0;
  if (m.code !== expectedCode) problems.push(`exit code ${m.code} (expected ${expectedCode})`);
  const leaks = suite.expectedLeaks?.(envDef.id, info.tests);
  if (leaks) problems.push(...leakProblems(result, leaks));
  if (problems.length === 0) return { ok: true };
  // Unexpected failures: keep the first messages so a detector bug can be reported (for
  // a suite that fails by design, only when its leak reports were not the expected ones).
  const messages = [];
  const keep = expectedFailed === 0 || leaks !== undefined;
  for (const file of result.testResults ?? []) {
    if (file.message && keep) messages.push(`${path.basename(file.name)}: ${file.message.slice(0, 2000)}`);
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'failed' && keep) messages.push(`${a.fullName}: ${a.failureMessages.join('\n').slice(0, 2000)}`);
    }
  }
  return { ok: false, problem: problems.join('; '), messages: messages.slice(0, 5) };
}

const LEAK_HEADLINE = /leakcheck: (\d+) async resources? created by this test (?:is|are) still alive/;
const LEAK_KIND = /^\[([a-z-]+)\] /gm;

/**
 * For suites that fail by design: the failed tests must report, in total, exactly
 * `count` leaked resources, all of kind `kind` (the first headline of a test gives its
 * total; every group line starts with its [kind]). Failures that are not leak reports
 * are problems too.
 */
function leakProblems(result, { kind, count }) {
  let total = 0;
  const otherKinds = new Set();
  let notLeaks = 0;
  for (const file of result.testResults ?? []) {
    for (const a of file.assertionResults ?? []) {
      if (a.status !== 'failed') continue;
      const text = a.failureMessages.join('\n');
      const headline = LEAK_HEADLINE.exec(text);
      if (!headline) {
        notLeaks++;
        continue;
      }
      total += Number(headline[1]);
      for (const [, k] of text.matchAll(LEAK_KIND)) if (k !== kind) otherKinds.add(k);
    }
  }
  const problems = [];
  if (total !== count) problems.push(`${total} leaks reported (expected ${count} ${kind} leaks)`);
  if (otherKinds.size) problems.push(`leaks of kind ${[...otherKinds].join(', ')} reported (expected only ${kind})`);
  if (notLeaks) problems.push(`${notLeaks} failed tests without a leak report`);
  return problems;
}

function phaseOf(phaseDir) {
  const entries = safe(() => fs.readdirSync(phaseDir), []).map((f) => JSON.parse(fs.readFileSync(path.join(phaseDir, f), 'utf8')));
  if (entries.length === 0) return undefined;
  // Mean per-test time over files (files may run in parallel in different workers).
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    perTestUs: mean(entries.map((e) => (e.ms * 1000) / e.tests)),
    perTestCpuUs: mean(entries.map((e) => (e.cpuMs * 1000) / e.tests)),
  };
}

async function runOne(suite, info, envDef, workers, label) {
  const runDir = fs.mkdtempSync(path.join(WORK, 'run-'));
  const phaseDir = path.join(runDir, 'phase');
  fs.mkdirSync(phaseDir);
  const logDir = path.join(WORK, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${suite.name}.${envDef.id}.${workers.id}.${label}.log`);
  const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', BENCH_PHASE_DIR: phaseDir };
  const m = await measure(jestArgs(envDef, workers, runDir), { cwd: info.dir, env, logFile, timeoutMs: RUN_TIMEOUT_MS });
  const verdict = verdictOf(suite, info, envDef, runDir, m);
  const phase = suite.phase ? phaseOf(phaseDir) : undefined;
  fs.rmSync(runDir, { recursive: true, force: true });
  return { ...m, ...verdict, ...phase, log: path.relative(ROOT, logFile) };
}

const README = path.join(__dirname, 'README.md');
const START = '<!-- latest-results:start -->';
const END = '<!-- latest-results:end -->';

function updateReadme(markdown) {
  const text = safe(() => fs.readFileSync(README, 'utf8'), undefined);
  if (text === undefined || !text.includes(START) || !text.includes(END)) return;
  const body = markdown.replace(/^(#+) /gm, '#$1 '); // one level deeper than in latest.md
  fs.writeFileSync(README, `${text.slice(0, text.indexOf(START) + START.length)}\n${body}\n${text.slice(text.indexOf(END))}`);
}

function fmt(n, digits = 2) {
  return n === undefined ? '—' : n.toFixed(digits);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const scale = args.quick ? 'quick' : 'full';
  const names = args.suites ?? SUITES.map((s) => s.name);
  const suites = SUITES.filter((s) => names.includes(s.name));
  const infos = generate(names, scale);
  const repsOf = (suite) => args.reps ?? (args.quick ? 1 : DEFAULT_REPS);
  const warmup = args.warmup && !args.quick;
  const combos = ENVIRONMENTS.flatMap((envDef) => WORKERS.map((workers) => ({ envDef, workers })));
  const info = { ...machine(), build: infos[PACKAGE].hash };
  console.log(`bench: ${scale} scale, suites ${names.join(', ')}; ${info.cpu}, ${info.cores} cores, Node ${info.node}, Jest ${info.jest}`);
  if (!HAS_TIME) console.log('bench: /usr/bin/time not found: CPU time is sampled from /proc only');

  const runs = [];
  const started = Date.now();
  for (const suite of suites) {
    const suiteInfo = infos[suite.name];
    const reps = repsOf(suite);
    const rounds = [...(warmup ? ['warmup'] : []), ...Array.from({ length: reps }, (_, i) => i)];
    for (const [index, round] of rounds.entries()) {
      // A B C … then … C B A: each environment's runs sit next to plain node's on average.
      const order = index % 2 === 0 ? combos : [...combos].reverse();
      for (const { envDef, workers } of order) {
        const label = round === 'warmup' ? 'warmup' : `rep${round + 1}`;
        const r = await runOne(suite, suiteInfo, envDef, workers, label);
        const line = `${suite.name.padEnd(16)} ${envDef.id.padEnd(19)} ${workers.id.padEnd(4)} ${label.padEnd(6)} wall ${fmt(r.wallS)} s  cpu ${fmt(r.cpuS)} s  rss ${fmt(r.peakRssMb, 0)} MB${r.ok ? '' : `  !! ${r.problem}`}`;
        console.log(line);
        if (!r.ok && r.messages?.length) console.log(r.messages.map((m) => `    ${m.split('\n').join('\n    ')}`).join('\n'));
        if (round !== 'warmup') runs.push({ suite: suite.name, env: envDef.id, workers: workers.id, rep: round + 1, ...r });
      }
    }
  }

  const settings = {
    scale,
    seed: SEED,
    reps: Object.fromEntries(suites.map((s) => [s.name, repsOf(s)])),
    warmup,
    cache: '--no-cache and a fresh empty --cacheDirectory per run (every run is cold for Jest caches); no transform (plain CommonJS tests)',
    jestFlags: '--ci --silent --json --outputFile',
    measurement: {
      wall: 'spawn to exit of the Jest process tree (monotonic clock)',
      cpu: HAS_TIME
        ? 'user+sys of Jest and every descendant it reaped (/usr/bin/time), or the /proc-sampled sum over the tree if larger'
        : 'user+sys sampled from /proc per process of the tree (last sample)',
      peakRss: `largest sum of RSS over the Jest process tree, sampled from /proc every ${SAMPLE_MS} ms`,
    },
    durationS: Math.round((Date.now() - started) / 1000),
    loadAvgAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const suiteMeta = Object.fromEntries(suites.map((s) => [s.name, { description: s.description, files: infos[s.name].files, tests: infos[s.name].tests }]));
  const wallTargets = Object.fromEntries(suites.filter((s) => s.wallTarget).map((s) => [s.name, s.wallTarget]));
  const summary = summarize(runs, { suites: suites.map((s) => s.name), envs: ENVIRONMENTS, workers: WORKERS, wallTargets });
  const result = { machine: info, settings, suites: suiteMeta, environments: ENVIRONMENTS, workers: WORKERS, ...summary, runs };
  const markdown = renderMarkdown(result);

  // bench/results/latest.* always hold a complete run; smoke and narrowed runs go to .work/.
  const complete = !args.quick && args.suites === undefined;
  const outDir = complete ? RESULTS : WORK;
  const base = args.quick ? 'quick' : complete ? 'latest' : 'partial';
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${base}.json`), JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(path.join(outDir, `${base}.md`), markdown);
  // A complete full-scale run also refreshes the table in bench/README.md.
  if (complete) updateReadme(markdown);
  console.log(`\n${markdown}`);
  console.log(`bench: wrote ${path.relative(process.cwd(), path.join(outDir, `${base}.json`))} and .md in ${settings.durationS} s`);
  // Unexpected test outcomes (a detector bug, or a broken suite) fail the command; the
  // designed failures of leaky and promise-leaks and missed targets do not.
  const bad = runs.filter((r) => !r.ok);
  if (bad.length > 0) {
    console.error(`bench: ${bad.length} run(s) ended unexpectedly; see the logs listed in the JSON`);
    process.exitCode = 1;
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killRunning();
    process.exit(130);
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
