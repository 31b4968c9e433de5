// A tiny HTTP app. start() listens on a free port; close() stops listening and drops
// idle keep-alive connections so the server really goes away.
const http = require('http');

function createApp() {
  return http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, ok: true }));
  });
}

async function start(app = createApp()) {
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${app.address().port}`,
    close: () =>
      new Promise((resolve, reject) => {
        app.close((error) => (error ? reject(error) : resolve()));
        app.closeIdleConnections();
      }),
  };
}

async function getJson(url) {
  const response = await fetch(url);
  return response.json();
}

module.exports = { createApp, start, getJson };
