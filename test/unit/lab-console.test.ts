// How the lab reads a guest's console: a panic before our init ran (retried) versus one after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConsoleSink } from '../../lab/boot.js';
import { fixture } from '../helpers/paths.js';

async function feed(file: string): Promise<ConsoleSink> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-console-'));
  const sink = new ConsoleSink(path.join(dir, 'console.log'));
  sink.write(await readFile(file));
  await sink.close();
  await rm(dir, { recursive: true, force: true });
  return sink;
}

test('a kernel that panics in early boot is seen as a panic before init', async () => {
  const sink = await feed(fixture('lab', 'console-7.2.13-early-panic-tail.log'));
  assert.equal(sink.panicked, true);
  assert.equal(sink.reachedInit, false);
});

test('a normal boot reaches init and does not count its power-off as a panic', async () => {
  for (const name of ['console-7.2.13-strict.log', 'console-6.12.117-passthrough.log']) {
    const sink = await feed(fixture('lab', name));
    assert.equal(sink.reachedInit, true, name);
    assert.equal(sink.panicked, false, name);
  }
});

test('a panic keeps its first oops (header, CPU, RIP) though the console tail has scrolled past it', async () => {
  const sink = await feed(fixture('lab', 'console-7.2.13-text-patching-oops.log'));
  assert.equal(sink.panicked, true);
  assert.equal(sink.reachedInit, true);
  assert.equal(sink.firstOops.length, 3, sink.firstOops.join('\n'));
  const [header, cpu, rip] = sink.firstOops;
  assert.match(header ?? '', /^\[ *[\d.]+\] Oops: int3: 0000 \[#1\] SMP NOPTI$/);
  assert.match(cpu ?? '', /^\[ *[\d.]+\] CPU: \d+ UID: 0 PID: \d+ Comm: \S+ .*7\.2\.13\+deb14-amd64/);
  assert.match(rip ?? '', /^\[ *[\d.]+\] RIP: 0010:\w+\+0x[\da-f]+\/0x[\da-f]+$/);
  // The first oops is not in the tail any more: without firstOops, the error would not name it.
  assert.ok(!sink.tail.includes(header ?? ''), 'the header is still in the tail: the fixture does not test the point');
  const cause = sink.panicCause('/run/x/console.log');
  assert.ok(cause.startsWith(' (whole console: /run/x/console.log); its first oops:\n'), cause);
  assert.ok(cause.endsWith(sink.firstOops.join('\n')), cause);
});

test('a console without an oops keeps none, and the early panic\'s tail names the oops it holds', async () => {
  const clean = await feed(fixture('lab', 'console-7.2.13-strict.log'));
  assert.deepEqual(clean.firstOops, []);
  assert.equal(clean.panicCause('/c.log'), ' (whole console: /c.log)');
  const early = await feed(fixture('lab', 'console-7.2.13-early-panic-tail.log'));
  assert.deepEqual(
    early.firstOops.map((l) => l.replace(/^\[ *[\d.]+\] /, '').trimEnd()),
    ['Oops: int3: 0000 [#2] SMP NOPTI', 'RIP: 0010:sched_clock_cpu+0x9/0x230', 'CPU: 0 UID: 0 PID: 0 Comm: swapper/0 Tainted: G      D             7.2.13+deb14-amd64 #1 PREEMPT(lazy)  Debian 7.2.13-1'],
  );
});
