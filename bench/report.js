// Turns the measured runs into medians, per-pair ratios and target verdicts, and renders
// them as Markdown.
'use strict';

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const METRICS = ['wallS', 'cpuS', 'peakRssMb'];

/**
 * The median over repetitions of run(env)/run(reference), pairing runs of the same suite,
 * workers and repetition (they ran in the same interleaved round).
 */
function pairedRatio(runs, suite, workers, env, reference, metric) {
  const ratios = [];
  for (const r of runs) {
    if (r.suite !== suite || r.workers !== workers || r.env !== env) continue;
    const ref = runs.find((x) => x.suite === suite && x.workers === workers && x.env === reference && x.rep === r.rep);
    if (ref && ref[metric] > 0) ratios.push(r[metric] / ref[metric]);
  }
  return median(ratios);
}

/**
 * `wallTargets`: { suite: { limit, name } } — issue 10's per-suite wall targets for
 * leakcheck (default) against plain node.
 */
function summarize(runs, { suites, envs, workers, wallTargets = {} }) {
  const rows = [];
  for (const suite of suites) {
    for (const w of workers) {
      for (const e of envs) {
        const mine = runs.filter((r) => r.suite === suite && r.workers === w.id && r.env === e.id);
        if (mine.length === 0) continue;
        const walls = mine.map((r) => r.wallS);
        const row = {
          suite,
          env: e.id,
          workers: w.id,
          runs: mine.length,
          okRuns: mine.filter((r) => r.ok).length,
          wallS: median(walls),
          wallSpread: (Math.max(...walls) - Math.min(...walls)) / median(walls),
          cpuS: median(mine.map((r) => r.cpuS)),
          peakRssMb: median(mine.map((r) => r.peakRssMb)),
          maxProcessRssMb: median(mine.map((r) => r.maxProcessRssMb)),
          perTestUs: median(mine.map((r) => r.perTestUs)),
          perTestCpuUs: median(mine.map((r) => r.perTestCpuUs)),
          ratio: {},
          vsDetectWall: e.id === 'detect' ? undefined : pairedRatio(runs, suite, w.id, e.id, 'detect', 'wallS'),
          // How far above the floor (plain node + an empty enabled async hook) the detector is.
          vsFloorWall: LEAKCHECK_ENVS.includes(e.id) ? pairedRatio(runs, suite, w.id, e.id, 'floor', 'wallS') : undefined,
        };
        for (const metric of METRICS) row.ratio[metric] = pairedRatio(runs, suite, w.id, e.id, 'node', metric);
        rows.push(row);
      }
    }
  }
  const targets = evaluateTargets(rows, workers, wallTargets);
  const problems = runs.filter((r) => !r.ok).map((r) => ({ suite: r.suite, env: r.env, workers: r.workers, rep: r.rep, problem: r.problem, messages: r.messages, log: r.log }));
  return { rows, crowded: crowdedTable(rows, workers), targets, problems };
}

const row = (rows, suite, env, workers) => rows.find((r) => r.suite === suite && r.env === env && r.workers === workers);
const LEAKCHECK_ENVS = ['leakcheck', 'leakcheck-nopromise'];

/**
 * Per-test cost of each environment with and without the 10,000 live resources, in wall
 * time and in CPU time of the process running the file (the target uses CPU: the
 * detector's per-test work is CPU work, and CPU time is less disturbed by other load).
 */
function crowdedTable(rows, workers) {
  const out = [];
  for (const w of workers) {
    const get = (suite, env, key) => row(rows, suite, env, w.id)?.[key];
    for (const env of ['node', 'floor', ...LEAKCHECK_ENVS, 'detect']) {
      const entry = { env, workers: w.id };
      for (const [key, name] of [['perTestUs', 'wall'], ['perTestCpuUs', 'cpu']]) {
        const base = get('crowded-baseline', env, key);
        const crowded = get('crowded', env, key);
        const nodeBase = get('crowded-baseline', 'node', key);
        const nodeCrowded = get('crowded', 'node', key);
        if (base === undefined || crowded === undefined) continue;
        entry[name] = {
          baselineUs: base,
          crowdedUs: crowded,
          overheadBaselineUs: nodeBase === undefined ? undefined : base - nodeBase,
          overheadCrowdedUs: nodeCrowded === undefined ? undefined : crowded - nodeCrowded,
          growth: crowded / base,
          // How much the per-test time grows with the resources, relative to how much plain
          // node's grows (which is not the detector's doing: a bigger heap, more timers).
          normalizedGrowth: nodeBase && nodeCrowded ? crowded / base / (nodeCrowded / nodeBase) : undefined,
        };
      }
      if (entry.wall || entry.cpu) out.push(entry);
    }
  }
  return out;
}

function evaluateTargets(rows, workers, wallTargets) {
  const targets = [];
  const add = (issue, name, suite, env, w, value, limit, unit = '×') => {
    if (value === undefined) return;
    targets.push({ issue, name, suite, env, workers: w, value, limit, unit, pass: value <= limit });
  };
  for (const w of workers.map((x) => x.id)) {
    const typical = row(rows, 'typical', 'leakcheck', w);
    add(5, 'typical wall ≤ 1.10× node', 'typical', 'leakcheck', w, typical?.ratio.wallS, 1.1);
    add(5, 'typical peak RSS ≤ 1.2× node', 'typical', 'leakcheck', w, typical?.ratio.peakRssMb, 1.2);
    add(5, 'promise storm wall ≤ 1.5× node', 'promise-storm', 'leakcheck', w, row(rows, 'promise-storm', 'leakcheck', w)?.ratio.wallS, 1.5);
    for (const env of LEAKCHECK_ENVS) {
      add(5, 'many tests wall ≤ 1.10× node', 'many-tests', env, w, row(rows, 'many-tests', env, w)?.ratio.wallS, 1.1);
    }
  }
  // Issue 10: the suites built from real patterns, promises on (leakcheck default).
  for (const w of workers.map((x) => x.id)) {
    for (const [suite, { name, limit }] of Object.entries(wallTargets)) {
      add(10, name, suite, 'leakcheck', w, row(rows, suite, 'leakcheck', w)?.ratio.wallS, limit);
    }
  }
  return targets;
}

/** Adds the crowded and detectOpenHandles targets (they need the derived tables). */
function allTargets(result) {
  const targets = [...result.targets];
  for (const c of result.crowded) {
    const growth = c.cpu?.normalizedGrowth;
    if (!LEAKCHECK_ENVS.includes(c.env) || growth === undefined) continue;
    targets.push({
      issue: 5,
      name: 'crowded per-test CPU within 10% of baseline (÷ node growth)',
      suite: 'crowded',
      env: c.env,
      workers: c.workers,
      value: growth,
      limit: 1.1,
      unit: '×',
      pass: growth <= 1.1,
    });
  }
  for (const r of result.rows) {
    if (!LEAKCHECK_ENVS.includes(r.env) || r.vsDetectWall === undefined) continue;
    targets.push({
      issue: '5, 10',
      name: 'faster than --detectOpenHandles (wall)',
      suite: r.suite,
      env: r.env,
      workers: r.workers,
      value: r.vsDetectWall,
      limit: 1,
      unit: '×',
      pass: r.vsDetectWall < 1,
    });
  }
  return targets;
}

// ---- Markdown -------------------------------------------------------------------------

const f = (n, d = 2) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));
const x = (n) => (n === undefined ? '—' : `${f(n)}×`);
const table = (head, lines) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');

function renderMarkdown(result) {
  const { machine: m, settings: s } = result;
  const envLabel = Object.fromEntries(result.environments.map((e) => [e.id, e.label]));
  const workersLabel = Object.fromEntries(result.workers.map((w) => [w.id, w.label]));
  const targets = allTargets(result);
  result.targets = targets;
  const out = [];
  out.push(`## Results (${s.scale} scale)`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}, Jest ${m.jest}; ` +
      `commit ${m.commit}${m.dirty ? ' (src/ modified)' : ''}, build ${m.build}; ${m.date}. Load average at start ${m.loadAvgAtStart.join(' / ')}, at end ${s.loadAvgAtEnd.join(' / ')}.`,
  );
  out.push('');
  out.push(
    `Medians of ${Object.entries(s.reps).map(([k, v]) => `${v} (${k})`).join(', ')} measured runs per combination${s.warmup ? ' after a warm-up round' : ', no warm-up'}, ` +
      `interleaved; ratios are the median of per-round ratios to plain \`node\` with the same workers. ` +
      `Cache: ${s.cache}. Took ${s.durationS} s.`,
  );
  out.push('');
  const lines = result.rows.map((r) => [
    r.suite,
    envLabel[r.env],
    workersLabel[r.workers],
    f(r.wallS),
    `${f(r.wallSpread * 100, 0)}%`,
    f(r.cpuS),
    f(r.peakRssMb, 0),
    r.env === 'node' ? '1' : x(r.ratio.wallS),
    r.env === 'node' ? '1' : x(r.ratio.cpuS),
    r.env === 'node' ? '1' : x(r.ratio.peakRssMb),
    r.vsDetectWall === undefined ? '' : x(r.vsDetectWall),
    r.vsFloorWall === undefined ? '' : x(r.vsFloorWall),
    r.okRuns === r.runs ? `${r.runs}` : `**${r.okRuns}/${r.runs}**`,
  ]);
  out.push(table(['Suite', 'Environment', 'Workers', 'Wall s', 'Wall spread', 'CPU s', 'Peak RSS MB', 'Wall × node', 'CPU × node', 'RSS × node', 'Wall × detect', 'Wall × floor', 'OK runs'], lines));
  out.push('');
  out.push(
    'Wall spread = (max − min) / median of the measured runs. Peak RSS = the largest sampled sum over the Jest process tree (main process + workers). `--detectOpenHandles` forces in-band, so its `--maxWorkers=2` row runs in band too. ' +
      'Floor = plain node with an empty async hook (init, promiseResolve) enabled; Wall × floor = a leakcheck run ÷ the floor run of the same round.',
  );
  if (result.crowded.length) {
    out.push('');
    out.push('### Per-test cost with 10,000 live resources (crowded vs crowded-baseline)');
    out.push('');
    out.push(
      'Measured inside each test file from the end of its beforeAll hooks to the end of its last test, divided by its tests ' +
        '(mean over files): CPU time of the process running the file and wall time. Overhead = environment − plain node in the same suite; ' +
        'growth = crowded ÷ baseline; the target compares the CPU growth with plain node\'s (a bigger heap and 10,000 timers cost node something too).',
    );
    out.push('');
    out.push(
      table(
        ['Environment', 'Workers', 'CPU µs/test baseline', 'CPU µs/test crowded', 'CPU overhead baseline', 'CPU overhead crowded', 'CPU growth ÷ node', 'Wall µs/test baseline', 'Wall µs/test crowded', 'Wall growth ÷ node'],
        result.crowded.map((c) => [
          envLabel[c.env],
          workersLabel[c.workers],
          f(c.cpu?.baselineUs, 0),
          f(c.cpu?.crowdedUs, 0),
          f(c.cpu?.overheadBaselineUs, 0),
          f(c.cpu?.overheadCrowdedUs, 0),
          x(c.cpu?.normalizedGrowth),
          f(c.wall?.baselineUs, 0),
          f(c.wall?.crowdedUs, 0),
          x(c.wall?.normalizedGrowth),
        ]),
      ),
    );
  }
  out.push('');
  out.push('### Targets (issues 5 and 10)');
  out.push('');
  out.push(
    table(
      ['Issue', 'Target', 'Suite', 'Environment', 'Workers', 'Value', 'Limit', 'Result'],
      targets.map((t) => [t.issue ?? '', t.name, t.suite, envLabel[t.env], workersLabel[t.workers], `${f(t.value)}${t.unit}`, `${t.name.startsWith('faster') ? '<' : '≤'} ${f(t.limit)}${t.unit}`, t.pass ? 'pass' : '**FAIL**']),
    ),
  );
  const failed = targets.filter((t) => !t.pass).length;
  out.push('');
  out.push(`${targets.length - failed} of ${targets.length} targets met.`);
  if (result.problems.length) {
    out.push('');
    out.push('### Unexpected test outcomes');
    out.push('');
    for (const p of result.problems) out.push(`- ${p.suite} / ${envLabel[p.env]} / ${workersLabel[p.workers]} / rep ${p.rep}: ${p.problem} (log: \`${p.log}\`)`);
  }
  out.push('');
  return out.join('\n');
}

module.exports = { summarize, renderMarkdown, median };
