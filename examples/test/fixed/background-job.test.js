// FIXED: the helper process is killed, and its exit awaited, before the test ends.
const { startBackgroundJob } = require('../../src/background-job');

let job;
afterEach(() => job?.stop());

test('the background job starts', async () => {
  job = startBackgroundJob();
  await job.ready;
  expect(job.pid).toBeGreaterThan(0);
});
