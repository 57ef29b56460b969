// The microbench end to end in the QEMU lab (root, the lab image, `npm run build` first: the
// guest runs dist/). Four boots in all:
// - `dmabench lab run configs/lab-microbench.yaml --kernels 6.12,7 --iommu strict`: on 7.x sg,
//   link and phys produce numbers; on 6.12 link is reported unsupported (no numbers, no failed
//   repetition) while sg and phys produce numbers; every path issued the same ranges (16
//   scattered, 1 contiguous), the clock's share of every sample is below 1%, the disturbed-sample
//   counts are there and no sample saw a task switch (preemption off); the comparison prints.
// - `dmabench lab boot --kernel 7 --iommu lazy|passthrough`, each running the same campaign, a
//   campaign the module must refuse (more threads than CPUs), then saving dmesg: every api
//   produces numbers (link falls back to per-segment dma_map_phys under passthrough), the bad
//   request fails its repetition without harming the next, and the kernel log has no oops or WARNING.
// Plus, on the host, parameters the module could never accept are refused at plan time.
// The module itself, first: built in a chroot of the image for both lab kernels (no compiler
// warning, W=1 included), refused with one line against the same headers with the generic
// driver_override helper taken out, and benches/dma_bench/lab-selftest.sh passing in a guest
// of each kernel (binding through the device file in every address form, bad requests, signals,
// removal and rmmod mid-run, sg_build and inflight answered with their echo, the APIs the Kbuild
// found in the headers: link and dma_map_phys on 7.x, neither on 6.12), followed in the same boot
// by a campaign of sg_build and inflight cells through the collector (its echo check included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { ModuleBuildError } from '../../collectors/microbench/build.js';
import { cachedModulePath, defaultModuleCacheDir, moduleSourceHash } from '../../collectors/microbench/module-cache.js';
import { ensureLabImage, findReadyLabImage, type LabImage, type LabKernel } from '../../lab/image.js';
import { buildDmabenchInImage, prebuildDmabenchModules } from '../../lab/module.js';
import type { Sample } from '../../model/measurement.js';
import { loadPlan } from '../../runner/plan.js';

const campaign = path.join(repoRoot, 'configs', 'lab-microbench.yaml');
/** Timed repetitions per cell, as the campaign says (a fixed number: min = max). */
const reps = (await loadPlan(campaign)).plan.cells[0]!.repetitions.max;
const apis = ['sg', 'link', 'phys'] as const;
const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-lab-microbench-'));

async function samplesOf(bundle: string): Promise<Sample[]> {
  const text = await fs.readFile(path.join(bundle, 'samples.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Sample);
}

/** `total.mean` (or another metric) of every timed repetition of the cells with this api. */
function totalMeans(samples: Sample[], api: string, metric = 'total.mean'): number[] {
  return samples.filter((s) => s.pass === 'timed' && s.metric === metric && s.cell.includes(`:api=${api},`)).map((s) => s.value as number);
}

/** Per cell of the bundle: what its timed repetitions say of the ranges, the clock's share and the disturbed samples. */
function issuedTable(samples: Sample[]): Map<string, Record<string, number[]>> {
  const wanted = ['issued.ranges', 'issued.calls', 'issued.dma_segs', 'batch', 'timer_overhead_pct', 'disturbed', 'disturbed_pct', 'disturbed.by_switch'];
  const table = new Map<string, Record<string, number[]>>();
  for (const s of samples) {
    if (s.pass !== 'timed' || !wanted.includes(s.metric)) continue;
    const row = table.get(s.cell) ?? {};
    (row[s.metric] ??= []).push(s.value as number);
    table.set(s.cell, row);
  }
  return table;
}

/** Checks and prints the table: every path issued 16 ranges scattered and 1 contiguous, clock below 1%, no task switch. */
function checkIssued(label: string, samples: Sample[], cells: number): void {
  const table = issuedTable(samples);
  assert.equal(table.size, cells, `${label}: cells with issued figures`);
  for (const [cell, row] of table) {
    const ranges = cell.includes('layout=contiguous') ? 1 : 16;
    process.stderr.write(`# ${label} ${cell}: ${Object.entries(row).map(([k, v]) => `${k}=${v.map((x) => +x.toFixed(3)).join('/')}`).join(' ')}\n`);
    assert.deepEqual(new Set(row['issued.ranges']), new Set([ranges]), `${label} ${cell}: ranges`);
    assert.equal(row['timer_overhead_pct']!.length, reps, `${label} ${cell}`);
    for (const pct of row['timer_overhead_pct']!) assert.ok(pct < 1, `${label} ${cell}: the clock is ${pct}% of a sample`);
    assert.equal(row['disturbed']!.length, reps);
    assert.deepEqual(new Set(row['disturbed.by_switch']), new Set([0]), `${label} ${cell}: no task switch inside a timed batch`);
  }
}

/** The `status` file of every timed repetition of the cells with this api. */
async function statuses(bundle: string, api: string): Promise<string[]> {
  const raw = path.join(bundle, 'raw');
  const out: string[] = [];
  for (const cell of (await fs.readdir(raw)).filter((c) => c.includes(`_api=${api},`))) {
    for (const rep of (await fs.readdir(path.join(raw, cell))).filter((r) => r.startsWith('timed-'))) {
      out.push((await fs.readFile(path.join(raw, cell, rep, 'status'), 'utf8')).trim());
    }
  }
  return out;
}

async function manifest(bundle: string): Promise<{ status: string; errors: { message: string }[] }> {
  return JSON.parse(await fs.readFile(path.join(bundle, 'manifest.json'), 'utf8')) as { status: string; errors: { message: string }[] };
}

/** The kernel log lines that mean something went wrong in the kernel. */
function kernelProblems(dmesg: string): string[] {
  return dmesg.split('\n').filter((l) => /WARNING:|Oops|BUG:|Call Trace|general protection fault|KASAN|UBSAN|refcount_t:/.test(l));
}

test.after(() => fs.rm(outDir, { recursive: true, force: true }));

const moduleSrc = path.join(repoRoot, 'benches', 'dma_bench');
const labLog = (l: string): void => void process.stderr.write(`# ${l}\n`);

test('dma_bench builds for both lab kernels with their own compilers, without a compiler warning (W=1 too)', { timeout: 20 * 60_000 }, async () => {
  const image = await ensureLabImage({ log: labLog });
  assert.deepEqual(image.kernels.map((k) => k.id).sort(), ['6.12', '7']);
  for (const kernel of image.kernels) {
    for (const extra of [[], ['W=1']]) {
      const r = await buildDmabenchInImage(image, kernel, moduleSrc, { makeArgs: extra });
      process.stderr.write(`# ${kernel.release} ${kernel.cc} ${extra.join(' ') || '(default flags)'}: ${r.warnings.length} compiler warning(s), ${r.seconds.toFixed(1)} s\n`);
      assert.match(r.output, /LD \[M\]\s+\S*dma_bench\.ko/, 'the module was linked');
      assert.deepEqual(r.warnings, [], r.output);
    }
  }
});

/**
 * A copy of a kernel's headers at the same depth under the rootfs' /usr/src (relative symlinks to
 * the kbuild tree keep working), hard-linked except for the files changed; removed by cleanup().
 */
async function alteredHeaders(image: LabImage, kernel: LabKernel, change: { device?: (t: string) => string; pci?: (t: string) => string }): Promise<{ headersDir: string; commonDir: string; cleanup: () => Promise<void> }> {
  const archMakefile = await fs.readFile(path.join(kernel.headersDir, 'Makefile'), 'utf8');
  const origArch = `/usr/src/linux-headers-${kernel.release}`;
  const origCommon = /^include (\S+)\/Makefile$/m.exec(archMakefile)?.[1];
  assert.ok(origCommon, `no include line in ${kernel.headersDir}/Makefile`);
  const tag = `dmabench-test-${process.pid}-${kernel.id}`;
  const headersDir = `/usr/src/${tag}-arch`;
  const commonDir = `/usr/src/${tag}-common`;
  const host = (p: string): string => path.join(image.rootfs, p);
  const cleanup = async (): Promise<void> => {
    await fs.rm(host(headersDir), { recursive: true, force: true });
    await fs.rm(host(commonDir), { recursive: true, force: true });
  };
  await cleanup();
  await execa('cp', ['-a', '-l', host(origCommon), host(commonDir)]);
  await execa('cp', ['-a', '-l', host(origArch), host(headersDir)]);
  // Hard links: unlink before writing, or the image's own file would change.
  const rewrite = async (file: string, f: (t: string) => string): Promise<void> => {
    const before = await fs.readFile(file, 'utf8');
    const after = f(before);
    assert.notEqual(after, before, `${file} did not change`);
    await fs.rm(file);
    await fs.writeFile(file, after);
  };
  await rewrite(host(`${headersDir}/Makefile`), (t) => t.replaceAll(origCommon, commonDir).replaceAll(origArch, headersDir));
  if (change.device) await rewrite(host(`${commonDir}/include/linux/device.h`), change.device);
  if (change.pci) await rewrite(host(`${commonDir}/include/linux/pci.h`), change.pci);
  return { headersDir, commonDir, cleanup };
}

/** device.h without the generic helper: every line of code naming driver_override goes, comments stay. */
const dropGenericHelper = (t: string): string =>
  t.split('\n').filter((l) => !l.includes('driver_override') || /^\s*(\/\*\*|\*)/.test(l)).join('\n');

test('against the real headers without the generic driver_override helper, the build stops with one line naming what is missing', { timeout: 10 * 60_000 }, async () => {
  const image = await ensureLabImage({ log: labLog });
  for (const kernel of image.kernels) {
    const h = await alteredHeaders(image, kernel, { device: dropGenericHelper });
    try {
      await assert.rejects(buildDmabenchInImage(image, kernel, moduleSrc, { headersDir: h.headersDir }), (e: Error) => {
        process.stderr.write(`# ${kernel.release} without the helper: ${e.message}\n`);
        assert.ok(e instanceof ModuleBuildError);
        assert.equal(
          e.message,
          `dma_bench cannot be built against ${h.headersDir}: dma_bench needs the generic driver_override helper of Linux 7.0 and later (device_set_driver_override() with struct device::driver_override) and ${h.commonDir}/include/linux/device.h defines neither; older kernels are not supported`,
        );
        return true;
      });
      // The unaltered copy builds: what failed is the probe, not the copy.
      await h.cleanup();
      const same = await alteredHeaders(image, kernel, {});
      try {
        const r = await buildDmabenchInImage(image, kernel, moduleSrc, { headersDir: same.headersDir });
        assert.deepEqual(r.warnings, []);
      } finally {
        await same.cleanup();
      }
    } finally {
      await h.cleanup();
    }
  }
});

/**
 * sg_build and inflight through the collector: 6.12's NVMe path (sg, the table built per request)
 * and 7.x's (link), at one and sixteen requests in flight, reads (from_device).
 */
const nvmeCampaign = `name: nvme-like
repetitions: 2
warmup: 0
workloads:
  - name: sg-64k
    tool: microbench
    matrix:
      api: sg
      sg_build: [0, 1]
      size: 64k
      segs: 16
      dir: from_device
      inflight: [1, 16]
      iters: 320
      warmup: 32
      device: edu
  - name: link-64k
    tool: microbench
    matrix:
      api: link
      size: 64k
      segs: 16
      dir: from_device
      inflight: [1, 16]
      iters: 320
      warmup: 32
      device: edu
  - name: phys-timed
    tool: microbench
    matrix:
      api: phys
      size: 64k
      segs: 16
      dir: from_device
      threads: 2
      cpus: "1,0"
      duration_ms: 200
      inflight: 4
      warmup: 32
      device: edu
`;

test('benches/dma_bench/lab-selftest.sh passes in a guest of each lab kernel (strict IOMMU), and sg_build and inflight cells run through the collector', { timeout: 25 * 60_000 }, async () => {
  const image = await ensureLabImage({ log: labLog });
  await prebuildDmabenchModules(image, moduleSrc, labLog);
  const hash = await moduleSourceHash(moduleSrc);
  for (const kernel of image.kernels) {
    const guestDir = `/var/lib/dmabench-lab/test-selftest-${process.pid}-${kernel.id}`;
    const hostDir = path.join(image.rootfs, guestDir);
    await fs.rm(hostDir, { recursive: true, force: true });
    await fs.mkdir(hostDir, { recursive: true });
    try {
      await fs.writeFile(path.join(hostDir, 'nvme.yaml'), nvmeCampaign);
      const ko = cachedModulePath(defaultModuleCacheDir, kernel.release, hash);
      const started = Date.now();
      const r = await runCli([
        'lab', 'boot', '--kernel', kernel.id, '--iommu', 'strict', '--timeout', '1200',
        '--console-log', path.join(outDir, `selftest-${kernel.id}.console.log`),
        '--', 'sh', '-c',
        'sh /opt/dmabench/benches/dma_bench/lab-selftest.sh "$1" "$2/out" >"$2/selftest.log" 2>&1; ' +
          'dmabench run "$2/nvme.yaml" --out "$2/nvme" >"$2/nvme.log" 2>&1; echo "nvme=$?" >"$2/exits"',
        'sh', ko, guestDir,
      ]);
      const log = await fs.readFile(path.join(hostDir, 'selftest.log'), 'utf8').catch(() => '(no selftest.log)');
      process.stderr.write(`# lab-selftest.sh on ${kernel.release}: exit ${r.exitCode}, ${((Date.now() - started) / 1000).toFixed(0)} s\n${log.replace(/^/gm, '#   ')}\n`);
      // Keep what the guest wrote (results for the parser's fixtures) when asked to.
      if (process.env.DMABENCH_KEEP_SELFTEST) await execa('cp', ['-a', hostDir, path.join(process.env.DMABENCH_KEEP_SELFTEST, `selftest-${kernel.id}`)]);
      assert.equal(r.exitCode, 0, `lab boot failed on ${kernel.release}:\n${log}\n${String(r.stderr).slice(-2000)}`);
      assert.match(log, /^selftest: done, 0 failure\(s\)$/m);
      assert.doesNotMatch(log, /FAIL/);
      // The APIs the Kbuild found in the headers: as the version numbers would say, for these two.
      const features = kernel.id === '7' ? 'link_api=1 map_phys=1' : 'link_api=0 map_phys=0';
      assert.match(log, new RegExp(`^selftest: features: ${features} on ${kernel.release.replace(/[.+]/g, '\\$&')}$`, 'm'));
      for (const line of [
        /^selftest: ok: defaults: request api=sg size=8192 segs=2 seg_size=4096 dir=to_device threads=1 iters=1000 warmup=100 layout=scattered irqs=on batch=0 inflight=1 sg_build=0 duration_ms=0 cpus=0-1$/m,
        // cpus (the guest has 2 CPUs): the threads ran where asked, the topology is sysfs's, refusals say why
        /^selftest: ok: cpus=1: thread 0 ran on CPU 1$/m,
        /^selftest: ok: cpus=1,0: thread 0 on CPU 0, thread 1 on CPU 1 \(the list's order is the CPUs'\)$/m,
        /^selftest: ok: cpus=1,0 echoed in the kernel's form: 0-1$/m,
        /^selftest: ok: topology as sysfs says: ok cpu0 core_id=\d+ package_id=\d+ siblings=[\d,-]+ node=\d+;ok cpu1 core_id=\d+ package_id=\d+ siblings=[\d,-]+ node=\d+;ok cpu1 /m,
        /^selftest: ok: bad-threads-exceed-cpus: threads_exceed_cpus$/m,
        /^selftest: ok: bad-cpu-offline: cpu_not_online$/m,
        /^selftest: ok: CPU 1 back online$/m,
        /^selftest: ok: bad-cpus-syntax: bad_cpus$/m,
        // duration_ms: stops within its time (at most one round over) and reports its count
        /^selftest: ok: bad-iters-duration: iters_and_duration_ms_exclusive$/m,
        /^selftest: ok: duration-300ms: the echo matches the request$/m,
        /^selftest: ok: duration-300ms: echoed iters=0 duration_ms=300$/m,
        /^selftest: ok: duration_ms=300: every thread timed 300-400 ms and counted its requests \(\d+ in all, the map samples' count\)$/m,
        /^selftest: ok: sg-build-scattered-64k: the echo matches the request$/m,
        /^selftest: ok: sg-build-inflight16-batch4: the echo matches the request$/m,
        /^selftest: ok: inflight=16 batch=4: 16 in flight, 160 samples of 4$/m,
        /^selftest: ok: inflight32-sg: the echo matches the request$/m,
        /^selftest: ok: phys inflight=32: 32 in flight, 640 samples, 16 ranges$/m,
        /^selftest: ok: ftrace agrees: sg_build=1 inflight=16 maps 16 ranges per request$/m,
        /^selftest: ok: bad-sg-build-link: sg_build_needs_api_sg$/m,
        /^selftest: ok: bad-inflight-segs: bad_inflight$/m,
      ]) assert.match(log, line);
      if (kernel.id === '7') assert.match(log, /^selftest: ok: link inflight=32: 32 in flight, 640 samples, 16 ranges$/m);
      else assert.match(log, /^selftest: ok: link_api=0: link is unsupported, saying why$/m);

      // The collector's side: every cell's echo matched (else the repetition fails), numbers for sg
      // with and without the table built per request, link on 7.x only, the in-flight count recorded.
      const nvmeLog = await fs.readFile(path.join(hostDir, 'nvme.log'), 'utf8').catch(() => '(no nvme.log)');
      process.stderr.write(`# nvme-like campaign on ${kernel.release}:\n${nvmeLog.split('\n').slice(-12).join('\n').replace(/^/gm, '#   ')}\n`);
      assert.match(await fs.readFile(path.join(hostDir, 'exits'), 'utf8'), /^nvme=0$/m, nvmeLog);
      const nvme = path.join(hostDir, 'nvme');
      assert.deepEqual((await manifest(nvme)).errors, []);
      const samples = (await samplesOf(nvme)).filter((s) => s.pass === 'timed');
      for (const build of [0, 1]) {
        for (const inflight of [1, 16]) {
          const cell = (s: Sample): boolean => {
            const p = new Map(s.cell.slice(s.cell.indexOf(':') + 1).split(',').map((kv) => kv.split('=') as [string, string]));
            return p.get('api') === 'sg' && p.get('sg_build') === String(build) && p.get('inflight') === String(inflight);
          };
          const means = samples.filter((s) => cell(s) && s.metric === 'total.mean').map((s) => s.value as number);
          assert.equal(means.length, 2, `sg sg_build=${build} inflight=${inflight}`);
          assert.ok(means.every((v) => v > 0));
          const inFlight = samples.filter((s) => cell(s) && s.metric === 'inflight').map((s) => s.value as number);
          assert.equal(inFlight.length, 2);
          assert.ok(inFlight.every((v) => v >= inflight), `in flight ${inFlight.join(', ')} for inflight=${inflight}`);
        }
      }
      assert.equal(totalMeans(samples, 'link').length, kernel.id === '7' ? 4 : 0, 'link: numbers on 7.x only');
      // cpus and duration_ms through the collector: the echo matched (the run passed), each
      // repetition counted its requests, and cpus.json says where each thread ran, as sysfs does.
      const timed = samples.filter((s) => s.workload === 'phys-timed' && s.metric === 'requests').map((s) => s.value as number);
      assert.equal(timed.length, 2, 'phys-timed: a request count per repetition');
      assert.ok(timed.every((v) => v > 0), `phys-timed requests ${timed.join(', ')}`);
      // Every repetition that measured keeps its threads' CPUs; phys-timed's say where cpus: put them.
      const cpuFiles = (await fs.readdir(path.join(nvme, 'raw'), { recursive: true })).filter((f) => f.startsWith('phys-timed') && f.endsWith('cpus.json'));
      assert.equal(cpuFiles.length, 2, `cpus.json of phys-timed: ${cpuFiles.join(', ')}`);
      for (const f of cpuFiles) {
        const cpus = JSON.parse(await fs.readFile(path.join(nvme, 'raw', f), 'utf8')) as Array<Record<string, unknown>>;
        assert.deepEqual(cpus.map((c) => [c.thread, c.cpu]), [[0, 0], [1, 1]], f);
        for (const c of cpus) assert.ok(typeof c.coreId === 'number' && typeof c.siblings === 'string' && typeof c.node === 'number', JSON.stringify(c));
      }
      for (const st of await statuses(nvme, 'sg')) assert.match(st, /^status=ok path=sg function=dma_map_sgtable /);
      for (const st of await statuses(nvme, 'link')) {
        assert.match(st, kernel.id === '7' ? /^status=ok path=link / : /^status=unsupported path=none function=none reason=no_link_api_in_kernel_headers /);
      }
      // The checks of the bind path are there and passed (a check that never ran cannot pass).
      for (const line of [
        /^selftest: ok: device file unbind cleared driver_override$/m,
        /^selftest: ok: short form [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] bound 0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/m,
        /^selftest: ok: short-form result names 0000:/m,
        /^selftest: ok: device file: 1\d{4}:\S+ -> No such device \(5-digit domain parsed\)$/m,
        /^selftest: ok: device file: 123456789:\S+ -> Invalid argument \(9-digit domain\)$/m,
        /^selftest: ok: device file: \S+ -> Device or resource busy \(held by \S+\)$/m,
        /^selftest: ok: dmesg clean$/m,
      ]) assert.match(log, line);
      // The spare sits behind a root port, so the short form's first field is a bus other than 00.
      assert.match(log, /^selftest: spare device 0000:(?!00:)[0-9a-f]{2}:/m);
      const result = await fs.readFile(path.join(hostDir, 'out', 'short-form.txt'), 'utf8');
      assert.match(result, /^device bdf=0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] /m);
      assert.match(result, /^result status=ok /m);
    } finally {
      await fs.rm(hostDir, { recursive: true, force: true });
    }
  }
});

test('parameters the module cannot take are refused at plan time, with the line', async () => {
  const bad = path.join(outDir, 'bad-params.yaml');
  const base = (matrix: string): string =>
    `name: bad\nworkloads:\n  - name: w\n    tool: microbench\n    matrix:\n${matrix}`;
  await fs.writeFile(bad, base('      api: sg\n      size: 64k\n      segs: 3\n      device: edu\n'));
  let r = await runCli(['plan', bad]);
  assert.notEqual(r.exitCode, 0);
  assert.match(String(r.stderr), /bad-params\.yaml:\d+:\d+: workloads\[0\]\.matrix\.segs: .*4096-byte pages/);
  await fs.writeFile(bad, base('      api: sg\n      size: 64k\n      segs: 16\n      device: eth0\n'));
  r = await runCli(['plan', bad]);
  assert.notEqual(r.exitCode, 0);
  assert.match(String(r.stderr), /matrix\.device: expected a PCI address/);
  await fs.writeFile(bad, base('      api: map_single\n      size: 64k\n      segs: 16\n      device: edu\n'));
  r = await runCli(['plan', bad]);
  assert.notEqual(r.exitCode, 0);
  assert.match(String(r.stderr), /matrix\.api: /);
});

test('strict IOMMU: 7.x times sg, link and phys; 6.12 reports link unsupported; the comparison prints', { timeout: 10 * 60_000 }, async () => {
  const out = path.join(outDir, 'strict');
  const started = Date.now();
  const r = await runCli(['lab', 'run', campaign, '--kernels', '6.12,7', '--iommu', 'strict', '--out', out]);
  const stdout = String(r.stdout);
  process.stderr.write(`# lab run strict (6.12, 7): ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  assert.equal(r.exitCode, 0, `lab run failed:\n${String(r.stderr).slice(-3000)}`);

  const bundles = (await fs.readdir(out)).filter((d) => !d.endsWith('.log'));
  const b612 = path.join(out, bundles.find((d) => d.startsWith('6.12'))!);
  const b7 = path.join(out, bundles.find((d) => d.startsWith('7.'))!);

  const s7 = await samplesOf(b7);
  const functions = { sg: 'dma_map_sgtable', link: 'dma_iova_link', phys: 'dma_map_phys' } as const;
  for (const api of apis) {
    const means = totalMeans(s7, api);
    assert.equal(means.length, 4 * reps, `7.x ${api}: 4 cells (threads × layout) × ${reps} timed repetitions`);
    assert.ok(means.every((v) => v > 0), `7.x ${api}: ${means.join(', ')}`);
    for (const st of await statuses(b7, api)) assert.match(st, new RegExp(`^status=ok path=${api} function=${functions[api]} .*iommu_domain=DMA batch=\\d+$`));
  }
  assert.deepEqual((await manifest(b7)).errors, []);
  checkIssued('7.x', s7, 12);

  const s612 = await samplesOf(b612);
  assert.deepEqual(totalMeans(s612, 'link'), [], '6.12 has no link numbers');
  const linkStatus = await statuses(b612, 'link');
  assert.equal(linkStatus.length, 4 * reps);
  for (const st of linkStatus) assert.match(st, /^status=unsupported path=none function=none reason=no_link_api_in_kernel_headers /);
  for (const api of ['sg', 'phys']) {
    assert.equal(totalMeans(s612, api).length, 4 * reps, `6.12 ${api}`);
    assert.ok(totalMeans(s612, api).every((v) => v > 0));
  }
  for (const st of await statuses(b612, 'phys')) assert.match(st, /^status=ok path=page function=dma_map_page /);
  checkIssued('6.12', s612, 8);
  const m612 = await manifest(b612);
  assert.equal(m612.status, 'complete', 'unsupported does not count as a failed repetition');
  assert.deepEqual(m612.errors, []);

  // The comparison: 6.12 as base against 7.x, sg and phys side by side, link only on 7.x.
  assert.match(stdout, /6\.12\.\S+ iommu=strict.* \(base\) vs 7\.\S+ iommu=strict/);
  assert.match(stdout, /map-64k:api=sg,.*threads=1[\s\S]*total\.mean\s+descriptive\s+us/);
  assert.match(stdout, /map-64k:api=phys,.*threads=2/);
  assert.match(stdout, /api=link.*only in 7\./);
  process.stderr.write(stdout.split('\nPresent in some bundles only')[0] + '\n');
});

// Runs in the guest: the campaign, then a campaign whose first cell the module must refuse
// (more threads than the guest's 2 CPUs) and whose second must still work, then the kernel log.
const guestScript = [
  'd=$1',
  'dmabench run /opt/dmabench/configs/lab-microbench.yaml --out "$d/run" >"$d/run.log" 2>&1; echo "run=$?" >"$d/exits"',
  'dmabench run "$d/bad.yaml" --out "$d/bad" >"$d/bad.log" 2>&1; echo "bad=$?" >>"$d/exits"',
  'dmesg >"$d/dmesg.txt"',
].join('\n');

const badCampaign = `name: bad-threads
repetitions: 1
warmup: 0
workloads:
  - name: threads
    tool: microbench
    matrix:
      api: sg
      size: 64k
      segs: 16
      threads: [64, 1]
      iters: 200
      warmup: 10
      device: edu
`;

for (const mode of ['lazy', 'passthrough'] as const) {
  test(`7.x with iommu ${mode}: every api produces numbers, a refused request harms nothing, dmesg is clean`, { timeout: 6 * 60_000 }, async () => {
    const image = await findReadyLabImage();
    assert.ok(image, 'the lab image must exist (the strict test builds it)');
    const guestDir = `/var/lib/dmabench-lab/test-microbench-${process.pid}-${mode}`;
    const hostDir = path.join(image.rootfs, guestDir);
    await fs.rm(hostDir, { recursive: true, force: true });
    await fs.mkdir(hostDir, { recursive: true });
    try {
      await fs.writeFile(path.join(hostDir, 'bad.yaml'), badCampaign);
      const started = Date.now();
      const r = await runCli([
        'lab', 'boot', '--kernel', '7', '--iommu', mode, '--timeout', '330',
        '--console-log', path.join(outDir, `${mode}.console.log`),
        '--', 'bash', '-c', guestScript, 'bash', guestDir,
      ]);
      process.stderr.write(`# lab boot 7 iommu=${mode}: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      assert.equal(r.exitCode, 0, `lab boot failed:\n${String(r.stdout).slice(-3000)}\n${String(r.stderr)}`);
      const exits = await fs.readFile(path.join(hostDir, 'exits'), 'utf8');
      assert.match(exits, /^run=0$/m, await fs.readFile(path.join(hostDir, 'run.log'), 'utf8'));

      const run = path.join(hostDir, 'run');
      const samples = await samplesOf(run);
      const domain = mode === 'lazy' ? 'DMA-FQ' : 'identity';
      for (const api of apis) {
        const fellBack = mode === 'passthrough' && api === 'link';
        // A fallback is recorded under fallback.* names only: never beside a real link result.
        const means = totalMeans(samples, api, fellBack ? 'fallback.total.mean' : 'total.mean');
        assert.equal(means.length, 4 * reps, `${mode} ${api}`);
        assert.ok(means.every((v) => v > 0));
        if (fellBack) assert.deepEqual(totalMeans(samples, api), [], 'no link-named figure from a fallback');
        const expected = fellBack
          ? /^status=fallback path=phys function=dma_map_phys reason=dma_iova_try_alloc_false .*iommu_domain=identity batch=\d+$/
          : new RegExp(`^status=ok path=${api} .*iommu_domain=${domain} batch=\\d+$`);
        for (const st of await statuses(run, api)) assert.match(st, expected);
      }
      assert.deepEqual((await manifest(run)).errors, []);

      // The refused request is a failed repetition with the module's reason; the next cell still runs.
      assert.match(exits, /^bad=1$/m);
      const bad = await manifest(path.join(hostDir, 'bad'));
      assert.equal(bad.errors.length, 1);
      // The module echoes the refused request, so the reason is known to be its own.
      assert.match(bad.errors[0]!.message, /dma_bench failed "api=sg .*threads=64 .*": .*\(result: error, bad_threads, errno -22\)/);
      assert.equal(totalMeans(await samplesOf(path.join(hostDir, 'bad')), 'sg').length, 1, 'the threads=1 cell after it worked');

      const dmesg = await fs.readFile(path.join(hostDir, 'dmesg.txt'), 'utf8');
      assert.match(dmesg, /dma_bench \S+: bound, iommu domain /, 'the log covers the module');
      assert.match(dmesg, /dma_bench \S+: unbound/, 'teardown gave the device back');
      assert.deepEqual(kernelProblems(dmesg), []);
    } finally {
      await fs.rm(hostDir, { recursive: true, force: true });
    }
  });
}
