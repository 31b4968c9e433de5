// LEAKY: the poller is started and never stopped. Its interval outlives the test, keeps
// polling during later tests, and keeps Jest from exiting.
const { startPoller } = require('../../src/poller');

test('the poller reads the latest value', async () => {
  let reads = 0;
  const poller = startPoller(async () => ++reads, 10);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(poller.latest).toBeGreaterThan(0);
});
