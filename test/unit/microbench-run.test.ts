// runMicrobench's sysfs protocol, against a stand-in sysfs/debugfs tree in a temporary directory
// (this machine cannot load modules): the device is taken from its driver with driver_override +
// bind, each request is written to `run`, `result` is parsed, and everything is given back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixture } from '../helpers/paths.js';
import { microbenchRunProblem, runMicrobench } from '../../collectors/microbench/run.js';

const bdf = '0000:00:03.0';

async function fakeTree(originalDriver: string | undefined): Promise<{ root: string; sys: string; dbg: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-run-test-'));
  const sys = path.join(root, 'sys');
  const dbg = path.join(root, 'debug', 'dma_bench');
  const drivers = path.join(sys, 'bus/pci/drivers');
  const dev = path.join(sys, 'bus/pci/devices', bdf);
  await fs.mkdir(dev, { recursive: true });
  await fs.mkdir(path.join(drivers, 'dma_bench'), { recursive: true });
  await fs.mkdir(dbg, { recursive: true });
  await fs.writeFile(path.join(dev, 'driver_override'), '(null)\n');
  if (originalDriver) {
    await fs.mkdir(path.join(drivers, originalDriver));
    await fs.symlink(path.join(drivers, originalDriver), path.join(dev, 'driver'));
  }
  // The module's result as read in the lab after this very request.
  await fs.copyFile(fixture('dma_bench', '7.2-strict-link-scattered-64k.txt'), path.join(dbg, 'result'));
  return { root, sys, dbg };
}

const read = (p: string): Promise<string> => fs.readFile(p, 'utf8');

test('borrows the device from its driver, runs each request and gives the device back', async () => {
  const { root, sys, dbg } = await fakeTree('nvme');
  try {
    const runs = await runMicrobench({
      bdf,
      modulePath: '/nonexistent/dma_bench.ko',
      requests: [
        { api: 'link', size: 65536, segs: 16, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered' },
        { api: 'sg', size: 65536, segs: 16 },
      ],
      sysfsRoot: sys,
      debugfsDir: dbg,
      insmod: 'true',
      rmmod: 'true',
    });
    assert.equal(runs.length, 2);
    assert.equal(runs[0]!.line, 'api=link size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered');
    assert.equal(runs[0]!.result.status, 'ok');
    assert.equal(runs[0]!.writeError, undefined);
    assert.deepEqual(runs[0]!.mismatches, [], 'the echo answers the link request');
    assert.equal(microbenchRunProblem(runs[0]!), undefined);
    // The second request found the first one's result still there: it does not answer it (review T2).
    assert.deepEqual(runs[1]!.mismatches, ['api: wrote sg, module says link']);
    assert.match(microbenchRunProblem(runs[1]!) ?? '', /^dma_bench's result does not answer "api=sg size=65536 segs=16": api: wrote sg, module says link$/);
    assert.equal(await read(path.join(dbg, 'run')), 'api=sg size=65536 segs=16\n', 'the last request was written last');
    const drivers = path.join(sys, 'bus/pci/drivers');
    assert.equal(await read(path.join(drivers, 'nvme/unbind')), bdf);
    assert.equal(await read(path.join(drivers, 'dma_bench/bind')), bdf);
    assert.equal(await read(path.join(drivers, 'dma_bench/unbind')), bdf);
    assert.equal(await read(path.join(sys, 'bus/pci/devices', bdf, 'driver_override')), '\n', 'override cleared');
    assert.equal(await read(path.join(sys, 'bus/pci/drivers_probe')), bdf, 'original driver re-probed');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a driverless device is not re-probed; failures still give the device back', async () => {
  const { root, sys, dbg } = await fakeTree(undefined);
  try {
    await fs.rm(path.join(dbg, 'result'));
    await assert.rejects(
      runMicrobench({ bdf, modulePath: 'x.ko', requests: [{ api: 'sg', size: 8192, segs: 2 }], sysfsRoot: sys, debugfsDir: dbg, insmod: 'true', rmmod: 'true' }),
      /ENOENT/,
    );
    assert.equal(await read(path.join(sys, 'bus/pci/drivers/dma_bench/unbind')), bdf);
    assert.equal(await read(path.join(sys, 'bus/pci/devices', bdf, 'driver_override')), '\n');
    await assert.rejects(fs.access(path.join(sys, 'bus/pci/drivers_probe')));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('refuses a malformed PCI address, a missing device and a failed insmod', async () => {
  const { root, sys, dbg } = await fakeTree(undefined);
  try {
    const base = { modulePath: 'x.ko', requests: [], sysfsRoot: sys, debugfsDir: dbg, insmod: 'true', rmmod: 'true' };
    await assert.rejects(runMicrobench({ ...base, bdf: '00:03.0; reboot' }), /not a PCI address/);
    await assert.rejects(runMicrobench({ ...base, bdf: '0000:00:04.0' }), /no PCI device 0000:00:04\.0/);
    await assert.rejects(runMicrobench({ ...base, bdf, insmod: 'false' }), /insmod x\.ko failed/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('a write that fails leaves the previous result in place: the run says so and is never taken as this request', async () => {
  const { root, sys, dbg } = await fakeTree(undefined);
  try {
    // A directory where the run file should be: the write fails as a refused write does, and
    // `result` still holds the lab's link result, an ok one.
    await fs.mkdir(path.join(dbg, 'run'));
    const same = { api: 'link', size: 65536, segs: 16, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered' } as const;
    const [stale, other] = await runMicrobench({
      bdf, modulePath: 'x.ko', requests: [same, { ...same, iters: 1000 }], sysfsRoot: sys, debugfsDir: dbg, insmod: 'true', rmmod: 'true',
    });
    assert.equal(stale!.result.status, 'ok', 'the stale result itself says ok');
    assert.ok(stale!.writeError, 'the write failed');
    assert.deepEqual(stale!.mismatches, [], 'even an identical request');
    assert.match(microbenchRunProblem(stale!) ?? '', /^dma_bench failed "api=link .*": .*\(result: ok, no reason given, errno 0\)$/);
    assert.deepEqual(other!.mismatches, ['iters: wrote 1000, module says 2000']);
    assert.match(microbenchRunProblem(other!) ?? '', /does not answer .*\(the write failed: .*\): iters: wrote 1000, module says 2000$/);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
