// Nothing lost on a crash, on a real filesystem with a real page cache: a lab guest runs a fio
// campaign whose bundle lives on ext4 on an emulated NVMe disk (an image file that outlives the
// boot), and its kernel is crashed (sysrq c) at seeded random points of the run. After each crash
// the next boot mounts the disk (the journal is replayed) and checks the bundle as the crash left
// it: every repetition the manifest marks done has its samples exactly once and its raw output.
// Then `--resume`, crashed again; the last boot resumes to the end. A killed process cannot show
// a missing fsync (its writes stay in the page cache); this can. The guest side is
// crash-resume-guest.ts, run from dist/. Needs root and the lab image; boots CRASHES + 1 guests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ensureLabImage, installDmabenchIntoImage } from '../../lab/image.js';
import { bootGuest, LabBootError } from '../../lab/boot.js';
import { mulberry32 } from '../../reports/stats/prng.js';
import type { CrashResumeReport } from './crash-resume-guest.js';
import { crashCampaignRepetitions } from './crash-resume-campaign.js';
import { assertRoot, buildOnce } from './helpers.js';

const crashes = Number(process.env.DMABENCH_CRASHES ?? 3);
const serial = 'dmabench-crash';

function reportFrom(lines: string[], consoleLog: string): CrashResumeReport {
  const line = [...lines].reverse().find((l) => l.includes('CRASH-RESUME '));
  assert.ok(line, `no report from the guest; console: ${consoleLog}`);
  return JSON.parse(line.slice(line.indexOf('CRASH-RESUME ') + 13)) as CrashResumeReport;
}

test('lab: crashes at seeded random points of a run on ext4 lose no repetition marked done, and --resume completes the bundle', { timeout: 45 * 60_000 }, async () => {
  assertRoot();
  await buildOnce();
  const seed = Number(process.env.DMABENCH_TEST_SEED ?? Date.now() % 2 ** 31);
  process.stdout.write(`# seed ${seed} (DMABENCH_TEST_SEED=${seed} repeats these crash points)\n`);
  const random = mulberry32(seed);
  const image = await ensureLabImage({ log: () => undefined });
  await installDmabenchIntoImage(image, repoRoot);
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-crash-'));
  const started = Date.now();
  let passed = false;
  try {
    const disk = path.join(dir, 'crash-disk.img');
    const h = await open(disk, 'w');
    await h.truncate(256 * 1024 ** 2);
    await h.close();

    const boot = async (n: number, args: string[]): Promise<{ report: CrashResumeReport; lines: string[]; error?: LabBootError; exitCode?: number }> => {
      const consoleLog = path.join(dir, `boot-${n}.console.log`);
      const lines: string[] = [];
      const t0 = Date.now();
      try {
        const b = await bootGuest({
          image,
          kernel: '7',
          // The IOMMU is not what this test is about; without it the emulated disk is faster.
          iommu: 'off',
          command: ['node', '/opt/dmabench/dist/test/lab/crash-resume-guest.mjs', ...args],
          // A crashed boot ends within a minute; the last one runs what is left of 48 repetitions,
          // which takes minutes on a loaded host. These are bounds against a hang, not timings.
          timeoutSec: args[0] === 'finish' ? 1200 : 420,
          consoleLog,
          disks: [{ file: disk, serial }],
          onConsoleLine: (l) => lines.push(l),
        });
        return { report: reportFrom(lines, consoleLog), lines, exitCode: b.exitCode };
      } catch (e) {
        if (!(e instanceof LabBootError)) throw e;
        return { report: reportFrom(lines, consoleLog), lines, error: e };
      } finally {
        process.stdout.write(`# boot ${n} (${args.join(' ')}): ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      }
    };

    const landed: string[] = [];
    let doneOnDiskAfterCrashes = 0;
    let previous: CrashResumeReport | undefined;
    /**
     * What a run recorded stays recorded: the disk holds every repetition the run's manifest
     * showed just before the crash, but for one whose manifest was renamed and not yet synced
     * when the kernel died (the snapshot can see a rename the crash then undoes).
     */
    const checkKept = (crashed: CrashResumeReport, found: NonNullable<CrashResumeReport['found']>): void => {
      const before = crashed.beforeCrash?.done ?? 0;
      assert.ok(found.done >= before - 1, `${before} repetitions done before the crash, only ${found.done} on the disk after`);
      assert.ok(found.done >= (crashed.found?.done ?? 0), 'a repetition done on the disk before the run was lost');
    };
    /** One crash point: where it landed, what the run believed, what the disk kept. */
    const describe = (crashed: CrashResumeReport, found: NonNullable<CrashResumeReport['found']>): string =>
      `${crashed.delayMs} ms after ${crashed.anchor}: ${crashed.beforeCrash?.done ?? '?'} done before the crash, ${found.done} on the disk after` +
      `, ${found.undoneSamples} samples of unfinished repetitions${found.tornTail ? ', torn last line' : ''}`;
    for (let n = 0; n < crashes; n++) {
      // The first run is crashed a seeded time after its bundle exists. A resumed run spends 5 to
      // 30 s (host load) starting and rewriting samples.jsonl before its first repetition, so the
      // resumes alternate: counted from the process start (start-up in reach), or from the moment
      // its manifest marks two more repetitions done than the boot found (repetitions in reach:
      // time alone, on a loaded host, let all three crashes land before the first repetition).
      const anchor = n % 2 === 1 ? 'start' : 'progress';
      const delayMs = Math.round(n === 0 ? 3_000 + random() * 22_000 : anchor === 'start' ? 2_000 + random() * 18_000 : random() * 10_000);
      const { report, lines, error } = await boot(n, n === 0 ? ['start', serial, String(delayMs)] : ['resume', serial, String(delayMs), anchor]);
      process.stdout.write(`# guest ${n}: ${JSON.stringify(report)}\n`);
      assert.equal(report.error, undefined);
      if (n > 0) {
        assert.ok(report.found, 'the bundle was checked after the previous crash');
        assert.deepEqual(report.found.violations, [], `after crash ${n - 1}`);
        checkKept(previous!, report.found);
        doneOnDiskAfterCrashes += report.found.done;
        landed.push(describe(previous!, report.found));
      }
      previous = report;
      assert.equal(report.ranOut, false, `run ${n} ended before its crash at ${delayMs} ms: the campaign is too short`);
      // The kernel really crashed (sysrq c) and QEMU ended with it.
      assert.equal(error?.reason, 'panic', `boot ${n} ended by a panic: ${String(error?.message ?? 'it exited normally')}`);
      assert.ok(lines.some((l) => /Kernel panic - not syncing: sysrq triggered crash/.test(l)), 'the panic is the one we triggered');
    }

    const { report, exitCode } = await boot(crashes, ['finish', serial]);
    process.stdout.write(`# guest ${crashes}: ${JSON.stringify(report)}\n`);
    assert.equal(report.error, undefined);
    assert.ok(report.found);
    assert.deepEqual(report.found.violations, [], `after crash ${crashes - 1}`);
    checkKept(previous!, report.found);
    doneOnDiskAfterCrashes += report.found.done;
    landed.push(describe(previous!, report.found));
    process.stdout.write(`# crash points: ${landed.join('; ')}\n`);
    // The checks above were not vacuous: some crash came after repetitions had been recorded.
    assert.ok(doneOnDiskAfterCrashes > 0, 'some repetitions were marked done on the disk when a crash came');
    assert.equal(report.exitCode, 0);
    assert.equal(exitCode, 0);
    assert.ok(report.final);
    assert.deepEqual(report.final.violations, []);
    assert.equal(report.final.status, 'complete');
    assert.equal(report.final.done, crashCampaignRepetitions);
    assert.equal(report.final.undoneSamples, 0);
    process.stdout.write(`# lab crash test: ${crashes} crashes, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    passed = true;
  } finally {
    // The consoles of a failed run are what explains it: kept, and said where.
    if (passed) await rm(dir, { recursive: true, force: true });
    else process.stdout.write(`# consoles and disk image kept in ${dir}\n`);
  }
});
