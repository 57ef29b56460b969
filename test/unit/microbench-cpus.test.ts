// The cpus and duration_ms keys of a microbench cell: CPU lists in the kernel's form, plan-time
// validation, the request line, the echo check against real v3 captures (a v3 module echoes
// neither key: v4 output needs a lab capture), and the preflight's check of the online CPUs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatCpuList, parseCpuList } from '../../collectors/microbench/cpus.js';
import { microbenchParamsSchema, requestFromParams, requestedCpus } from '../../collectors/microbench/params.js';
import { formatMicrobenchRequest, requestMismatches } from '../../collectors/microbench/request.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchMeasurements } from '../../collectors/microbench/metrics.js';
import { createMicrobenchWorkload, microbenchIos, siblingThreads, threadCpus } from '../../collectors/microbench/workload.js';
import type { Workload } from '../../model/campaign.js';
import { fixture } from '../helpers/paths.js';

const cell = (over: Record<string, unknown> = {}) => ({ api: 'link', size: '64k', segs: 16, device: 'edu', ...over });
const issues = (over: Record<string, unknown>): string => {
  const r = microbenchParamsSchema.safeParse(cell(over));
  return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

test('CPU lists: read as the kernel reads them, written as it prints them (runs of two or more as a-b)', () => {
  assert.deepEqual(parseCpuList('0,2'), [0, 2]);
  assert.deepEqual(parseCpuList('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('4,0-1, 1'), [0, 1, 4]);
  for (const bad of ['', 'a', '3-1', '0,,1', '-1', '0-', '1 2']) assert.equal(parseCpuList(bad), undefined, bad);
  assert.equal(formatCpuList([0, 1, 2, 3]), '0-3');
  assert.equal(formatCpuList([3, 0, 1]), '0-1,3');
  assert.equal(formatCpuList([0, 2, 4, 5]), '0,2,4-5');
  assert.equal(formatCpuList([7]), '7');
});

test("CPU lists round-trip through this machine's own sysfs text (the kernel's %*pbl form)", async () => {
  const online = (await fs.readFile('/sys/devices/system/cpu/online', 'utf8')).trim();
  const cpus = parseCpuList(online);
  assert.ok(cpus && cpus.length > 0, online);
  assert.equal(formatCpuList(cpus), online);
  for (const cpu of cpus) {
    const siblings = (await fs.readFile(`/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`, 'utf8')).trim();
    const list = parseCpuList(siblings);
    assert.ok(list?.includes(cpu), `cpu${cpu}'s siblings ${siblings} include itself`);
    assert.equal(formatCpuList(list ?? []), siblings);
  }
});

test('cpus at plan time: a list, a range or one CPU, kept in the kernel form; at least one CPU per thread', () => {
  assert.equal(microbenchParamsSchema.parse(cell({ cpus: '0,2', threads: 2 })).cpus, '0,2');
  assert.equal(microbenchParamsSchema.parse(cell({ cpus: '0,1,2,3', threads: 4 })).cpus, '0-3');
  assert.equal(microbenchParamsSchema.parse(cell({ cpus: 3 })).cpus, '3');
  assert.equal(microbenchParamsSchema.parse(cell({})).cpus, undefined, 'no default: the module takes the online CPUs');
  assert.deepEqual(requestedCpus(microbenchParamsSchema.parse(cell({ cpus: '2-3,0' }))), [0, 2, 3]);
  assert.match(issues({ cpus: '0,2', threads: 3 }), /^threads: threads 3 exceed the 2 CPUs of cpus 0,2: one thread per CPU$/);
  assert.match(issues({ cpus: 1, threads: 2 }), /^threads: threads 2 exceed the 1 CPU of cpus 1/);
  assert.match(issues({ cpus: 'all' }), /^cpus: expected a CPU list like 0,2 or 0-3/);
  assert.match(issues({ cpus: '3-1' }), /^cpus: expected a CPU list/);
  assert.match(issues({ cpus: -1 }), /^cpus: /);
});

test('duration_ms at plan time: instead of iters, never with it, within the module limit', () => {
  const timed = microbenchParamsSchema.parse(cell({ duration_ms: 500 }));
  assert.equal(timed.duration_ms, 500);
  assert.equal(timed.iters, undefined, 'a timed cell gets no iters default');
  assert.equal(microbenchParamsSchema.parse(cell({})).iters, 1000, 'a cell naming neither runs the default iters');
  assert.equal(microbenchParamsSchema.parse(cell({ iters: 5 })).duration_ms, undefined);
  assert.match(issues({ iters: 1000, duration_ms: 500 }), /^duration_ms: a run is iters requests or duration_ms milliseconds per thread, not both \(iters 1000, duration_ms 500\)$/);
  assert.match(issues({ duration_ms: 0 }), /^duration_ms: /);
  assert.match(issues({ duration_ms: 600001 }), /^duration_ms: /);
  assert.equal(issues({ duration_ms: '600000' }), '');
});

test('the request line carries cpus and duration_ms, and no iters for a timed run', () => {
  const p = microbenchParamsSchema.parse(cell({ threads: 2, cpus: '1,0', duration_ms: 250, warmup: 20 }));
  assert.equal(
    formatMicrobenchRequest(requestFromParams(p)),
    'api=link size=65536 segs=16 dir=to_device threads=2 warmup=20 layout=scattered irqs=on batch=0 inflight=1 sg_build=0 duration_ms=250 cpus=0-1',
  );
  const q = microbenchParamsSchema.parse(cell({}));
  assert.equal(formatMicrobenchRequest(requestFromParams(q)), 'api=link size=65536 segs=16 dir=to_device threads=1 iters=1000 warmup=100 layout=scattered irqs=on batch=0 inflight=1 sg_build=0');
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: 4096, segs: 1, iters: 5, duration_ms: 5 }), /exclusive/);
});

const v3 = (name: string) => parseMicrobenchResult(readFileSync(fixture('dma_bench', name), 'utf8'));

test('a v3 module (real capture) does not answer a request naming cpus or duration_ms: the echo lacks them', () => {
  // v3-7.2-strict-selftest-defaults.txt answers `api=sg size=8192 segs=2` with every default filled in.
  const r = v3('v3-7.2-strict-selftest-defaults.txt');
  assert.equal(r.formatVersion, 3);
  const sent = { api: 'sg', size: 8192, segs: 2 } as const;
  assert.deepEqual(requestMismatches(sent, r.request), []);
  assert.deepEqual(requestMismatches({ ...sent, cpus: '0' }, r.request), ['cpus: wrote 0, module says (nothing)']);
  assert.deepEqual(requestMismatches({ ...sent, duration_ms: 100 }, r.request), ['duration_ms: wrote 100, module says (nothing)']);
  // and it parses as before: no request counts, no topology, the I/O count from iters
  assert.ok(r.workers.length > 0 && r.workers.every((w) => w.requests === undefined && w.topology === undefined));
  assert.deepEqual(threadCpus(r), []);
  assert.equal(microbenchMeasurements(r).some((m) => m.metric === 'requests'), false);
  const p = microbenchParamsSchema.parse(cell({ api: 'sg' }));
  assert.equal(microbenchIos(p, r), (100 + 1000) * 1);
});

test('threads on SMT siblings are named', () => {
  const t = (thread: number, cpu: number, siblings: string) => ({ thread, cpu, coreId: 0, packageId: 0, siblings, node: 0 });
  assert.deepEqual(siblingThreads([t(0, 0, '0,4'), t(1, 4, '0,4'), t(2, 1, '1,5')]), ['threads 0 and 1 (CPUs 0 and 4)']);
  assert.deepEqual(siblingThreads([t(0, 0, '0'), t(1, 1, '1')]), []);
});

test('preflight refuses CPUs that are not online here, before building or loading anything', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mb-cpus-'));
  try {
    const sys = path.join(root, 'sys');
    await fs.mkdir(path.join(sys, 'devices/system/cpu'), { recursive: true });
    // this machine's own list of online CPUs
    const online = await fs.readFile('/sys/devices/system/cpu/online', 'utf8');
    await fs.writeFile(path.join(sys, 'devices/system/cpu/online'), online);
    const beyond = (parseCpuList(online) ?? []).at(-1)! + 1;
    const w = createMicrobenchWorkload({
      srcDir: path.join(root, 'src'),
      moduleCacheDir: path.join(root, 'cache'),
      sysfsRoot: sys,
      probeRoot: root,
      release: () => '0.0.0-none',
      isRoot: () => true,
    });
    const workload = { name: 'mb', tool: 'microbench', matrix: {}, destructive: false, profilers: [] } as unknown as Workload;
    await assert.rejects(
      w.preflight(workload, [cell({ cpus: `0,${beyond}`, threads: 2 })], { scratchDir: path.join(root, 'scratch') }),
      (e: Error) => e.name === 'Error' && e.message === `microbench cells ask for CPU ${beyond} of workload mb, not online here (online: ${online.trim()})`,
    );
    // CPUs that are online pass this check and fail at the next one (there is no /proc here)
    await assert.rejects(w.preflight(workload, [cell({ cpus: '0' })], { scratchDir: path.join(root, 'scratch') }), (e: Error) => !/not online/.test(e.message));
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
