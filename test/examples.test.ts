// `npm run example` is a smoke test: examples/run.js must exit 0, having checked every
// example, and show Jest's real reports.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './helpers/run-jest';

test('examples/run.js catches every leaky example, passes every fixed twin, and exits 0', () => {
  const child = spawnSync(process.execPath, [path.join(ROOT, 'examples/run.js')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  expect(child.stdout).toContain('All 10 expectations met');
  expect(child.stdout).not.toContain('✗');
  for (const kind of ['timer', 'server', 'child-process', 'socket']) {
    expect(child.stdout).toMatch(new RegExp(`✓ test/leaky/\\S+: 1 test failed naming \\[${kind}\\]`));
  }
  expect(child.stdout).toMatch(/✓ test\/leaky\/shared-server\.test\.js: file failed naming \[server\]/);
  // Jest's own output, with the reports, is shown too.
  expect(child.stderr).toContain('leakcheck: 1 async resource created by this test is still alive after it finished.');
  expect(child.stderr).toMatch(/at Object\.startPoller \(test\/leaky\/poller\.test\.js:7:18\)/);
  expect(child.status).toBe(0);
});
