import { failureText, runJest, type JestRun, JEST_VERSIONS } from './helpers/run-jest';

// Issue 4: Jest fake timers. The fixture runs the same file in two projects: `default`
// (pending fake timers are not leaks) and `report-fake` (`fakeTimers: true`).
describe.each(JEST_VERSIONS)('fake timers (Jest %i)', (jest) => {
  let run: JestRun;
  beforeAll(() => {
    run = runJest('fake-timers', { jest });
  });

  test('both projects ran the file', () => {
    expect(run.files).toHaveLength(2);
    expect(run.numPassedTests + run.numFailedTests).toBe(14);
  });

  test('by default a pending fake timer is not a leak, a real one next to fake ones is', () => {
    // Every test that fails in both projects fails for its real timer only.
    const realLeak = run.files.map((f) => f.assertionResults.find((t) => t.title === 'a real timer next to fake ones'));
    expect(realLeak).toHaveLength(2);
    for (const r of realLeak) {
      expect(r?.status).toBe('failed');
      expect(r?.failureMessages.join('\n')).toContain('[timer] setInterval every 1000 ms');
    }
    const doNotFake = run.files.map((f) => f.assertionResults.find((t) => t.title === 'doNotFake keeps setInterval real'));
    expect(doNotFake).toHaveLength(2);
    for (const r of doNotFake) expect(r?.failureMessages.join('\n')).toContain('[timer] setInterval every 1000 ms');
    const pending = run.files.map((f) => f.assertionResults.find((t) => t.title === 'a pending fake timer')?.status).sort();
    // one project passes it (default), the other reports it (report-fake)
    expect(pending).toEqual(['failed', 'passed']);
  });

  test('with fakeTimers: true, pending fake timers are reported as timers with where they were scheduled', () => {
    const reporting = run.files.find((f) => f.assertionResults.find((t) => t.title === 'a pending fake timer')?.status === 'failed');
    expect(reporting).toBeDefined();
    const get = (title: string) => reporting?.assertionResults.find((t) => t.title === title);
    expect(failureText(get('a pending fake timer')!)).toContain('[timer] fake setTimeout of 10000 ms still pending (Jest fake timers)');
    expect(failureText(get('a pending fake timer')!)).toMatch(/fake\.test\.js:8:3/);
    expect(failureText(get('a pending fake interval')!)).toContain('[timer] fake setInterval every 100 ms still pending (Jest fake timers)');
    const both = failureText(get('a real timer next to fake ones')!);
    expect(both).toContain('[timer] setInterval every 1000 ms');
    expect(both).toContain('[timer] fake setTimeout of 10000 ms still pending');
    expect(get('a fake interval that was run and cleared')?.status).toBe('passed');
  });

  test('switching fake timers on and off never produces a report', () => {
    expect(run.files).toHaveLength(2);
    for (const file of run.files) {
      for (const title of ['switching fake timers off discards pending fake timers without a report', 'clean real timers after fake ones', 'a fake interval that was run and cleared']) {
        expect(file.assertionResults.find((t) => t.title === title)).toMatchObject({ status: 'passed', failureMessages: [] });
      }
    }
  });
});
