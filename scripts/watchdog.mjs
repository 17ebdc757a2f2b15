// Stops a process when the process that started this watchdog goes away, however it goes (SIGKILL,
// crash, a wrapper that exits without passing on a signal). Linux's PR_SET_PDEATHSIG can't be set
// from Node, so the dev server gets this instead: `node watchdog.mjs <pid>`, stdin a pipe from the
// parent. The pipe closes only when the parent is gone; then the process is asked to stop
// (SIGTERM), and killed after the grace period. Plain Node, no dependencies.
const GRACE_MS = 10_000;
const POLL_MS = 500;

const pid = Number(process.argv[2]);
if (!Number.isInteger(pid) || pid <= 0) {
  console.error(`usage: node watchdog.mjs <pid> (got ${JSON.stringify(process.argv[2])})`);
  process.exit(2);
}

const alive = () => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

// A terminal's Ctrl-C reaches the whole group: the guarded process handles it itself, and this
// watchdog stays until that process is gone, in case the parent dies before it does.
process.on('SIGINT', () => undefined);

// Nothing left to guard once the process has exited; checking often keeps a reused pid safe.
const poll = setInterval(() => alive() || process.exit(0), POLL_MS);

const stop = () => {
  clearInterval(poll);
  if (!alive()) process.exit(0);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      process.exit(0);
    }
  }, 100);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
