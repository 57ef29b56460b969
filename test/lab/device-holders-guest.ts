// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-device-holders.test.ts):
// partitions the emulated NVMe, stacks a device-mapper linear device and an md RAID1 on its
// partitions (the guest kernel loads dm-mod and raid1, which this VM's kernel cannot), and asks
// the real `dmabench run` to write to the devices underneath. Prints one JSON line
// (DEVICE-HOLDERS {...}) with what dmabench answered and what sysfs and blkid said, for the host
// to judge. No udev runs in the guest: dmsetup and mdadm make their own device nodes.
import { mkdtemp, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { GUEST_CLI } from '../../lab/guest-cli.js';

const DISK = '/dev/nvme0n1';
// dist/test/lab/ -> the checkout's root: the CLI as the lab guests run it.
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', GUEST_CLI);

export interface Attempt {
  name: string;
  target: string;
  /** What sysfs listed under the holders of the target and of its disk just before the attempt. */
  holders: string[];
  diskHolders: string[];
  exitCode: number | undefined;
  /** The last line dmabench wrote to stderr (the refusal, when there is one). */
  lastLine: string;
  ms: number;
}

export interface HoldersReport {
  kernel: string;
  tools: Record<string, string>;
  /** `blkid -p -o export` of a partition after the md array on it was stopped. */
  blkidStoppedMember?: string;
  attempts: Attempt[];
  setupError?: string;
  log: string[];
}

const report: HoldersReport = { kernel: '', tools: {}, attempts: [], log: [] };
const work = await mkdtemp(path.join(tmpdir(), 'holders-'));

async function run(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await execa(cmd, args, { input, reject: false, all: true });
  const said = r.exitCode === undefined ? r.message : r.all?.trim().split('\n').slice(-3).join(' | ');
  report.log.push(`$ ${cmd} ${args.join(' ')} -> ${r.exitCode}${said ? `: ${said}` : ''}`);
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.exitCode}: ${r.exitCode === undefined ? r.message : r.all}`);
  return r.stdout;
}

async function holdersOf(sysDir: string): Promise<string[]> {
  return (await readdir(path.join(sysDir, 'holders')).catch(() => [])).sort();
}

async function waitFor(node: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(node); i++) await sleep(100);
  if (!existsSync(node)) throw new Error(`${node} did not appear`);
}

/** One `dmabench run` of a 1 s destructive randwrite on `target`. */
async function attempt(name: string, target: string): Promise<void> {
  const name0 = path.basename(target);
  const sys = `/sys/class/block/${name0}`;
  // sysfs puts a partition's directory inside its disk's.
  const diskDir = existsSync(path.join(sys, 'partition')) ? path.dirname(await realpath(sys)) : undefined;
  const campaign = path.join(work, `${name}.yaml`);
  await writeFile(
    campaign,
    `name: holders-${name}
repetitions: 1
warmup: 0
workloads:
  - name: w
    tool: fio
    target: { kind: device, path: ${target} }
    destructive: true
    matrix: { rw: randwrite, bs: 4k, ioengine: psync, runtime: 1 }
`,
  );
  const holders = await holdersOf(sys);
  const diskHolders = diskDir ? await holdersOf(diskDir) : [];
  const t0 = Date.now();
  const r = await execa(process.execPath, [cli, 'run', campaign, '--out', path.join(work, `bundle-${name}`)], { reject: false });
  const lastLine = r.stderr.trim().split('\n').at(-1) ?? '';
  report.attempts.push({ name, target, holders, diskHolders, exitCode: r.exitCode, lastLine, ms: Date.now() - t0 });
  process.stdout.write(`# ${name} ${target}: exit ${r.exitCode}: ${lastLine}\n`);
}

try {
  report.kernel = (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim();
  report.tools.mdadm = (await execa('mdadm', ['--version'], { reject: false, all: true })).all?.trim() ?? '';
  report.tools.dmsetup = (await execa('dmsetup', ['--version'], { reject: false, all: true })).all?.trim() ?? '';
  report.tools.blkid = (await execa('blkid', ['--version'], { reject: false })).stdout.trim();
  await run('modprobe', ['dm-mod']);
  await run('modprobe', ['raid1']);
  await run('sfdisk', ['-q', DISK], 'label: gpt\n,128M,L\n,128M,L\n,128M,L\n');
  for (const p of ['p1', 'p2', 'p3']) await waitFor(`${DISK}${p}`);
  const p1Sectors = (await readFile('/sys/class/block/nvme0n1p1/size', 'utf8')).trim();
  await run('dmsetup', ['create', 'dmabench-lin', '--noudevsync', '--table', `0 ${p1Sectors} linear ${DISK}p1 0`]);
  await run('mdadm', ['--create', '/dev/md0', '--run', '--level=1', '--raid-devices=2', '--metadata=1.2', '--assume-clean', `${DISK}p2`, `${DISK}p3`]);

  await attempt('dm-holder', `${DISK}p1`);
  await attempt('md-holder', `${DISK}p2`);
  await attempt('whole-disk', DISK);

  // A stopped array still owns its members: the superblock says so.
  await run('mdadm', ['--stop', '/dev/md0']);
  report.blkidStoppedMember = await run('blkid', ['-p', '-o', 'export', `${DISK}p2`]);
  await attempt('md-member-stopped', `${DISK}p2`);

  // Nothing on p1 any more: the same write goes through.
  await run('dmsetup', ['remove', '--noudevsync', 'dmabench-lin']);
  await attempt('partition-free', `${DISK}p1`);

  // A map over the whole disk (as multipath makes) holds every partition of it.
  const diskSectors = (await readFile('/sys/class/block/nvme0n1/size', 'utf8')).trim();
  await run('dmsetup', ['create', 'dmabench-whole', '--noudevsync', '--table', `0 ${diskSectors} linear ${DISK} 0`]);
  await attempt('disk-holder', `${DISK}p1`);
  await run('dmsetup', ['remove', '--noudevsync', 'dmabench-whole']);
} catch (err) {
  report.setupError = err instanceof Error ? err.message : String(err);
}
process.stdout.write(`DEVICE-HOLDERS ${JSON.stringify(report)}\n`);
