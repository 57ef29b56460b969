// Runs INSIDE a lab guest (compiled to dist/test/lab/, started by lab-crash-resume.test.ts), once
// per boot, on the disk the host attached with serial SERIAL (an image file that outlives the boot):
//
//   start  SERIAL DELAY_MS   mkfs.ext4 the disk, mount it, start `dmabench run` with its bundle
//                            there, and DELAY_MS after the bundle exists crash the kernel
//                            (sysrq c; panic=-1 and -no-reboot make QEMU exit)
//   resume SERIAL DELAY_MS ANCHOR
//                            mount it (the journal is replayed), check the bundle as the crash left
//                            it, start `dmabench run --resume`, crash DELAY_MS after ANCHOR: `start`
//                            (the process started: start-up and the rewrite of samples.jsonl are
//                            in reach) or `progress` (its manifest marks two more repetitions done
//                            than the boot found: repetitions in reach, whatever the host's load)
//   finish SERIAL            mount, check, `dmabench run --resume` to the end, check again
//
// Each boot prints one line, CRASH-RESUME {json}, before it crashes or exits, for the host to judge.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { checkBundle, type BundleCheck } from '../helpers/bundle-invariants.js';
import { crashCampaign } from './crash-resume-campaign.js';
import { GUEST_CLI } from '../../lab/guest-cli.js';

export interface CrashResumeReport {
  mode: string;
  /** The bundle as this boot found it on the disk (after the previous crash), before running. */
  found?: BundleCheck;
  /** The bundle as seen through the page cache just before the crash (what the run believed). */
  beforeCrash?: BundleCheck;
  /** Milliseconds from the anchor to the crash. */
  delayMs?: number;
  /** What the delay counts from: the bundle's creation, the resumed run's start or its second newly done repetition. */
  anchor?: 'created' | 'start' | 'progress';
  /** The run ended before the crash was due: the campaign is too short for the delay. */
  ranOut?: boolean;
  /** finish: `dmabench run --resume` exit code and the bundle afterwards. */
  exitCode?: number;
  final?: BundleCheck;
  mount?: string;
  error?: string;
}

const mountPoint = '/run/dmabench-crash';
const bundle = `${mountPoint}/bundle`;
const campaignFile = '/run/crash-resume.yaml';
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function report(r: CrashResumeReport): void {
  // The console is a tty: this write is synchronous, so it is out before the crash.
  process.stdout.write(`CRASH-RESUME ${JSON.stringify(r)}\n`);
}

/** The block device of the NVMe controller whose serial is `serial` (probe order names them). */
async function diskBySerial(serial: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const ctrl of existsSync('/sys/class/nvme') ? readdirSync('/sys/class/nvme') : []) {
      const s = readFileSync(`/sys/class/nvme/${ctrl}/serial`, 'utf8').trim();
      const dev = `/dev/${ctrl}n1`;
      if (s === serial && existsSync(dev)) return dev;
    }
    if (Date.now() > deadline) throw new Error(`no NVMe disk with serial ${serial} within 60 s`);
    await sleep(100);
  }
}

function startRun(resume: boolean): ResultPromise<{ reject: false; stdin: 'ignore'; stdout: 'inherit'; stderr: 'inherit' }> {
  const args = [path.join(dist, '..', GUEST_CLI), 'run', campaignFile, '--out', bundle, ...(resume ? ['--resume'] : [])];
  return execa(process.execPath, args, { reject: false, stdin: 'ignore', stdout: 'inherit', stderr: 'inherit' });
}

/** Crashes the kernel: nothing after this line runs, and nothing unsynced reaches the disk. */
function crash(): never {
  writeFileSync('/proc/sysrq-trigger', 'c');
  for (;;) {
    // The panic stops every CPU; never return meanwhile.
  }
}

/** Waits until `cond` holds while `run` is still going (180 s at most). */
async function until(run: ReturnType<typeof startRun>, cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!cond()) {
    if (run.exitCode !== null) throw new Error(`dmabench run ended (exit ${run.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`not within 180 s: ${what}`);
    await sleep(20);
  }
}

/** Repetitions the manifest marks done now (through the page cache); 0 while it is being replaced. */
function doneInManifest(): number {
  try {
    const manifest = JSON.parse(readFileSync(`${bundle}/manifest.json`, 'utf8')) as { done?: Record<string, number[]> };
    return Object.values(manifest.done ?? {}).reduce((n, reps) => n + reps.length, 0);
  } catch {
    return 0;
  }
}

async function crashAfter(run: ReturnType<typeof startRun>, delayMs: number, r: CrashResumeReport): Promise<never> {
  const ended = await Promise.race([sleep(delayMs).then(() => false), run.then(() => true)]);
  r.delayMs = delayMs;
  r.ranOut = ended;
  r.beforeCrash = await checkBundle(bundle).catch(() => undefined);
  report(r);
  crash();
}

async function main(): Promise<void> {
  const [mode = '', serial = '', delay, anchor] = process.argv.slice(2);
  const delayMs = Number(delay);
  const r: CrashResumeReport = { mode };
  try {
    const usage = (mode === 'start' && delayMs >= 0) || (mode === 'resume' && delayMs >= 0 && (anchor === 'start' || anchor === 'progress')) || mode === 'finish';
    if (!usage || !serial) throw new Error('usage: crash-resume-guest start SERIAL DELAY_MS | resume SERIAL DELAY_MS start|progress | finish SERIAL');
    const dev = await diskBySerial(serial);
    if (mode === 'start') await execa('mkfs.ext4', ['-q', '-F', dev]);
    await mkdir(mountPoint, { recursive: true });
    // Default ext4 options (data=ordered, delayed allocation, 5 s commits): what a box has.
    await execa('mount', ['-t', 'ext4', dev, mountPoint]);
    r.mount = readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.includes(mountPoint));
    writeFileSync(campaignFile, crashCampaign);
    if (mode !== 'start') r.found = await checkBundle(bundle);

    if (mode === 'start') {
      const run = startRun(false);
      await until(run, () => existsSync(`${bundle}/manifest.json`), 'the bundle was created');
      r.anchor = 'created';
      await crashAfter(run, delayMs, r);
    }
    if (mode === 'resume') {
      const run = startRun(true);
      // Two, not one: the last repetition marked done may be lost with a rename the crash undoes.
      const wanted = (r.found?.done ?? 0) + 2;
      if (anchor === 'progress') await until(run, () => doneInManifest() >= wanted, `the resumed run marked ${wanted} repetitions done`);
      r.anchor = anchor === 'progress' ? 'progress' : 'start';
      await crashAfter(run, delayMs, r);
    }
    const done = await startRun(true);
    r.exitCode = done.exitCode;
    r.final = await checkBundle(bundle);
    await execa('umount', [mountPoint]);
  } catch (err) {
    r.error = (err as Error).stack ?? String(err);
  }
  report(r);
  process.exit(r.error === undefined && r.exitCode === 0 ? 0 : 1);
}

await main();
