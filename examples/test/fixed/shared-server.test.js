// FIXED: what beforeAll starts, afterAll closes.
const { start, getJson } = require('../../src/server');

let app;
beforeAll(async () => {
  app = await start();
});
afterAll(() => app.close());

test('GET /a', async () => {
  expect(await getJson(`${app.url}/a`)).toEqual({ path: '/a', ok: true });
});

test('GET /b', async () => {
  expect(await getJson(`${app.url}/b`)).toEqual({ path: '/b', ok: true });
});
