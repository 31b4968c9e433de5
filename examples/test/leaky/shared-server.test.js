// LEAKY: beforeAll starts a server for the whole file and no afterAll closes it. The tests
// pass; the file fails, pointing at the beforeAll that created the server.
const { start, getJson } = require('../../src/server');

let app;
beforeAll(async () => {
  app = await start();
});

test('GET /a', async () => {
  expect(await getJson(`${app.url}/a`)).toEqual({ path: '/a', ok: true });
});

test('GET /b', async () => {
  expect(await getJson(`${app.url}/b`)).toEqual({ path: '/b', ok: true });
});
