import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { collectSystemState, deriveCapabilities, renderDoctor, runDoctor } from '../../core/system/index.js';

const EXPECTED_CHECKS = [
  'root',
  'kernel',
  'kernel-api',
  'iommu',
  'tool-fio',
  'tool-perf',
  'tool-trace-cmd',
  'tool-ib_write_bw',
  'tool-qemu-system-x86_64',
  'tool-debootstrap',
  'tool-bpftrace',
  'tool-gcc',
  'tracefs',
  'ftrace-instances',
  'ftrace-function',
  'ftrace-function-graph',
  'ftrace-dma-functions',
  'iommu-events',
  'module-build',
  'module-load',
  'nvme',
  'block-devices',
  'rdma',
  'lab',
  'noise-governor',
  'noise-smt',
  'noise-turbo',
  'noise-irqbalance',
  'noise-numa',
  'noise-thp',
  'noise-hypervisor',
  'noise-cpus',
];

// How long it takes is a figure of scripts/bench/system-state.ts, not an assertion here.
test('collectSystemState fills the bundle record', async () => {
  const s = await collectSystemState();
  assert.ok(s.hostname.length > 0);
  assert.ok(s.kernel.release.length > 0);
  assert.ok(['strict', 'lazy', 'passthrough', 'off', 'unknown'].includes(s.iommu.mode));
  assert.ok(s.cpu.cores > 0);
  for (const key of ['tools', 'tracefs', 'moduleBuild', 'devices', 'noise']) assert.ok(key in s, key);
  // The record goes into manifest.json: the fixed fields survive a JSON round trip.
  const back = JSON.parse(JSON.stringify(s)) as typeof s;
  assert.deepEqual([back.kernel, back.iommu, back.cpu], [s.kernel, s.iommu, s.cpu]);
});

test('a guest root without tools skips the version probes', async () => {
  const s = await collectSystemState({ root: '/nonexistent-dmabench-guest' });
  assert.deepEqual(s.tools, {});
  assert.equal(s.kernel.release, '');
  assert.equal(s.iommu.mode, 'off');
});

test('the doctor report has every check, once', async () => {
  const report = await runDoctor();
  assert.deepEqual(report.checks.map((c) => c.id), EXPECTED_CHECKS);
  for (const c of report.checks) {
    assert.ok([true, false, 'warn'].includes(c.ok), c.id);
    assert.ok(c.summary.length > 0, c.id);
    if (c.ok === false) assert.ok(c.advice, `${c.id} fails without advice`);
  }
});

test('renderDoctor mentions every check and every capability', async () => {
  const report = await runDoctor();
  const text = renderDoctor(report);
  for (const c of report.checks) {
    assert.ok(text.includes(c.id), c.id);
    assert.ok(text.includes(c.summary), c.summary);
  }
  for (const cap of report.capabilities) assert.ok(text.includes(cap.title), cap.title);
  assert.match(text, new RegExp(`IOMMU ${report.system.iommu.mode}`));
});

test('the microbench capability follows module loading on this machine', async () => {
  const report = await runDoctor();
  const micro = report.capabilities.find((c) => c.id === 'microbench');
  assert.ok(micro);
  if (!existsSync('/proc/modules')) {
    assert.equal(micro.can, 'no');
    assert.ok(micro.why.some((w) => w.startsWith('module-load:')));
  }
});

test('capabilities: a failing need blocks, a warning limits', () => {
  const caps = deriveCapabilities([
    { id: 'tool-fio', ok: true, summary: 'fio' },
    { id: 'nvme', ok: 'warn', summary: 'all in use' },
    { id: 'tool-perf', ok: false, summary: 'perf missing' },
  ]);
  assert.equal(caps.find((c) => c.id === 'fio')?.can, 'partly');
  assert.deepEqual(caps.find((c) => c.id === 'fio')?.why, ['nvme: all in use']);
  assert.equal(caps.find((c) => c.id === 'perf')?.can, 'no');
});
