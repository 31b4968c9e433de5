// Runs a long-lived helper process (here: a Node script that ticks forever) and waits
// until it is ready. stop() kills it and waits for it to exit.
const { spawn } = require('child_process');
const path = require('path');

function startBackgroundJob() {
  const child = spawn(process.execPath, [path.join(__dirname, 'ticker.js')], { stdio: ['pipe', 'pipe', 'ignore'] });
  const ready = new Promise((resolve) => child.stdout.once('data', resolve));
  return {
    pid: child.pid,
    ready,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill();
      }),
  };
}

module.exports = { startBackgroundJob };
