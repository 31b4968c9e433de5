#!/usr/bin/env node
// Dogfooding on real open-source Jest suites.
//
// Each suite of suites.json is a public project pinned at a commit. Its checkout lives under
// <root>/<name> (made from a bare git dir with `git archive <commit>`; no third-party code is
// ever committed here). For each suite the runner:
//   1. installs the suite from its own lockfile (once, when it has no node_modules yet),
//   2. installs this package into it from a fresh `npm pack` tarball, without saving, so that
//      the suite's OWN jest / jest-environment-node / jest-environment-jsdom are the peers,
//   3. runs the suite's jest plain and under the environment, in interleaved pairs, always
//      with --json --outputFile (the environment is passed as --testEnvironment, every other
//      setting of the suite's own config is kept),
//   4. lists every test that passes plain and fails under the environment, with its message,
//      and every test file that fails to run only under the environment,
//   5. times both sides (median of each, median of the per-pair ratios).
//
//   node bench/real/run.js <root> [--suite name[,name]] [--rounds N] [--checkout <mirrors>]
//                                 [--reinstall] [--no-pack] [--timeout seconds] [--suites file]
//
//   --checkout <mirrors>  (re)extract each suite from <mirrors>/<owner>+<repo>/repo, a bare
//                         git dir, at its pinned commit, before installing it.
//   --reinstall           run the suite's install command even if node_modules exists.
//   --no-pack             reuse the tarball of the previous run (bench/real/.pack/).
//   --suites file         another list than bench/real/suites.json (results still go here).
//
// Writes bench/real/results.md (a table and every newly failing test) and
// bench/real/results.json (raw: every run's status, seconds, per-test statuses, messages).
// Every spawned process has a timeout and is killed with its whole process group.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const HERE = __dirname;
const PKG = path.resolve(HERE, '../..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const valued = new Set(['--suite', '--suites', '--rounds', '--checkout', '--timeout']);
const positional = argv.filter((a, i) => !a.startsWith('--') && !valued.has(argv[i - 1]));
const root = positional[0] && path.resolve(positional[0]);
if (!root) {
  console.error(
    'usage: node bench/real/run.js <root> [--suite name[,name]] [--rounds N] [--checkout <mirrors>] [--reinstall] [--no-pack] [--timeout seconds] [--suites file]',
  );
  process.exit(2);
}
const rounds = Math.max(1, Number(option('rounds') ?? 3));
const only = option('suite')?.split(',');
const jestTimeoutMs = Number(option('timeout') ?? 600) * 1000;
const suitesFile = path.resolve(option('suites') ?? path.join(HERE, 'suites.json'));
const allSuites = JSON.parse(fs.readFileSync(suitesFile, 'utf8'));
const suites = allSuites.filter((s) => !only || only.includes(s.name));
if (only && suites.length !== only.length) {
  console.error(`unknown suite in --suite ${only.join(',')}; known: ${allSuites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

// Runs a command with a hard timeout; on timeout the whole process group is killed (Jest
// workers included), so that nothing can hang the runner.
//
// With `resultFile`, a Jest that wrote its results but does not exit within `exitGraceMs`
// after ("Jest did not exit one second after the test run has completed": something the
// suite left running keeps it alive) is killed too, and reported as `hungAfterResults`;
// its time is then counted up to the results file's write.
function run(cmd, args, { cwd, env, timeoutMs = 15 * 60_000, input, resultFile, exitGraceMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      detached: true,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const cap = (s, chunk) => (s.length > 8 << 20 ? s : s + chunk);
    child.stdout.on('data', (c) => (stdout = cap(stdout, c)));
    child.stderr.on('data', (c) => (stderr = cap(stderr, c)));
    if (input !== undefined) child.stdin.end(input);
    let timedOut = false;
    let hungAfterResults = false;
    let resultsAt;
    const kill = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    const watch =
      resultFile &&
      setInterval(() => {
        try {
          resultsAt ??= fs.statSync(resultFile).mtimeMs;
        } catch {
          return;
        }
        if (Date.now() - resultsAt > exitGraceMs && !hungAfterResults) {
          hungAfterResults = true;
          kill('SIGTERM');
          setTimeout(() => kill('SIGKILL'), 5000).unref();
        }
      }, 250);
    const timer = setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    const done = (status, signal, error) => {
      clearTimeout(timer);
      if (watch) clearInterval(watch);
      // Whatever the command left behind in its group (a detached jest worker, a leaked
      // child process of a test) goes too.
      kill('SIGKILL');
      const seconds = hungAfterResults ? (resultsAt - startedAt) / 1000 : Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ status, signal, error, timedOut, hungAfterResults, stdout, stderr, seconds });
    };
    child.on('error', (e) => done(null, null, e));
    child.on('close', (status, signal) => done(status, signal));
  });
}

async function pack() {
  const dir = path.join(HERE, '.pack');
  if (flag('no-pack')) {
    const tgz = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (tgz) return path.join(dir, tgz);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // --ignore-scripts: pack what is built (run `npm run build` first); the prepare script
  // would rebuild from a src/ that may be mid-edit.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: PKG, timeoutMs: 120_000 });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  return path.join(dir, packed.stdout.trim().split('\n').pop());
}

const fill = (args, vars) => args.map((a) => a.replace(/\{(\w+)\}/g, (m, k) => vars[k] ?? m));

async function prepare(suite, tgz) {
  const dir = path.join(root, suite.name);
  const mirrors = option('checkout');
  if (mirrors) {
    const git = path.join(path.resolve(mirrors), suite.repo.replace('/', '+'), 'repo');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const x = await run('sh', ['-c', 'git --git-dir="$1" archive "$2" | tar -x -C "$3"', 'sh', git, suite.commit, dir], { timeoutMs: 300_000 });
    if (x.status !== 0) throw new Error(`${suite.name}: checkout failed:\n${x.stderr}`);
  }
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new Error(`${suite.name}: no checkout at ${dir}`);
  if (flag('reinstall') || !fs.existsSync(path.join(dir, 'node_modules'))) {
    log(`${suite.name}: ${suite.install.join(' ')}`);
    const installed = await run(suite.install[0], suite.install.slice(1), { cwd: dir, timeoutMs: 15 * 60_000 });
    if (installed.status !== 0) throw new Error(`${suite.name}: install failed:\n${installed.stderr.slice(-4000)}`);
  }
  const add = suite.addPackage ?? ['npm', 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '{tgz}'];
  log(`${suite.name}: ${fill(add, { tgz }).join(' ')}`);
  const added = await run(add[0], fill(add.slice(1), { tgz }), { cwd: dir, timeoutMs: 10 * 60_000 });
  if (added.status !== 0) throw new Error(`${suite.name}: installing the package failed:\n${added.stderr.slice(-4000)}`);
  const versionOf = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  const installedVersion = versionOf('jest-environment-leakcheck');
  const jestVersion = versionOf('jest');
  return { dir, installedVersion, jestVersion };
}

async function jest(suite, dir, checked, round) {
  const out = path.join(os.tmpdir(), `leakcheck-real-${suite.name}-${checked ? 'lc' : 'plain'}-${round}.json`);
  fs.rmSync(out, { force: true });
  const bin = path.join(dir, 'node_modules/jest/bin/jest.js');
  const args = [bin, '--ci', '--json', `--outputFile=${out}`, ...(suite.jestArgs ?? [])];
  if (checked) args.push(`--testEnvironment=${suite.jsdom ? 'jest-environment-leakcheck/jsdom' : 'jest-environment-leakcheck'}`);
  // As under `npm test`: the suite's node_modules/.bin first on PATH (tests that run their
  // tools, e.g. prettier, by name rely on it).
  const env = { ...process.env, PATH: `${path.join(dir, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`, ...(suite.env ?? {}) };
  const result = await run(process.execPath, args, { cwd: dir, env, resultFile: out, timeoutMs: (suite.timeoutSeconds ?? 0) * 1000 || jestTimeoutMs });
  let json;
  try {
    json = JSON.parse(fs.readFileSync(out, 'utf8'));
  } catch {}
  return {
    checked,
    round,
    seconds: result.seconds,
    status: result.status,
    signal: result.signal,
    timedOut: result.timedOut,
    hungAfterResults: result.hungAfterResults,
    json,
    // What the environment printed about itself (an internal error is a console.warn
    // starting with the package name), besides its leak reports.
    leakcheckLines: [...new Set(result.stderr.split('\n').filter((l) => /jest-environment-leakcheck:/.test(l)))].slice(0, 50),
    stderrTail: result.stderr.slice(-3000),
  };
}

// Per-test statuses, keyed by file (relative to the suite) and full name; a repeated name
// in one file gets a #n suffix.
function statuses(json, dir) {
  const map = new Map();
  for (const file of json?.testResults ?? []) {
    const rel = path.relative(dir, file.name);
    for (const t of file.assertionResults ?? []) {
      let key = `${rel} › ${t.fullName}`;
      for (let n = 2; map.has(key); n++) key = `${rel} › ${t.fullName} #${n}`;
      map.set(key, { status: t.status, duration: t.duration ?? 0, message: (t.failureMessages ?? []).join('\n') });
    }
  }
  return map;
}

function files(json, dir) {
  const map = new Map();
  for (const file of json?.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length;
    map.set(path.relative(dir, file.name), { status: file.status, failedTests, message: file.message ?? '' });
  }
  return map;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*m/g, '');

async function bench(suite, tgz) {
  const { dir, installedVersion, jestVersion } = await prepare(suite, tgz);
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    // Interleaved (and alternating which side goes first), so that a slower moment of the
    // machine costs both sides alike.
    const order = i % 2 ? [true, false] : [false, true];
    for (const checked of order) {
      const r = await jest(suite, dir, checked, i);
      log(
        `${suite.name} round ${i + 1}/${rounds} ${checked ? 'leakcheck' : 'plain    '} ${r.seconds.toFixed(1)} s, exit ${r.status ?? r.signal}` +
          `${r.timedOut ? ' TIMED OUT' : ''}${r.hungAfterResults ? ' (did not exit after writing its results: killed)' : ''}, ${r.json ? `${r.json.numPassedTests} passed / ${r.json.numFailedTests} failed / ${r.json.numTotalTests} tests` : 'no JSON'}`,
      );
      runs.push(r);
    }
  }
  const plainRuns = runs.filter((r) => !r.checked);
  const checkedRuns = runs.filter((r) => r.checked);
  const plainStatuses = plainRuns.map((r) => statuses(r.json, dir));
  const checkedStatuses = checkedRuns.map((r) => statuses(r.json, dir));
  // A test counts as newly failing when it passed in every plain run and failed in at least
  // one leakcheck run; how many of them is recorded (a flaky leak shows as 1/3).
  const names = new Set(plainStatuses.flatMap((m) => [...m.keys()]));
  const newlyFailing = [];
  const flakyPlain = [];
  for (const name of names) {
    const plain = plainStatuses.map((m) => m.get(name)?.status);
    const checked = checkedStatuses.map((m) => m.get(name));
    const failedChecked = checked.filter((t) => t?.status === 'failed');
    if (plain.some((s) => s === 'failed')) {
      if (plain.some((s) => s === 'passed')) {
        const count = (xs) => `${xs.filter((s) => s === 'failed').length}/${xs.length}`;
        flakyPlain.push({ name, plainFailed: count(plain), checkedFailed: count(checked.map((t) => t?.status)) });
      }
      continue;
    }
    if (!plain.every((s) => s === 'passed') || failedChecked.length === 0) continue;
    newlyFailing.push({ name, failedRuns: `${failedChecked.length}/${checked.length}`, message: stripAnsi(failedChecked[0].message) });
  }
  const plainFiles = plainRuns.map((r) => files(r.json, dir));
  const fileFailures = [];
  for (const [i, r] of checkedRuns.entries()) {
    for (const [file, f] of files(r.json, dir)) {
      const plainOk = plainFiles.every((m) => m.get(file)?.status === 'passed');
      if (f.status === 'failed' && f.failedTests === 0 && plainOk && !fileFailures.some((x) => x.file === file)) {
        fileFailures.push({ file, round: i + 1, message: stripAnsi(f.message) });
      }
    }
  }
  // Where the extra time goes: tests whose median duration grew most under the environment
  // (a test's duration includes its hooks; the leak verdict's wait is inside it).
  const medianDuration = (maps, name) => median(maps.map((m) => m.get(name)?.duration ?? 0));
  const slower = [...names]
    .map((name) => ({ name, plainMs: medianDuration(plainStatuses, name), checkedMs: medianDuration(checkedStatuses, name) }))
    .map((t) => ({ ...t, addedMs: t.checkedMs - t.plainMs }))
    .sort((a, b) => b.addedMs - a.addedMs)
    .slice(0, 8)
    .filter((t) => t.addedMs >= 50);
  // The same per file (Jest's startTime..endTime of each file): a leak verdict's wait comes
  // after the test's duration is taken, so it only shows here.
  const fileMs = (r) => new Map((r.json?.testResults ?? []).map((f) => [path.relative(dir, f.name), (f.endTime ?? 0) - (f.startTime ?? 0)]));
  const plainFileMs = plainRuns.map(fileMs);
  const checkedFileMs = checkedRuns.map(fileMs);
  const slowerFiles = [...new Set(plainFileMs.flatMap((m) => [...m.keys()]))]
    .map((file) => ({ file, plainMs: median(plainFileMs.map((m) => m.get(file) ?? 0)), checkedMs: median(checkedFileMs.map((m) => m.get(file) ?? 0)) }))
    .map((f) => ({ ...f, addedMs: f.checkedMs - f.plainMs }))
    .sort((a, b) => b.addedMs - a.addedMs)
    .slice(0, 5)
    .filter((f) => f.addedMs >= 100);
  const fileSeconds = (r) => (r.json?.testResults ?? []).reduce((sum, f) => sum + ((f.endTime ?? 0) - (f.startTime ?? 0)), 0) / 1000;
  const plainSeconds = plainRuns.map((r) => r.seconds);
  const checkedSeconds = checkedRuns.map((r) => r.seconds);
  const result = {
    suite: suite.name,
    repo: suite.repo,
    commit: suite.commit,
    style: suite.style,
    jest: jestVersion,
    leakcheck: installedVersion,
    environment: suite.jsdom ? 'leakcheck/jsdom' : 'leakcheck',
    tests: plainStatuses[0]?.size ?? 0,
    plainPassed: plainRuns[0]?.json?.numPassedTests,
    checkedPassed: checkedRuns.map((r) => r.json?.numPassedTests),
    newlyFailing,
    fileFailures,
    flakyPlain,
    plainSeconds,
    checkedSeconds,
    plainMedian: median(plainSeconds),
    checkedMedian: median(checkedSeconds),
    ratio: median(checkedSeconds.map((c, i) => c / plainSeconds[i])),
    // Sum of the files' own run times (Jest's startTime..endTime), without Jest's start-up.
    plainFilesMedian: median(plainRuns.map(fileSeconds)),
    checkedFilesMedian: median(checkedRuns.map(fileSeconds)),
    slower,
    slowerFiles,
    problems: runs
      .filter((r) => r.timedOut || r.hungAfterResults || !r.json)
      .map((r) => ({
        checked: r.checked,
        round: r.round,
        timedOut: r.timedOut,
        hungAfterResults: r.hungAfterResults,
        status: r.status,
        signal: r.signal,
        stderrTail: r.stderrTail,
      })),
    leakcheckLines: [...new Set(checkedRuns.flatMap((r) => r.leakcheckLines))],
  };
  log(
    `${suite.name}: ${result.tests} tests, ${newlyFailing.length} newly failing, ${fileFailures.length} files failing to run, ` +
      `plain ${result.plainMedian.toFixed(1)} s, leakcheck ${result.checkedMedian.toFixed(1)} s, ratio ${result.ratio.toFixed(2)}×`,
  );
  return result;
}

function markdown(results) {
  const lines = [
    '# Real suites',
    '',
    `Generated by \`node bench/real/run.js\` on ${new Date().toISOString().slice(0, 10)}, ${rounds} interleaved round(s), Node ${process.version}, ${os.cpus().length} CPUs.`,
    '"newly failing": passes in every plain run, fails in at least one leakcheck run. Ratio: median of the per-round leakcheck/plain ratios.',
    '',
    '| suite | commit | style | jest | tests | newly failing | files failing to run | plain median s | leakcheck median s | ratio |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    if (r.error) {
      lines.push(`| ${r.suite} | \`${r.commit.slice(0, 10)}\` | ${r.style} | | | | | error: ${r.error.split('\n')[0]} | | |`);
      continue;
    }
    lines.push(
      `| ${r.suite} ([${r.repo}](https://github.com/${r.repo})) | \`${r.commit.slice(0, 10)}\` | ${r.style} | ${r.jest} | ${r.tests} | ${r.newlyFailing.length} | ${r.fileFailures.length} | ${r.plainMedian.toFixed(1)} | ${r.checkedMedian.toFixed(1)} | ${r.ratio.toFixed(2)}× |`,
    );
  }
  for (const r of results) {
    if (r.error) continue;
    lines.push('', `## ${r.suite}`);
    lines.push(
      '',
      `Files' own run time (sum of Jest's per-file start..end, median): plain ${r.plainFilesMedian.toFixed(1)} s, leakcheck ${r.checkedFilesMedian.toFixed(1)} s.` +
        (r.leakcheckLines.length ? ` The environment printed: ${r.leakcheckLines.map((l) => `\`${l.trim()}\``).join('; ')}` : ''),
    );
    if (r.slowerFiles?.length) {
      lines.push('', 'Files that took longest extra under the environment (median ms):', '');
      for (const f of r.slowerFiles) lines.push(`- ${f.file}: ${f.plainMs} → ${f.checkedMs} (+${f.addedMs})`);
    }
    if (r.slower.length) {
      lines.push('', 'Tests that took longest extra under the environment (median ms):', '');
      for (const t of r.slower) lines.push(`- ${t.name}: ${t.plainMs} → ${t.checkedMs} (+${t.addedMs})`);
    }
    if (!r.newlyFailing.length && !r.fileFailures.length && !r.problems.length && !r.flakyPlain.length) {
      lines.push('', 'No test newly failing.');
      continue;
    }
    for (const t of r.newlyFailing) lines.push('', `### ${t.name} (failed ${t.failedRuns})`, '', '```', t.message.trim().slice(0, 4000), '```');
    for (const f of r.fileFailures) lines.push('', `### file ${f.file} fails to run`, '', '```', f.message.trim().slice(0, 4000), '```');
    if (r.flakyPlain.length) {
      const flaky = r.flakyPlain.map((f) => (typeof f === 'string' ? f : `${f.name} (failed ${f.plainFailed} plain, ${f.checkedFailed} under leakcheck)`));
      lines.push('', `Flaky without leakcheck (not counted): ${flaky.join('; ')}`);
    }
    for (const p of r.problems) {
      const what = p.hungAfterResults
        ? 'Jest wrote its results but did not exit (something the suite left running kept it alive); killed, timed up to the results'
        : p.timedOut
          ? 'timed out'
          : `exit ${p.status ?? p.signal}, no JSON`;
      lines.push('', `Run problem (${p.checked ? 'leakcheck' : 'plain'}, round ${p.round + 1}): ${what}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

(async () => {
  const tgz = await pack();
  log(`packed ${tgz}`);
  const jsonPath = path.join(HERE, 'results.json');
  // With --suite, results of the other suites from an earlier run are kept.
  let previous = [];
  try {
    previous = JSON.parse(fs.readFileSync(jsonPath, 'utf8')).results ?? [];
  } catch {}
  const results = [];
  for (const suite of suites) {
    try {
      results.push(await bench(suite, tgz));
    } catch (e) {
      log(String(e.message ?? e));
      results.push({ suite: suite.name, repo: suite.repo, commit: suite.commit, style: suite.style, error: String(e.message ?? e) });
    }
  }
  const merged = allSuites
    .map((s) => results.find((r) => r.suite === s.name) ?? previous.find((r) => r.suite === s.name && r.commit === s.commit))
    .filter(Boolean);
  fs.writeFileSync(jsonPath, `${JSON.stringify({ node: process.version, rounds, results: merged }, null, 2)}\n`);
  fs.writeFileSync(path.join(HERE, 'results.md'), markdown(merged));
  console.log(markdown(merged).split('\n').filter((l) => l.startsWith('|')).join('\n'));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
