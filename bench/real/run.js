#!/usr/bin/env node
// Dogfooding on real suites: each suite of suites.json, checked out at its pinned commit
// under <root>/<name> (no third-party code is committed here), is installed from its own
// lockfile, given this package from a fresh `npm pack`, and run plain and under the
// environment in interleaved rounds. Every test that passes plain and fails under the
// environment is listed with its message: each is a bug until shown to be a real leak.
//
//   node bench/real/run.js <root> [--suite name] [--rounds N] [--checkout]
//
// --checkout extracts each suite from a git dir given as <root>/<name>.git (a bare clone).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const root = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!root) {
  console.error('usage: node bench/real/run.js <root> [--suite name] [--rounds N] [--checkout]');
  process.exit(2);
}
const rounds = Number(option('rounds') ?? 3);
const only = option('suite');
const suites = JSON.parse(fs.readFileSync(path.join(__dirname, 'suites.json'), 'utf8')).filter((s) => !only || s.name === only);

function run(cmd, argv, opts) {
  const started = process.hrtime.bigint();
  const child = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 1 << 28, ...opts });
  return { ...child, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function tarball() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'leakcheck-pack-'));
  const packed = run('npm', ['pack', '--silent', '--pack-destination', out], { cwd: ROOT });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  return path.join(out, packed.stdout.trim().split('\n').pop());
}

function jest(suite, dir, environment) {
  const out = path.join(os.tmpdir(), `leakcheck-real-${suite.name}-${environment ? 'lc' : 'plain'}.json`);
  fs.rmSync(out, { force: true });
  const argv = ['jest', '--ci', '--json', `--outputFile=${out}`, ...(suite.jestArgs ?? [])];
  if (environment) argv.push(`--testEnvironment=${suite.environment}`);
  const result = run('npx', argv, { cwd: dir, env: { ...process.env, ...(suite.env ?? {}), FORCE_COLOR: '0' } });
  let json;
  try {
    json = JSON.parse(fs.readFileSync(out, 'utf8'));
  } catch {
    json = undefined;
  }
  return { seconds: result.seconds, json, stderr: result.stderr };
}

function statuses(json) {
  const map = new Map();
  for (const file of json?.testResults ?? []) {
    for (const t of file.assertionResults) map.set(`${path.basename(file.name)} › ${t.fullName}`, t);
  }
  return map;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const packed = tarball();
const results = [];
for (const suite of suites) {
  const dir = path.join(root, suite.name);
  if (args.includes('--checkout')) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    run('sh', ['-c', `git --git-dir="${dir}.git" archive ${suite.commit} | tar -x -C "${dir}"`]);
  }
  if (!fs.existsSync(path.join(dir, 'node_modules'))) {
    const installed = run(suite.install[0], suite.install.slice(1), { cwd: dir });
    if (installed.status !== 0) throw new Error(`${suite.name}: install failed:\n${installed.stderr}`);
  }
  const added = run('npm', ['install', '--no-save', '--ignore-scripts', packed], { cwd: dir });
  if (added.status !== 0) throw new Error(`${suite.name}: installing the package failed:\n${added.stderr}`);
  const plain = [];
  const checked = [];
  let last;
  for (let i = 0; i < rounds; i++) {
    // Interleaved, so that a slower machine moment costs both sides alike.
    const a = jest(suite, dir, false);
    const b = jest(suite, dir, true);
    plain.push(a.seconds);
    checked.push(b.seconds);
    last = { plain: a.json, checked: b.json };
  }
  const before = statuses(last.plain);
  const newlyFailing = [];
  for (const [name, t] of statuses(last.checked)) {
    if (t.status === 'failed' && before.get(name)?.status === 'passed') newlyFailing.push({ name, message: t.failureMessages.join('\n') });
  }
  const fileFailures = (last.checked?.testResults ?? [])
    .filter((f) => f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed'))
    .map((f) => ({ file: path.basename(f.name), message: f.message }));
  results.push({
    suite: suite.name,
    commit: suite.commit,
    style: suite.style,
    tests: before.size,
    plainPassed: last.plain?.numPassedTests,
    newlyFailing,
    fileFailures,
    plainMedian: median(plain),
    checkedMedian: median(checked),
    ratio: median(checked.map((c, i) => c / plain[i])),
  });
  console.log(`${suite.name}: ${newlyFailing.length} newly failing, ratio ${results.at(-1).ratio.toFixed(2)}×`);
}
fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
const rows = results.map(
  (r) =>
    `| ${r.suite} | \`${r.commit.slice(0, 10)}\` | ${r.style} | ${r.tests} | ${r.newlyFailing.length} | ${r.fileFailures.length} | ${r.plainMedian.toFixed(1)} | ${r.checkedMedian.toFixed(1)} | ${r.ratio.toFixed(2)}× |`,
);
console.log(
  [
    '| suite | commit | style | tests | newly failing tests | newly failing files | plain s (median) | leakcheck s (median) | ratio (median of pairs) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
);
