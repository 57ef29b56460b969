// The microbench WorkloadCollector against a stand-in sysfs/debugfs tree (this machine cannot
// load modules): parameter checks, the edu device lookup, one insmod and bind for many
// repetitions, how each module status reaches the runner, and teardown giving everything back.
// The module's answers are real results captured in the lab (test/fixtures/dma_bench).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixture, repoRoot } from '../helpers/paths.js';
import { createMicrobenchWorkload, rawFiles, type MicrobenchEnvironment } from '../../collectors/microbench/workload.js';
import { resolvePciDevice } from '../../collectors/microbench/device.js';
import { cachedModulePath, moduleSourceHash } from '../../collectors/microbench/module-cache.js';
import type { PreflightContext, RunContext } from '../../model/workload-collector.js';
import { readHistograms, serializeHistograms } from '../../core/bundle/histograms.js';
import { microbenchHistograms } from '../../collectors/microbench/histograms.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { HISTOGRAMS_FILE } from '../../core/bundle/layout.js';
import type { Workload } from '../../model/campaign.js';
import type { CellParams } from '../../model/cell.js';

const bdf = '0000:00:03.0';
const release = '7.2.13+deb14-amd64';
const srcDir = path.join(repoRoot, 'benches', 'dma_bench');

interface Tree {
  root: string;
  env: MicrobenchEnvironment;
  dbg: string;
  sys: string;
  calls: string;
}

async function fakeTree(opts: { driver?: string; root?: boolean } = {}): Promise<Tree> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-mbw-test-'));
  const sys = path.join(root, 'sys');
  const dbg = path.join(root, 'debug', 'dma_bench');
  const devices = path.join(sys, 'bus/pci/devices');
  // A host bridge first, so the edu lookup has to look at vendor and device ids.
  for (const [name, vendor, device] of [['0000:00:00.0', '0x8086', '0x29c0'], [bdf, '0x1234', '0x11e8']] as const) {
    await fs.mkdir(path.join(devices, name), { recursive: true });
    await fs.writeFile(path.join(devices, name, 'vendor'), `${vendor}\n`);
    await fs.writeFile(path.join(devices, name, 'device'), `${device}\n`);
    await fs.writeFile(path.join(devices, name, 'driver_override'), '(null)\n');
  }
  await fs.mkdir(path.join(sys, 'bus/pci/drivers/dma_bench'), { recursive: true });
  if (opts.driver) {
    await fs.mkdir(path.join(sys, 'bus/pci/drivers', opts.driver));
    await fs.symlink(path.join(sys, 'bus/pci/drivers', opts.driver), path.join(devices, bdf, 'driver'));
  }
  await fs.mkdir(dbg, { recursive: true });
  await fs.mkdir(path.join(root, 'proc'));
  await fs.writeFile(path.join(root, 'proc/modules'), '');
  await fs.writeFile(path.join(root, 'proc/version'), `Linux version ${release} (Debian)\n`);
  // A prebuilt module in the cache: nothing gets compiled.
  const cache = path.join(root, 'modcache');
  const ko = cachedModulePath(cache, release, await moduleSourceHash(srcDir));
  await fs.mkdir(path.dirname(ko), { recursive: true });
  await fs.writeFile(ko, 'not really a module');
  // insmod/rmmod stand-ins that record their calls.
  const calls = path.join(root, 'calls.log');
  const recorder = path.join(root, 'record');
  await fs.writeFile(recorder, `#!/bin/sh\necho "$(basename "$0") $*" >> "${calls}"\n`, { mode: 0o755 });
  await fs.symlink(recorder, path.join(root, 'insmod'));
  await fs.symlink(recorder, path.join(root, 'rmmod'));
  const env: MicrobenchEnvironment = {
    srcDir,
    moduleCacheDir: cache,
    sysfsRoot: sys,
    probeRoot: root,
    debugfsDir: dbg,
    insmod: path.join(root, 'insmod'),
    rmmod: path.join(root, 'rmmod'),
    release: () => release,
    isRoot: () => opts.root ?? true,
  };
  return { root, env, dbg, sys, calls };
}

const params = (over: CellParams = {}): CellParams => ({ api: 'link', size: '64k', segs: 16, layout: 'scattered', threads: 2, iters: 2000, warmup: 200, device: 'edu', ...over });
const workload = (over: Partial<Workload> = {}): Workload =>
  ({ name: 'mb', tool: 'microbench', matrix: {}, destructive: false, profilers: [], ...over }) as Workload;

function preflightCtx(tree: Tree): PreflightContext {
  return { scratchDir: path.join(tree.root, 'scratch') };
}

async function ctxFor(tree: Tree, p: CellParams, rep: number, logs: string[]): Promise<RunContext> {
  const rawDir = path.join(tree.root, 'raw', String(rep));
  await fs.mkdir(rawDir, { recursive: true });
  return { workload: workload(), params: p, cell: 'c', rep, pass: 'timed', rawDir, scratchDir: path.join(tree.root, 'scratch'), signal: new AbortController().signal, log: (l) => logs.push(l) };
}

const answer = (tree: Tree, name: string): Promise<void> => fs.copyFile(fixture('dma_bench', name), path.join(tree.dbg, 'result'));
const read = (p: string): Promise<string> => fs.readFile(p, 'utf8');

test('validates cells: page-sized segments, known apis, a device address or edu', () => {
  const w = createMicrobenchWorkload();
  assert.deepEqual(w.validateParams(params()), []);
  assert.deepEqual(w.validateParams(params({ size: 2097152, segs: 512 })), []);
  const bad = (over: CellParams): string => w.validateParams(params(over)).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  assert.match(bad({ segs: 3 }), /^segs: .*whole number of 4096-byte pages/);
  assert.match(bad({ size: '4k', segs: 2 }), /^segs: /);
  assert.match(bad({ api: 'map_single' }), /^api: /);
  assert.match(bad({ size: '128m' }), /^size: /);
  assert.match(bad({ device: '00:03.0; reboot' }), /^device: .*PCI address/);
  assert.match(bad({ colour: 'blue' }), /colour/);
  assert.match(w.validateParams({ api: 'sg', size: 65536, segs: 16 }).map((i) => i.path.join('.')).join(','), /device/, 'the device must be named');
  // A queue depth and the scatterlist built per request (api=sg only), within the module's limits.
  assert.deepEqual(w.validateParams(params({ api: 'sg', sg_build: 1, inflight: 32 })), []);
  assert.deepEqual(w.validateParams(params({ api: 'sg', sg_build: true, inflight: '256', segs: 16, size: '256k' })), []);
  assert.match(bad({ sg_build: 1 }), /^sg_build: sg_build applies to api: sg only .*api is link/);
  assert.match(bad({ api: 'sg', sg_build: 2 }), /^sg_build: expected 0 or 1/);
  assert.match(bad({ inflight: 0 }), /^inflight: /);
  assert.match(bad({ inflight: 257 }), /^inflight: /);
  assert.match(bad({ inflight: 256, size: '2m', segs: 128 }), /^inflight: inflight 256 × segs 128 exceeds 16384/);
});

test('edu resolves by vendor and device id; a missing edu says how to get one', async () => {
  const tree = await fakeTree();
  try {
    assert.equal(await resolvePciDevice('edu', tree.sys), bdf);
    assert.equal(await resolvePciDevice('0000:00:00.0', tree.sys), '0000:00:00.0');
    await assert.rejects(resolvePciDevice('0000:00:09.0', tree.sys), /no PCI device 0000:00:09\.0/);
    await fs.writeFile(path.join(tree.sys, 'bus/pci/devices', bdf, 'device'), '0x0001\n');
    await assert.rejects(resolvePciDevice('edu', tree.sys), /no QEMU edu device.*-device edu/);
  } finally {
    await fs.rm(tree.root, { recursive: true, force: true });
  }
});

test('preflight refuses non-root, no module loading, and a device with a driver unless destructive', async () => {
  const tree = await fakeTree({ driver: 'nvme' });
  try {
    const w = createMicrobenchWorkload(tree.env);
    await assert.rejects(w.preflight(workload(), [params()], preflightCtx(tree)), /unbind 0000:00:03\.0 from its driver nvme.*destructive: true/);
    await w.preflight(workload({ destructive: true }), [params()], preflightCtx(tree));
    await assert.rejects(createMicrobenchWorkload({ ...tree.env, isRoot: () => false }).preflight(workload(), [params()], preflightCtx(tree)), /as root/);
    await fs.rm(path.join(tree.root, 'proc/modules'));
    await assert.rejects(w.preflight(workload({ destructive: true }), [params()], preflightCtx(tree)), /cannot load its module.*no \/proc\/modules/);
  } finally {
    await fs.rm(tree.root, { recursive: true, force: true });
  }
});

test('preflight without a prebuilt module names the headers and compiler packages to install', async () => {
  const tree = await fakeTree();
  try {
    const w = createMicrobenchWorkload({ ...tree.env, moduleCacheDir: path.join(tree.root, 'empty-cache') });
    await assert.rejects(w.preflight(workload(), [params()], preflightCtx(tree)), new RegExp(`no kernel build tree.*apt-get install linux-headers-${release.replace(/[+.]/g, '\\$&')}`));
  } finally {
    await fs.rm(tree.root, { recursive: true, force: true });
  }
});

test('loads and binds once for many repetitions; ok and unsupported reach the runner, stale or foreign results fail; teardown gives back', async () => {
  const tree = await fakeTree();
  const logs: string[] = [];
  // The cells of the lab test's nvme-like campaign whose results were captured (test/fixtures/dma_bench/README.md).
  const lab = (over: CellParams = {}): CellParams => params({ dir: 'from_device', threads: 1, iters: 320, warmup: 32, inflight: 16, ...over });
  try {
    const w = createMicrobenchWorkload(tree.env);
    await w.preflight(workload(), [params()], preflightCtx(tree));

    await answer(tree, 'v3-7.2-strict-lab-nvme-link-inflight16.txt');
    const ok = await w.run(await ctxFor(tree, lab(), 0, logs));
    const byName = new Map(ok.measurements.map((m) => [m.metric, m]));
    assert.equal(byName.get('total.mean')?.value, 13433.825);
    assert.equal(byName.get('total.mean')?.unit, 'ns');
    assert.equal(byName.get('issued.ranges')?.value, 16);
    assert.equal(byName.get('batch')?.value, 8);
    assert.equal(byName.get('inflight')?.value, 16);
    assert.equal(byName.get('disturbed')?.value, 4);
    assert.equal(byName.get('disturbed.by_switch')?.value, 0);
    assert.ok(byName.get('timer_overhead_pct')!.value! < 1);
    // Profilers are attached through warm-up and timed iterations alike: (32 + 320) × 1 thread.
    assert.equal(ok.ios, 32 + 320);
    assert.equal(await read(path.join(tree.dbg, 'run')), 'api=link size=65536 segs=16 dir=from_device threads=1 iters=320 warmup=32 layout=scattered irqs=on batch=0 inflight=16 sg_build=0\n');
    assert.equal(await read(path.join(tree.root, 'raw/0', rawFiles.result)), await read(fixture('dma_bench', 'v3-7.2-strict-lab-nvme-link-inflight16.txt')), 'raw result kept verbatim');
    assert.match(await read(path.join(tree.root, 'raw/0', rawFiles.status)), /^status=ok path=link function=dma_iova_link .*iommu_domain=DMA batch=8$/m);

    await answer(tree, 'v3-6.12-strict-lab-nvme-link-unsupported.txt');
    const un = await w.run(await ctxFor(tree, lab(), 1, logs));
    assert.deepEqual(un.measurements, [], 'unsupported is a pass without numbers');
    assert.match(await read(path.join(tree.root, 'raw/1', rawFiles.status)), /^status=unsupported .*reason=no_link_api_in_kernel_headers /);
    assert.ok(logs.some((l) => /note: .*unsupported.*nothing measured/.test(l)));

    // A module older than inflight and sg_build (result v2) does not answer a request that sets them.
    await answer(tree, 'v2-7.2-strict-lab-link-scattered-t2.txt');
    await assert.rejects(
      w.run(await ctxFor(tree, params({ dir: 'to_device', iters: 500, warmup: 50 }), 4, logs)),
      /^Error: dma_bench's result does not answer "api=link .* inflight=1 sg_build=0": inflight: wrote 1, module says \(nothing\); sg_build: wrote 0, module says \(nothing\)$/,
    );

    // The result of another request (here: the link cell's, still there): refused, whatever it says.
    await answer(tree, 'v3-7.2-strict-lab-nvme-link-inflight16.txt');
    await assert.rejects(w.run(await ctxFor(tree, lab({ api: 'sg' }), 2, logs)), /^Error: dma_bench's result does not answer "api=sg .*": api: wrote sg, module says link$/);
    assert.match(await read(path.join(tree.root, 'raw/2', rawFiles.status)), /echo_mismatch="api: wrote sg, module says link"/, 'a failed repetition keeps its raw result and why');

    // A write that fails leaves the previous result: even an ok one for the very same request is refused.
    await fs.rm(path.join(tree.dbg, 'run'));
    await fs.mkdir(path.join(tree.dbg, 'run'));
    await assert.rejects(w.run(await ctxFor(tree, lab(), 3, logs)), /^Error: dma_bench failed "api=link .*": .*\(result: ok, no reason given, errno 0\)$/);
    assert.match(await read(path.join(tree.root, 'raw/3', rawFiles.status)), /write_error=/);
    await fs.rm(path.join(tree.dbg, 'run'), { recursive: true });

    const calls = (await read(tree.calls)).trim().split('\n');
    assert.equal(calls.length, 1, `one insmod for five repetitions: ${calls.join(' | ')}`);
    assert.match(calls[0]!, /^insmod .*dma_bench\.ko$/);
    assert.equal(await read(path.join(tree.sys, 'bus/pci/drivers/dma_bench/bind')), bdf);

    await w.teardown!();
    assert.equal(await read(path.join(tree.sys, 'bus/pci/drivers/dma_bench/unbind')), bdf);
    assert.equal(await read(path.join(tree.sys, 'bus/pci/devices', bdf, 'driver_override')), '\n');
    assert.deepEqual((await read(tree.calls)).trim().split('\n').slice(1), ['rmmod dma_bench']);
    await w.teardown!(); // nothing left to undo: no second rmmod
    assert.equal((await read(tree.calls)).trim().split('\n').length, 2);
  } finally {
    await fs.rm(tree.root, { recursive: true, force: true });
  }
});

test('a repetition that measured keeps its histograms as histograms.json; a stale or unsupported result leaves none', async () => {
  const tree = await fakeTree();
  const logs: string[] = [];
  // The request behind the v3 captures (test/fixtures/dma_bench/README.md): the module's own
  // histograms, as the lab's 7.2 printed them for it; the 6.12 capture answers it "unsupported".
  const cell = params({ dir: 'from_device', threads: 1, iters: 320, warmup: 32, inflight: 16 });
  const capture = 'v3-7.2-strict-lab-nvme-link-inflight16.txt';
  try {
    const w = createMicrobenchWorkload(tree.env);
    await w.preflight(workload(), [cell], preflightCtx(tree));
    await answer(tree, capture);
    await w.run(await ctxFor(tree, cell, 0, logs));
    const kept = await readHistograms(path.join(tree.root, 'raw/0'));
    assert.deepEqual(kept?.histograms.map((h) => h.metric), ['map', 'unmap', 'total', 'timer']);
    // What the collector keeps is the module's histograms of that result, as the bundle writes them
    // (the guest's own histograms.json of v2 captures is compared in microbench-histogram.test.ts).
    const printed = parseMicrobenchResult(await read(fixture('dma_bench', capture)));
    assert.equal(await read(path.join(tree.root, 'raw/0', HISTOGRAMS_FILE)), serializeHistograms('microbench', microbenchHistograms(printed)));
    assert.ok(kept!.histograms.every((h) => h.buckets.length > 0 && h.count > 0));

    // The same result for another request: refused, and no distribution left beside it.
    await assert.rejects(w.run(await ctxFor(tree, { ...cell, api: 'sg' }, 1, logs)), /does not answer/);
    assert.equal(await readHistograms(path.join(tree.root, 'raw/1')), undefined);

    await answer(tree, 'v3-6.12-strict-lab-nvme-link-unsupported.txt');
    await w.run(await ctxFor(tree, cell, 2, logs));
    assert.equal(await readHistograms(path.join(tree.root, 'raw/2')), undefined, 'unsupported: nothing measured, no histograms');
    await w.teardown!();
  } finally {
    await fs.rm(tree.root, { recursive: true, force: true });
  }
});
