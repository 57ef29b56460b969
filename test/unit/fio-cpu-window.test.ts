// FioCpuWatch on real processes: the window is the life of the watched process's children when
// they are seen start and end, else the whole run; core/proc/children.ts lists children.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { FioCpuWatch } from '../../collectors/fio/cpu-window.js';
import { clockTicksPerSecond } from '../../core/cpu/busy-window.js';
import { directChildren } from '../../core/proc/children.js';

async function watched(command: string, args: string[]) {
  const ticks = await clockTicksPerSecond();
  const watch = FioCpuWatch.begin()!;
  const started = performance.now();
  const child = spawn(command, args, { stdio: 'ignore' });
  watch.watch(child.pid);
  await once(child, 'exit');
  const wallMs = performance.now() - started;
  return { window: watch.end(ticks)!, wallMs };
}

test('children seen start and end: the window is their life, not the parent\'s', async () => {
  // node waits 300 ms by itself, runs one child for 400 ms, then waits another 300 ms.
  const script = "setTimeout(() => { require('child_process').spawnSync('sleep', ['0.4']); setTimeout(() => {}, 300); }, 300)";
  const { window, wallMs } = await watched(process.execPath, ['-e', script]);
  assert.equal(window.kind, 'jobs');
  assert.ok(window.busy.wallMs >= 300 && window.busy.wallMs < 700, `jobs window ${window.busy.wallMs} ms`);
  assert.ok(wallMs >= 1000, `the parent ran ${wallMs} ms`);
  assert.ok(window.before[0]!.startsWith('cpu '));
});

test('a parent that exits right after its last child: still the child\'s window (ending at the exit at the latest)', async () => {
  const { window } = await watched('sh', ['-c', '/bin/sleep 0.3']);
  assert.equal(window.kind, 'jobs');
  assert.ok(window.busy.wallMs >= 200 && window.busy.wallMs < 600, `${window.busy.wallMs} ms`);
});

test('no child: the whole run, with the reason', async () => {
  const { window, wallMs } = await watched('sleep', ['0.3']);
  assert.equal(window.kind, 'process');
  assert.match(window.note ?? '', /no job process was seen/);
  assert.ok(Math.abs(window.busy.wallMs - wallMs) < 100, `${window.busy.wallMs} vs ${wallMs}`);
});

test('directChildren: a shell\'s child is listed, a process that is gone gives undefined', async () => {
  const child = spawn('sh', ['-c', '/bin/sleep 0.5; true'], { stdio: 'ignore' });
  let seen: number[] | undefined = [];
  for (let i = 0; i < 40 && seen !== undefined && seen.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
    seen = directChildren(child.pid!);
  }
  assert.equal(seen?.length, 1);
  await once(child, 'exit');
  assert.equal(directChildren(child.pid!), undefined);
});
