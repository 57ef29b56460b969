// Lab tests (root, QEMU, the lab image; `npm run test:lab`): real guests on both kernels.
// Every boot runs with TMPDIR pointing at a directory of this test run, so "no process left"
// is checked against our own QEMU/virtiofsd only, even while other lab runs share the machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { bootGuest, LabBootError, type IommuMode } from '../../lab/boot.js';
import { ensureLabImage, type LabImage, type LabKernelId } from '../../lab/image.js';
import { iommuGroupsCommand, nvmeDevices, parseIommuGroupLines } from '../../lab/iommu-groups.js';

let image: LabImage;
let runDir: string;
let savedTmpdir: string | undefined;

before(async () => {
  if (process.getuid?.() !== 0) throw new Error('the lab tests need root (debootstrap, virtiofsd): run them with sudo');
  image = await ensureLabImage({ log: (l) => console.log(`image: ${l}`) });
  runDir = await mkdtemp(path.join(os.tmpdir(), 'dmabench-labtest-'));
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
});

after(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  if (runDir) await rm(runDir, { recursive: true, force: true });
});

/** Our QEMU/virtiofsd processes (their arguments name a socket under runDir). */
async function ourProcesses(): Promise<string[]> {
  const r = await execa('pgrep', ['-af', `${runDir}/dmabench-boot-`], { reject: false });
  return r.stdout.split('\n').filter((l) => l && !l.includes('pgrep'));
}

function consoleLog(name: string): string {
  return path.join(runDir, `${name}.console.log`);
}

const expected: Record<'strict' | 'passthrough', string> = { strict: 'DMA', passthrough: 'identity' };

for (const kernel of ['7', '6.12'] as LabKernelId[]) {
  for (const iommu of ['strict', 'passthrough'] as const) {
    test(`kernel ${kernel}, iommu ${iommu}: the NVMe's IOMMU group is ${expected[iommu]}`, async () => {
      const release = image.kernels.find((k) => k.id === kernel)?.release;
      const r = await bootGuest({ image, kernel, iommu: iommu as IommuMode, command: iommuGroupsCommand, timeoutSec: 180, consoleLog: consoleLog(`${kernel}-${iommu}`) });
      assert.equal(r.exitCode, 0);
      const parsed = parseIommuGroupLines(await readFile(r.consoleLog, 'utf8'));
      assert.equal(parsed.release, release, 'the guest ran the kernel asked for');
      const nvme = nvmeDevices(parsed.devices);
      assert.equal(nvme.length, 1, 'one NVMe controller');
      assert.equal(nvme[0]?.type, expected[iommu]);
      console.log(`${kernel} ${iommu}: ${(r.durationMs / 1000).toFixed(1)} s`);
    });
  }
}

test('the command\'s exit code comes back from the guest', async () => {
  const lines: string[] = [];
  const r = await bootGuest({
    image,
    kernel: '6.12',
    iommu: 'off',
    command: ['sh', '-c', 'echo "dmabench-test $1"; exit 3', 'sh', 'two words'],
    timeoutSec: 180,
    consoleLog: consoleLog('exit3'),
    onConsoleLine: (l) => lines.push(l),
  });
  assert.equal(r.exitCode, 3);
  assert.ok(lines.includes('dmabench-test two words'), 'argv reached the guest unchanged and output streamed');
  assert.deepEqual(await ourProcesses(), []);
});

test('a guest past its timeout is killed with its virtiofsd, and the error says so', async () => {
  const started = Date.now();
  const err = await bootGuest({ image, kernel: '7', iommu: 'off', command: ['sleep', '600'], timeoutSec: 15, consoleLog: consoleLog('timeout') }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof LabBootError, `expected a LabBootError, got ${String(err)}`);
  assert.equal(err.reason, 'timeout');
  assert.match(err.message, /15 s timeout/);
  assert.match(err.message, /console tail/);
  assert.ok(Date.now() - started < 60_000);
  assert.deepEqual(await ourProcesses(), []);
  assert.deepEqual((await readdir(runDir)).filter((n) => n.startsWith('dmabench-boot-')), [], 'temporary files removed');
});

test('aborting the signal ends the guest and every process', async () => {
  const ac = new AbortController();
  let sawJob = false;
  const err = await bootGuest({
    image,
    kernel: '7',
    iommu: 'off',
    command: ['sleep', '600'],
    timeoutSec: 180,
    consoleLog: consoleLog('abort'),
    signal: ac.signal,
    onConsoleLine: (l) => {
      if (/dmabench-lab: .*job \S+: start sleep/.test(l)) {
        sawJob = true;
        ac.abort();
      }
    },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(sawJob, 'the job started before the abort');
  assert.ok(err instanceof LabBootError && err.reason === 'aborted', `expected an aborted LabBootError, got ${String(err)}`);
  assert.deepEqual(await ourProcesses(), []);
});
