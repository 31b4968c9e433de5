// LEAKY: the helper process is spawned and left running after the test.
const { startBackgroundJob } = require('../../src/background-job');

test('the background job starts', async () => {
  const job = startBackgroundJob();
  await job.ready;
  expect(job.pid).toBeGreaterThan(0);
});
