// The process-tree killer with real processes: it never signals a PID that has been handed to
// another process since it was seen (a recycled PID is made for real through ns_last_pid, root
// only), and killAllChildren() (the second Ctrl-C) ends a child that ignores SIGTERM at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, killAllChildren, processStartTime, TreeKiller } from '../../core/proc/tree.js';
import { startChild } from '../../core/proc/child.js';

const isRoot = process.getuid?.() === 0;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `sleep 60` as the process with PID `pid` (the kernel hands out ns_last_pid + 1 next), or undefined. */
async function sleepWithPid(pid: number): Promise<ChildProcess | undefined> {
  // Other processes on the machine may take the PID first: try a few times.
  for (let attempt = 0; attempt < 50; attempt++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    if (child.pid === pid) return child;
    child.kill('SIGKILL');
    await exited(child);
  }
  return undefined;
}

test('processStartTime reads field 22 of /proc/PID/stat, and nothing for a PID without a process', async () => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const start = processStartTime(child.pid!);
    assert.ok(start !== undefined && start > 0, `start time ${start}`);
    // Our own process started before its child.
    assert.ok(processStartTime(process.pid)! <= start);
  } finally {
    child.kill('SIGKILL');
    await exited(child);
  }
  assert.equal(processStartTime(child.pid!), undefined, 'reaped: no such process');
});

test('a PID recycled after the killer saw it is never signalled', { skip: !isRoot && 'needs root (ns_last_pid)' }, async () => {
  const first = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = first.pid!;
  const firstStart = processStartTime(pid);
  const killer = new TreeKiller(pid);
  killer.signal('SIGCONT'); // walks the tree: the killer has now seen `pid`
  first.kill('SIGKILL');
  await exited(first); // reaped: the PID is free for the kernel to hand out again
  // Start times count clock ticks (10 ms): the new process must start in a later tick, as it
  // always does when PIDs wrap around pid_max for real.
  await sleep(50);

  const stranger = await sleepWithPid(pid);
  assert.ok(stranger, `could not get PID ${pid} again (the machine is too busy)`);
  try {
    assert.notEqual(processStartTime(pid), undefined);
    assert.notEqual(processStartTime(pid), firstStart, 'another process: another start time');
    killer.signal('SIGKILL', { rescan: false });
    killer.kill();
    await sleep(200);
    assert.equal(stranger.exitCode, null, 'the new process with the old PID is alive');
    assert.equal(stranger.signalCode, null);
    assert.ok(isAlive(pid));
  } finally {
    killer.release();
    stranger.kill('SIGKILL');
    await exited(stranger);
  }
});

test('killAllChildren: SIGKILL at once to a child that ignores SIGTERM, its grace period notwithstanding', async () => {
  const controller = new AbortController();
  // sleep inherits the ignored SIGTERM (ignored signals survive exec).
  const child = startChild('sh', ['-c', "trap '' TERM; exec sleep 60"], { debianPackage: 'dash', signal: controller.signal, graceMs: 60_000 });
  await sleep(300);
  controller.abort(); // SIGTERM: ignored
  await sleep(500);
  assert.ok(child.running(), 'SIGTERM did not stop it');
  const t0 = Date.now();
  killAllChildren();
  const outcome = await child.done;
  assert.equal(outcome.signal, 'SIGKILL');
  assert.ok(Date.now() - t0 < 2000, `ended ${Date.now() - t0} ms after killAllChildren`);
});
