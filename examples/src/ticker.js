// The helper process of background-job.js: says it is ready, then ticks until killed.
// It also exits when its parent goes away (its stdin closes), so a leaked job cannot
// outlive the test run that leaked it.
process.stdin.on('end', () => process.exit(0)).resume();
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
