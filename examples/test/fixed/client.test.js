// FIXED: the test closes its client connection.
const { startEchoServer, connect } = require('../../src/echo');

let server;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

test('the client gets its message echoed', async () => {
  const client = await connect(server.port);
  try {
    expect(await client.echo('hello')).toBe('hello');
  } finally {
    await client.close();
  }
});
