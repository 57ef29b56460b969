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
