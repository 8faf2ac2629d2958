/**
 * The reaper's program, run as `node -e <source> <graceMs>`: plain JavaScript in a string so it
 * starts in tens of milliseconds (no tsx) and needs no file of its own wherever keystorm is
 * installed or however it is built.
 *
 * Protocol on its stdin, one line each: `+<pgid>` guards a process group, `-<pgid>` releases it.
 * When stdin ends — the harness exited, crashed or was SIGKILLed, since only it holds the write
 * end — or the reaper itself is told to stop, every group still guarded gets SIGTERM, and
 * SIGKILL after the grace; then the reaper exits.
 */
export const REAPER_SOURCE = String.raw`
'use strict';
process.title = 'keystorm-reaper';
const graceMs = Number(process.argv[1]) > 0 ? Number(process.argv[1]) : 2000;
const groups = new Set();
let pending = '';
let reaping = false;
function signalGroup(pgid, signal) {
  try { process.kill(-pgid, signal); return true; } catch (error) { return error.code === 'EPERM'; }
}
function reap() {
  if (reaping) return;
  reaping = true;
  const live = [...groups].filter((pgid) => signalGroup(pgid, 'SIGTERM'));
  if (live.length === 0) process.exit(0);
  const deadline = Date.now() + graceMs;
  const timer = setInterval(() => {
    const left = live.filter((pgid) => signalGroup(pgid, 0));
    if (left.length === 0 || Date.now() >= deadline) {
      for (const pgid of left) signalGroup(pgid, 'SIGKILL');
      clearInterval(timer);
      process.exit(0);
    }
  }, 50);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let end;
  while ((end = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 1);
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, reap);
`;
