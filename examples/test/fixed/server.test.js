// FIXED: the test closes the app it started, even when an assertion fails.
const { start, getJson } = require('../../src/server');

test('GET /health answers ok', async () => {
  const app = await start();
  try {
    expect(await getJson(`${app.url}/health`)).toEqual({ path: '/health', ok: true });
  } finally {
    await app.close();
  }
});
