// LEAKY: the test starts the app on a port and never closes it.
const { start, getJson } = require('../../src/server');

test('GET /health answers ok', async () => {
  const app = await start();
  expect(await getJson(`${app.url}/health`)).toEqual({ path: '/health', ok: true });
});
