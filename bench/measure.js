// Runs Jest once and measures it: wall time, CPU time and peak RSS of the whole process tree.
//
// - Wall: monotonic clock in this process, from spawn to exit of the measured tree.
// - CPU: user+sys from /usr/bin/time (the rusage of Jest plus every descendant it reaped:
//   Jest waits for its workers to exit, so --maxWorkers=2 workers are included). A /proc
//   sampler also sums the last-seen CPU of each process of the tree; the larger of the two
//   is used, so a worker that outlived Jest would still count (almost) fully.
// - Peak RSS: the largest sum of RSS over the process tree, sampled from /proc every 25 ms
//   (so a peak shorter than that can be missed). /usr/bin/time's %M (the largest single
//   process) is kept too as `maxProcessRssMb`.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const TIME = '/usr/bin/time';
const HAS_TIME = fs.existsSync(TIME);
const HAS_PROC = fs.existsSync('/proc/self/stat');
const PAGE_KB = 4; // getconf PAGESIZE on x86-64 Linux
const TICKS = 100; // USER_HZ on Linux
const SAMPLE_MS = 25;

function readFileOrUndefined(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The pids of `root`'s tree (root included), via /proc/<pid>/task/<tid>/children. */
function treeOf(root) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    out.push(pid);
    let tasks;
    try {
      tasks = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const children = readFileOrUndefined(`/proc/${pid}/task/${tid}/children`);
      if (!children) continue;
      for (const c of children.trim().split(/\s+/)) if (c) stack.push(Number(c));
    }
  }
  return out;
}

/** { cpuS, rssKb } of one process, from /proc/<pid>/stat, or undefined if it is gone. */
function sampleProcess(pid) {
  const stat = readFileOrUndefined(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the parenthesised comm; utime and stime are fields 14 and 15, rss is 24.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpuS: (utime + stime) / TICKS, rssKb: rssPages * PAGE_KB };
}

let running;

/** Kills the measured process tree, if any (on Ctrl-C: /usr/bin/time does not pass signals on). */
function killRunning() {
  if (running?.pid === undefined) return;
  for (const pid of treeOf(running.pid).reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs `args` (argv[0] = program) in `cwd`; resolves with the measurements and exit code.
 * stdout/stderr go to `logFile`.
 */
function measure(args, { cwd, env, logFile, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const timeFile = `${logFile}.time`;
    const argv = HAS_TIME ? [TIME, '-f', '%e %U %S %M', '-o', timeFile, ...args] : args;
    const log = fs.openSync(logFile, 'w');
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    running = child;
    const lastCpu = new Map();
    let peakTreeKb = 0;
    const sample = () => {
      if (!HAS_PROC || child.pid === undefined) return;
      let total = 0;
      for (const pid of treeOf(child.pid)) {
        const s = sampleProcess(pid);
        if (s === undefined) continue;
        // /usr/bin/time itself is not part of what is measured.
        if (!(HAS_TIME && pid === child.pid)) total += s.rssKb;
        lastCpu.set(pid, s.cpuS);
      }
      if (total > peakTreeKb) peakTreeKb = total;
    };
    const timer = setInterval(sample, SAMPLE_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearInterval(timer);
      clearTimeout(killer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      running = undefined;
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      clearInterval(timer);
      clearTimeout(killer);
      let cpuS;
      let maxProcessRssMb;
      if (HAS_TIME) {
        const text = readFileOrUndefined(timeFile) ?? '';
        // The last line holds the format; earlier lines may be "Command exited with non-zero status".
        const last = text.trim().split('\n').pop() ?? '';
        const [, user, sys, maxKb] = last.split(' ').map(Number);
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuS = user + sys;
        if (Number.isFinite(maxKb)) maxProcessRssMb = maxKb / 1024;
      }
      if (HAS_TIME) lastCpu.delete(child.pid);
      const sampledCpuS = [...lastCpu.values()].reduce((a, b) => a + b, 0);
      resolve({
        code,
        signal,
        wallS,
        cpuS: Math.max(cpuS ?? 0, sampledCpuS),
        timeCpuS: cpuS,
        sampledCpuS,
        peakRssMb: peakTreeKb / 1024,
        maxProcessRssMb,
        processes: lastCpu.size,
      });
    });
  });
}

module.exports = { measure, killRunning, SAMPLE_MS, HAS_TIME, describeMethod: path.basename(__filename) };
