#!/usr/bin/env node
// Profiles one generated suite under one environment (in band, so the tests run in the
// profiled process) and prints where the CPU time went: self time by function and by file,
// with the package's own files (build/) called out.
// Usage: node bench/profile.js <suite> [node|floor|leakcheck|leakcheck-nopromise] [--quick] [--top N]
// (run `npm run build` first; the .cpuprofile is kept under bench/.work/profiles/ for DevTools).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { SUITES, generate, WORK, ROOT } = require('./generate');

function parse(argv) {
  const positional = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--top');
  const topIndex = argv.indexOf('--top');
  return {
    suite: positional[0],
    env: positional[1] ?? 'leakcheck',
    scale: argv.includes('--quick') ? 'quick' : 'full',
    top: topIndex >= 0 ? Number(argv[topIndex + 1]) : 25,
  };
}

/** Self time per profile node, in ms (the profile samples each node's hitCount at a fixed interval). */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const delta = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + delta);
  }
  return { byId, self };
}

function shortUrl(url) {
  if (!url) return '(native/VM)';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) return p.slice(nm + '/node_modules/'.length);
  // The package snapshot the suites load (see generate.js): shown as the package's build/.
  const pkg = path.join(WORK, 'pkg') + path.sep;
  if (p.startsWith(pkg)) return path.relative(pkg, p);
  if (p.startsWith(ROOT)) return path.relative(ROOT, p);
  return p;
}

function main() {
  const args = parse(process.argv.slice(2));
  const suite = SUITES.find((s) => s.name === args.suite);
  if (!suite) {
    console.error(`usage: node bench/profile.js <${SUITES.map((s) => s.name).join('|')}> [node|floor|leakcheck|leakcheck-nopromise] [--quick] [--top N]`);
    process.exit(2);
  }
  const { dir } = generate([suite.name], args.scale)[suite.name];
  const profDir = path.join(WORK, 'profiles', `${suite.name}.${args.env}.${Date.now()}`);
  fs.mkdirSync(profDir, { recursive: true });
  const started = Date.now();
  const child = spawnSync(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      path.join(ROOT, 'node_modules/jest/bin/jest.js'),
      '--config',
      `jest.${args.env}.config.js`,
      '--ci',
      '--silent',
      '--no-cache',
      `--cacheDirectory=${path.join(profDir, 'cache')}`,
      '--runInBand',
    ],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  const wall = (Date.now() - started) / 1000;
  const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    console.error(child.stderr);
    process.exit(1);
  }
  const profile = JSON.parse(fs.readFileSync(path.join(profDir, files[0]), 'utf8'));
  const { byId, self } = selfTimes(profile);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map();
  const byFile = new Map();
  for (const [id, ms] of self) {
    const { callFrame } = byId.get(id);
    const file = shortUrl(callFrame.url);
    const fn = `${callFrame.functionName || '(anonymous)'}  ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
    byFile.set(file, (byFile.get(file) ?? 0) + ms);
  }
  const show = (title, map) => {
    console.log(`\n${title}`);
    for (const [k, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, args.top)) {
      console.log(`${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
    }
  };
  console.log(`${suite.name} under ${args.env} (in band, ${args.scale}): wall ${wall.toFixed(2)} s, profiled ${(total / 1000).toFixed(2)} s; exit ${child.status}`);
  show('Self time by function:', byFn);
  show('Self time by file:', byFile);
  const own = [...byFile].filter(([f]) => f.startsWith('build/')).reduce((a, [, ms]) => a + ms, 0);
  console.log(`\njest-environment-leakcheck's own files (build/): ${own.toFixed(0)} ms self time (${((own / total) * 100).toFixed(1)}%)`);
  console.log(`profile: ${path.relative(process.cwd(), path.join(profDir, files[0]))}`);
}

main();
