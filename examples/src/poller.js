// Polls a source every `everyMs` and keeps the latest value. Until stop() is called its
// interval keeps the process alive — and keeps running into the next test.
function startPoller(read, everyMs = 1000) {
  const state = { latest: undefined };
  const timer = setInterval(async () => {
    state.latest = await read();
  }, everyMs);
  return {
    get latest() {
      return state.latest;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

module.exports = { startPoller };
