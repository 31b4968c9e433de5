// A line-based TCP echo server and its client. The server tracks its connections so
// close() can end them; the client must be closed by whoever connects it.
const net = require('net');

async function startEchoServer() {
  const connections = new Set();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('data', (data) => socket.write(data));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(resolve);
      }),
  };
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      resolve({
        echo: (text) =>
          new Promise((done) => {
            socket.once('data', (data) => done(String(data)));
            socket.write(text);
          }),
        close: () =>
          new Promise((done) => {
            socket.once('close', done);
            socket.end();
          }),
      });
    });
    socket.once('error', reject);
  });
}

module.exports = { startEchoServer, connect };
