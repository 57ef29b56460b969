// Signals, resume and exit codes in real lab guests (root, the lab image, `npm run build` first:
// the guests run dist/). Four boots:
// - 7.x: a microbench run (dma_bench loaded, QEMU's edu device borrowed) interrupted by two
//   SIGINTs, then one by SIGHUP: dmabench exits 130 after its teardown, the module is unloaded and
//   the device given back (signals-guest.ts). Only a guest can load the module.
// - `dmabench lab boot` on 6.12: a fio run interrupted by SIGINT inside the guest leaves an
//   incomplete bundle; lab boot exits with the guest command's code, 130, and prints no
//   `dmabench:` line of its own.
// - `dmabench lab boot` on 7.x: `dmabench run --resume` of that bundle is refused, naming the
//   kernel release that changed (M19); lab boot passes the guest's 2 through.
// - `dmabench lab boot` past its --timeout: lab boot's own failure, a `dmabench:` line, exit 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { assertRoot, buildOnce } from './helpers.js';
import { ensureLabImage, installDmabenchIntoImage, type LabImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';
import { prebuildDmabenchModules } from '../../lab/module.js';

let image: LabImage;
let dir: string;
/** A directory of this test inside the guest's root filesystem (it persists across boots). */
const guestDir = `/var/lib/dmabench-lab/runs/test-signals-${process.pid}`;
const hostDir = (): string => path.join(image.rootfs, guestDir);

before(async () => {
  assertRoot();
  await buildOnce();
  image = await ensureLabImage({ log: () => undefined });
  await installDmabenchIntoImage(image, repoRoot);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-lab-signals-'));
  await fs.mkdir(hostDir(), { recursive: true });
});

after(async () => {
  if (image) await fs.rm(hostDir(), { recursive: true, force: true });
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

test('lab 7.x: two SIGINTs, or a SIGHUP, during a microbench run: teardown unloads dma_bench and gives the device back', { timeout: 20 * 60_000 }, async () => {
  await prebuildDmabenchModules(image, path.join(repoRoot, 'benches', 'dma_bench'), () => undefined);
  const lines: string[] = [];
  const boot = await bootGuest({
    image,
    kernel: '7',
    iommu: 'strict',
    extraDevices: ['edu'],
    command: ['node', '/opt/dmabench/dist/test/lab/signals-guest.mjs'],
    timeoutSec: 900,
    consoleLog: path.join(dir, 'signals.console.log'),
    onConsoleLine: (l) => lines.push(l),
  });
  const reportLine = lines.find((l) => l.includes('SIGNALS-GUEST '));
  assert.ok(reportLine, `no report from the guest; console: ${path.join(dir, 'signals.console.log')}`);
  const report = JSON.parse(reportLine.slice(reportLine.indexOf('SIGNALS-GUEST ') + 14)) as {
    results: { name: string; borrowed: boolean; exitCode: number; status: string; interruptedBy: string; after: { moduleLoaded: boolean; driver: string }; escalated: boolean; ok: boolean }[];
    teeLeft: string;
  };
  process.stdout.write(`# guest: ${JSON.stringify(report)}\n`);
  for (const r of report.results) {
    assert.equal(r.borrowed, true, `${r.name}: the signal came while dma_bench held the device`);
    assert.equal(r.exitCode, 130, r.name);
    assert.equal(r.status, 'incomplete', r.name);
    assert.equal(r.after.moduleLoaded, false, `${r.name}: dma_bench unloaded`);
    assert.notEqual(r.after.driver, 'dma_bench', `${r.name}: device given back`);
    assert.equal(r.ok, true, r.name);
  }
  assert.equal(report.results[0]!.escalated, true, 'the second SIGINT escalated');
  assert.equal(report.results[1]!.interruptedBy, 'SIGHUP');
  assert.equal(report.teeLeft, '', 'no request writer left');
  assert.equal(boot.exitCode, 0);
});

const campaign = `name: resume-elsewhere
repetitions: 200
warmup: 0
workloads:
  - name: nvme
    tool: fio
    target: { kind: device, path: /dev/nvme0n1 }
    matrix: { rw: randread, bs: 64k, iodepth: 4, ioengine: io_uring, runtime: 1 }
`;

/** stderr lines lab boot printed itself (the guest's console goes to stdout). */
function ownLines(stderr: unknown): string[] {
  return String(stderr).split('\n').filter((l) => l.startsWith('dmabench:'));
}

test('lab boot passes the guest command\'s code through; a bundle begun on 6.12 is not resumed on 7.x', { timeout: 20 * 60_000 }, async () => {
  await fs.writeFile(path.join(hostDir(), 'c.yaml'), campaign);
  const bundle = `${guestDir}/bundle`;
  // In the 6.12 guest: SIGINT after a minute, some repetitions in (coreutils timeout sends it;
  // start-up under TCG takes many seconds, and 200 repetitions cannot finish before).
  const first = await runCli(['lab', 'boot', '--kernel', '6.12', '--iommu', 'strict', '--timeout', '600', '--console-log', path.join(dir, 'first.log'), '--',
    'timeout', '--preserve-status', '-s', 'INT', '90', 'dmabench', 'run', `${guestDir}/c.yaml`, '--out', bundle]);
  assert.equal(first.exitCode, 130, `the guest's dmabench was interrupted: ${String(first.stderr).slice(-2000)}`);
  assert.deepEqual(ownLines(first.stderr), [], 'no dmabench: line of lab boot itself');
  const manifest = JSON.parse(await fs.readFile(path.join(image.rootfs, bundle, 'manifest.json'), 'utf8')) as { status: string; system: { kernel: { release: string } } };
  assert.equal(manifest.status, 'incomplete');
  assert.match(manifest.system.kernel.release, /^6\.12\./);

  const second = await runCli(['lab', 'boot', '--kernel', '7', '--iommu', 'strict', '--timeout', '600', '--console-log', path.join(dir, 'second.log'), '--',
    'dmabench', 'run', `${guestDir}/c.yaml`, '--out', bundle, '--resume']);
  assert.equal(second.exitCode, 2, `the guest's refusal code: ${String(second.stderr).slice(-2000)}`);
  assert.deepEqual(ownLines(second.stderr), []);
  const refusal = String(second.stdout).split('\n').find((l) => l.includes('dmabench: cannot resume'));
  assert.ok(refusal, `the guest printed the refusal: ${String(second.stdout).slice(-2000)}`);
  assert.match(refusal, /it was started on another system \(kernel release 6\.12\.\S+ -> 7\.\S+/);
  process.stdout.write(`# ${refusal.trim()}\n`);
  const after = JSON.parse(await fs.readFile(path.join(image.rootfs, bundle, 'manifest.json'), 'utf8')) as { status: string };
  assert.equal(after.status, 'incomplete', 'the refused resume changed nothing');
});

test('lab boot\'s own failure (past its --timeout) is a dmabench: line and exit 2', { timeout: 10 * 60_000 }, async () => {
  const r = await runCli(['lab', 'boot', '--kernel', '7', '--iommu', 'off', '--timeout', '20', '--console-log', path.join(dir, 'timeout.log'), '--', 'sleep', '600']);
  assert.equal(r.exitCode, 2, String(r.stderr).slice(-2000));
  assert.match(ownLines(r.stderr)[0] ?? '', /^dmabench: the guest exceeded its 20 s timeout and was killed/);
});
