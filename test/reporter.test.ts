import { countLeaks } from '../src/report/reporter';
import { runJest, type JestRun } from './helpers/run-jest';

describe('the summary reporter', () => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('reporter');
  });

  test('sums the leaks that failed tests and files, and those only warned about', () => {
    expect(run.stderr).toContain('leakcheck: 3 leaked resources (timer ×3) failed 1 test and 1 file.');
    expect(run.stderr).toContain("leakcheck (warn): 1 leaked resource (timer) reported; it would fail in mode 'fail'.");
    expect(run.test('a leak in warn mode passes').status).toBe('passed');
  });
});

describe('countLeaks', () => {
  test('reads `[kind] …` lines with their counts, through colour codes', () => {
    const counts = new Map();
    const text = 'leakcheck: 3 async resources…\n\n\u001b[1m[timer]\u001b[22m setInterval every 1000 ms\u001b[2m (×2)\u001b[22m\nFix: …\n[socket] TCP socket connected to 127.0.0.1:80';
    expect(countLeaks(text, counts)).toBe(3);
    expect([...counts]).toEqual([['timer', 2], ['socket', 1]]);
  });

  test('ignores text that is not a leak line', () => {
    const counts = new Map();
    expect(countLeaks('[unknown] thing\nno brackets here', counts)).toBe(0);
    expect(counts.size).toBe(0);
  });
});
