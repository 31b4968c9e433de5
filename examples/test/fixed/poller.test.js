// FIXED: every poller a test starts is stopped in afterEach.
const { startPoller } = require('../../src/poller');

const pollers = [];
afterEach(() => {
  for (const poller of pollers.splice(0)) poller.stop();
});

test('the poller reads the latest value', async () => {
  let reads = 0;
  const poller = startPoller(async () => ++reads, 10);
  pollers.push(poller);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(poller.latest).toBeGreaterThan(0);
});
