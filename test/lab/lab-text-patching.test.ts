// The lab's guests survive the kernel patching its own text while another vCPU runs, as every
// ftrace pass makes them do: the function and function_graph tracers (every function's call site)
// and a tracepoint's static branch (sched_switch, in __schedule) switched on and off, with two
// tasks sleeping and waking all the while. Under QEMU 7.2's multi-threaded TCG this killed the
// 7.2 guest with "Oops: int3" in its first round in 3 boots of 3 (6.12 in 1 of 1); lab/boot.ts runs QEMU with
// thread=single for it. Needs root and the lab image; boots one guest per kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ensureLabImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';

const isRoot = process.getuid?.() === 0;
const rounds = 2;

/** Run in the guest as `bash -c SCRIPT text-patching ROUNDS`; prints a line per round. */
const guestScript = readFileSync(path.join(repoRoot, 'test', 'lab', 'text-patching-guest.sh'), 'utf8');

for (const kernel of ['7', '6.12'] as const) {
  test(`lab ${kernel}: switching tracers and a tracepoint on and off while the other vCPU schedules does not oops the kernel`, { skip: !isRoot && 'needs root', timeout: 20 * 60_000 }, async () => {
    const image = await ensureLabImage({ log: () => undefined });
    const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-text-patching-'));
    try {
      const consoleLog = path.join(dir, 'console.log');
      // A panic throws LabBootError, whose message carries the first oops.
      const boot = await bootGuest({ image, kernel, iommu: 'strict', command: ['bash', '-c', guestScript, 'text-patching', String(rounds)], timeoutSec: 900, consoleLog });
      const lines = (await readFile(consoleLog, 'utf8')).split(/\r?\n/).filter((l) => l.startsWith('TEXT-PATCHING '));
      process.stdout.write(`# ${kernel}: ${lines.join('; ')} (boot ${(boot.durationMs / 1000).toFixed(0)} s)\n`);
      assert.equal(boot.exitCode, 0);
      assert.equal(lines.filter((l) => /^TEXT-PATCHING round \d+ of \d+: \d+ ms$/.test(l)).length, rounds, lines.join('\n'));
      assert.equal(lines.at(-1), `TEXT-PATCHING done: ${rounds} rounds`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
