// The runner's switch between a collector and its profiler (runner/io-phase.ts, review M7): on
// once when the I/O starts, off once when it ends, never on again, and a second start (fio's
// second job) waits for the first instead of switching twice. The profiler here records the
// calls it gets; no tool output is involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoPhaseWindow } from '../../runner/io-phase.js';

function recorder(onDelayMs = 0, failOn = false): { calls: string[]; on: () => Promise<void>; off: () => Promise<void> } {
  const calls: string[] = [];
  return {
    calls,
    async on() {
      calls.push('on:begin');
      await sleep(onDelayMs);
      if (failOn) throw new Error('perf did not ack');
      calls.push('on:done');
    },
    async off() {
      calls.push('off');
    },
  };
}

test('on once at the first start, off once at the first end; calls after that change nothing', async () => {
  const p = recorder();
  const w = new IoPhaseWindow(p, 'io');
  assert.equal(w.state, 'armed');
  await w.start();
  await w.start();
  assert.equal(w.state, 'on');
  await w.end();
  await w.end();
  await w.start();
  assert.equal(w.state, 'off');
  assert.deepEqual(p.calls, ['on:begin', 'on:done', 'off']);
  assert.equal(w.opened, true);
  assert.ok(w.onAt !== undefined && w.offAt !== undefined && w.offAt >= w.onAt);
});

test('a second start while the profiler is still switching on waits for it, and does not switch again', async () => {
  const p = recorder(30);
  const w = new IoPhaseWindow(p, 'io');
  let secondDone = false;
  const first = w.start();
  const second = w.start().then(() => (secondDone = true));
  await sleep(5);
  assert.equal(secondDone, false, 'the second job waits until the profiler is on');
  await Promise.all([first, second]);
  assert.deepEqual(p.calls, ['on:begin', 'on:done']);
  // An end arriving while a start is still switching waits too, then switches off.
  await w.end();
  assert.deepEqual(p.calls, ['on:begin', 'on:done', 'off']);
});

test('end before any start: never on, and no later start switches it on (a workload that did no I/O)', async () => {
  const p = recorder();
  const w = new IoPhaseWindow(p, 'io');
  await w.end();
  await w.start();
  assert.equal(w.state, 'off');
  assert.equal(w.opened, false);
  assert.deepEqual(p.calls, []);
});

test('a profiler that fails to switch on: start() rejects, the window stays closed, end() does not switch off', async () => {
  const p = recorder(0, true);
  const w = new IoPhaseWindow(p, 'workload');
  await assert.rejects(w.start(), /perf did not ack/);
  assert.equal(w.state, 'armed');
  assert.equal(w.opened, false);
  await w.end();
  assert.deepEqual(p.calls, ['on:begin']);
  assert.equal(w.window, 'workload');
});
