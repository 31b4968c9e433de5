// LEAKY: the shared echo server is cleaned up in afterAll, but the test never closes the
// client connection it opened.
const { startEchoServer, connect } = require('../../src/echo');

let server;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

test('the client gets its message echoed', async () => {
  const client = await connect(server.port);
  expect(await client.echo('hello')).toBe('hello');
});
