// SIGINT to `dmabench run` in the middle of an ftrace function pass, in a freshly booted 7.x guest
// (where the function tracer works, and the ring buffer has never been expanded): tracefs must hold
// the same settings as before the run, compared by meaning, and no fio is left.
// The guest side is tracefs-restore-guest.ts (run from dist/: `npm run build` first, which
// lab-profile.test.ts checks). Needs root and the lab image; boots one guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ensureLabImage, installDmabenchIntoImage } from '../../lab/image.js';
import { bootGuest } from '../../lab/boot.js';

const isRoot = process.getuid?.() === 0;

test('lab: SIGINT during an ftrace pass leaves tracefs as found', { skip: !isRoot && 'needs root', timeout: 15 * 60_000 }, async () => {
  const image = await ensureLabImage({ log: () => undefined });
  await installDmabenchIntoImage(image, repoRoot);
  const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-restore-'));
  const lines: string[] = [];
  const boot = await bootGuest({
    image,
    kernel: '7',
    iommu: 'strict',
    command: ['node', '/opt/dmabench/dist/test/lab/tracefs-restore-guest.js'],
    timeoutSec: 600,
    consoleLog: path.join(dir, 'console.log'),
    onConsoleLine: (l) => lines.push(l),
  });
  const reportLine = lines.find((l) => l.includes('TRACEFS-RESTORE '));
  assert.ok(reportLine, `no report from the guest; console: ${path.join(dir, 'console.log')}`);
  const report = JSON.parse(reportLine.slice(reportLine.indexOf('TRACEFS-RESTORE ') + 16)) as {
    sawTracePass: boolean;
    freshBuffer: boolean;
    changedDuringPass: string[];
    notRestored: string[];
    fioLeft: string;
  };
  process.stdout.write(`# guest: ${JSON.stringify(report)}\n`);
  assert.equal(report.sawTracePass, true, 'the SIGINT landed while the pass was tracing');
  // A freshly booted guest is the only place where the ring buffer was never expanded: the case a
  // host that already ran the tests since its boot can no longer show.
  assert.equal(report.freshBuffer, true, 'the guest booted with an unexpanded ring buffer');
  assert.ok(report.changedDuringPass.includes('current_tracer'), 'the pass had changed tracefs');
  assert.deepEqual(report.notRestored, []);
  assert.equal(report.fioLeft, '', 'no fio left running');
  assert.equal(boot.exitCode, 0);
});
