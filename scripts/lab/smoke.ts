// Smoke check of the lab on this machine (root): image cache, boots of both kernels under strict
// and passthrough IOMMU, exit-code propagation, timeout clean-up and SIGINT clean-up. Prints timings.
//   node --import tsx scripts/lab/smoke.ts [--cache-dir DIR] [--rebuild]
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { bootGuest, LabBootError, type IommuMode } from '../../lab/boot.js';
import { ensureLabImage, type LabImage } from '../../lab/image.js';
import { iommuGroupsCommand, nvmeDevices, parseIommuGroupLines } from '../../lab/iommu-groups.js';

const expectedNvmeGroupType: Partial<Record<IommuMode, string>> = { strict: 'DMA', passthrough: 'identity' };

/** PIDs whose command line contains `pattern` (pgrep -f), excluding pgrep itself. */
async function pgrep(pattern: string): Promise<string[]> {
  const r = await execa('pgrep', ['-f', pattern], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

let consoleDir: string | undefined;
/** Console logs of this run, in one directory that is removed when every check passed. */
async function consoleFile(tag: string): Promise<string> {
  consoleDir ??= await mkdtemp(path.join(os.tmpdir(), 'dmabench-smoke-'));
  return path.join(consoleDir, `${tag}.console.log`);
}

let failures = 0;
function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}

async function groupTypes(image: LabImage, kernel: '7' | '6.12', iommu: IommuMode): Promise<void> {
  const log = await consoleFile(`${kernel}-${iommu}`);
  const lines: string[] = [];
  const r = await bootGuest({ image, kernel, iommu, command: iommuGroupsCommand, timeoutSec: 240, consoleLog: log, onConsoleLine: (l) => lines.push(l) });
  const parsed = parseIommuGroupLines(lines.join('\n'));
  const nvme = nvmeDevices(parsed.devices);
  const want = expectedNvmeGroupType[iommu];
  console.log(`     ${kernel} ${iommu}: ${parsed.release} boot+command ${(r.durationMs / 1000).toFixed(1)} s, NVMe group types ${nvme.map((d) => `${d.bdf}=${d.type}`).join(' ')}`);
  check(r.exitCode === 0, `kernel ${kernel} iommu=${iommu}: command exit code 0 (got ${r.exitCode})`);
  check(nvme.length === 1 && nvme[0]?.type === want, `kernel ${kernel} iommu=${iommu}: NVMe group type ${want}`);
}

async function holdMode(): Promise<void> {
  // Child of the SIGINT check: boot a guest that never ends and say when it runs.
  const image = await ensureLabImage({ log: () => undefined });
  await bootGuest({
    image,
    kernel: '7',
    iommu: 'off',
    command: ['sleep', '600'],
    timeoutSec: 600,
    consoleLog: await consoleFile('hold'),
    onConsoleLine: (l) => {
      if (/dmabench-lab: .*job \S+: start/.test(l)) console.log('HOLDING');
    },
  });
}

async function sigintCheck(): Promise<void> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dmabench-sigint-'));
  const child = execa('node', ['--import', 'tsx', fileURLToPath(import.meta.url), '--hold'], {
    env: { TMPDIR: tmp },
    reject: false,
    buffer: false,
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const started = Date.now();
  try {
    await sigintRound(child, tmp, started);
  } finally {
    child.kill('SIGKILL');
    await rm(tmp, { recursive: true, force: true });
  }
}

async function sigintRound(child: ReturnType<typeof execa>, tmp: string, started: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('HOLDING')) resolve();
    });
    void child.then(() => reject(new Error('the --hold child ended before its guest ran')));
  });
  const before = await pgrep(tmp);
  child.kill('SIGINT');
  const r = await child;
  const after = await pgrep(tmp);
  console.log(`     SIGINT: guest up after ${((Date.now() - started) / 1000).toFixed(1)} s, child ended by ${r.signal ?? r.exitCode}`);
  check(before.length >= 2, `SIGINT: qemu and virtiofsd were running before (${before.length} processes)`);
  check(after.length === 0, `SIGINT: no qemu/virtiofsd left afterwards (${after.join(' ') || 'none'})`);
  const leftFiles = (await readdir(tmp)).filter((n) => n.startsWith('dmabench-boot-'));
  check(leftFiles.length === 0, `SIGINT: the boot's temporary files are gone (${leftFiles.join(' ') || 'none left'})`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--hold')) return holdMode();
  const cacheDir = argValue('--cache-dir');
  const t0 = Date.now();
  const image = await ensureLabImage({ cacheDir, rebuild: process.argv.includes('--rebuild'), log: (l) => console.log(`image: ${l}`) });
  console.log(`     ensureLabImage: ${((Date.now() - t0) / 1000).toFixed(3)} s; kernels ${image.kernels.map((k) => `${k.id}=${k.release} (${k.cc})`).join(', ')}; key ${image.key}`);

  for (const kernel of ['7', '6.12'] as const) {
    for (const iommu of ['strict', 'passthrough'] as const) await groupTypes(image, kernel, iommu);
  }

  const exit3 = await bootGuest({ image, kernel: '7', iommu: 'off', command: ['sh', '-c', 'exit 3'], timeoutSec: 240, consoleLog: await consoleFile('exit3') });
  check(exit3.exitCode === 3, `exit code 3 comes back as ${exit3.exitCode} (${(exit3.durationMs / 1000).toFixed(1)} s)`);

  const tTimeout = Date.now();
  const err = await bootGuest({ image, kernel: '7', iommu: 'off', command: ['sleep', '600'], timeoutSec: 20, consoleLog: await consoleFile('timeout') }).catch((e: unknown) => e);
  check(err instanceof LabBootError && err.reason === 'timeout', `timeout: LabBootError(timeout) after ${((Date.now() - tTimeout) / 1000).toFixed(1)} s`);
  const qemuLeft = await pgrep('qemu-system');
  const ours = await pgrep('dmabench-boot-');
  check(ours.length === 0, `timeout: no qemu/virtiofsd of ours left (pgrep -f qemu-system: ${qemuLeft.join(' ') || 'empty'})`);

  await sigintCheck();
  if (failures === 0 && consoleDir) await rm(consoleDir, { recursive: true, force: true });
  else if (consoleDir) console.log(`console logs kept in ${consoleDir}`);
  console.log(failures === 0 ? 'lab smoke: all checks passed' : `lab smoke: ${failures} check(s) failed`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
