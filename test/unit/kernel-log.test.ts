// The kernel log of a run (issue 11 item 7): /dev/kmsg records parsed as the device gives them,
// the kernel's complaints told from lines that only mention a word, windows opened and closed
// by sequence number (per boot, across resumes), on real records (test/fixtures/kmsg/README.md)
// and on this machine's /dev/kmsg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import {
  classifyKernelMessage,
  closeKernelLogWindow,
  kernelLogFindings,
  openKernelLogWindow,
  parseKmsgText,
  readKmsg,
  type KernelLogSource,
  type KmsgRecord,
} from '../../core/system/kernel-log.js';
import type { KernelLogWindow } from '../../model/kernel-log.js';
import { fixture } from '../helpers/paths.js';

const kmsgFixture = async (): Promise<KmsgRecord[]> => parseKmsgText(await readFile(fixture('kmsg', 'boot-6.18.44-records-109-230.txt'), 'utf8'));

/** Serial console lines (`[   82.675428] text`) as kernel records numbered from `seq`. */
async function consoleRecords(file: string, seq: number): Promise<KmsgRecord[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((l) => /^\[\s*\d+\.\d+\] /.test(l));
  return lines.map((l, i) => ({ seq: seq + i, facility: 0, level: 4, usec: 0, text: l.replace(/^\[\s*\d+\.\d+\] /, '') }));
}

test('kmsg records: sequence numbers, facility and level, dictionary lines left out', async () => {
  const records = await kmsgFixture();
  assert.equal(records.length, 122);
  assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 122 }, (_, i) => 109 + i));
  const srso = records.find((r) => r.seq === 119)!;
  assert.deepEqual(srso, {
    seq: 119,
    facility: 0,
    level: 4,
    usec: 260534,
    text: 'Speculative Return Stack Overflow: WARNING: See https://kernel.org/doc/html/latest/admin-guide/hw-vuln/srso.html for mitigation options.',
  });
  assert.ok(records.every((r) => !r.text.startsWith('SUBSYSTEM=') && !r.text.startsWith('DEVICE=')));
});

test("a line that only mentions WARNING, the IOMMU's boot lines and DMAR's are not findings", async () => {
  const boot = await kmsgFixture();
  assert.deepEqual(kernelLogFindings(boot, 108).counts, {});
  assert.equal(classifyKernelMessage('Speculative Return Stack Overflow: WARNING: See https://kernel.org/doc/html/latest/admin-guide/hw-vuln/srso.html for mitigation options.'), undefined);
  const strict = await consoleRecords(fixture('lab', 'console-7.2.13-strict.log'), 0);
  const dmar = strict.filter((r) => r.text.startsWith('DMAR'));
  assert.ok(dmar.length >= 8, `DMAR lines in the strict console: ${dmar.length}`);
  assert.deepEqual(kernelLogFindings(strict, -1).counts, {}, 'a clean boot of the lab guest has no finding');
});

test("an Oops and a panic from real lab consoles are found, with the kernel's own text", async () => {
  const oops = await consoleRecords(fixture('lab', 'console-7.2.13-early-panic-tail.log'), 1000);
  const crash = await consoleRecords(fixture('kmsg', 'console-7.2.13-sysrq-crash.log'), 2000);
  const f = kernelLogFindings([...oops, ...crash], 999);
  assert.deepEqual(f.counts, { oops: 1, panic: 2 });
  assert.deepEqual(f.lines.map((l) => [l.seq, l.kind, l.text]), [
    [1000 + 18, 'oops', 'Oops: int3: 0000 [#2] SMP NOPTI'],
    [1000 + 37, 'panic', 'Kernel panic - not syncing: Fatal exception in interrupt'],
    [2001, 'panic', 'Kernel panic - not syncing: sysrq triggered crash'],
  ]);
  assert.equal(f.records, oops.length + crash.length);
});

test('records overwritten before they were read are counted as lost; userspace lines are never findings', async () => {
  const boot = await kmsgFixture();
  // The capture starts at 109: records 101-108 of a window opened after 100 are gone.
  const f = kernelLogFindings(boot, 100);
  assert.equal(f.lost, 8);
  assert.equal(f.toSeq, 230);
  const asUser = (await consoleRecords(fixture('kmsg', 'console-7.2.13-sysrq-crash.log'), 1)).map((r) => ({ ...r, facility: 1 }));
  assert.deepEqual(kernelLogFindings(asUser, 0).counts, {});
});

test("a window on this machine's /dev/kmsg sees what is logged during it, and counts only the kernel's complaints", async () => {
  const windows: KernelLogWindow[] = [];
  const w = await openKernelLogWindow(windows);
  const direct = readKmsg();
  if ('error' in direct) {
    // Not root and kernel.dmesg_restrict=1: the window says why it is blind.
    assert.match(w.error ?? '', /cannot read \/dev\/kmsg/);
    return;
  }
  assert.equal(w.error, undefined);
  assert.equal(w.bootId, (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim());
  assert.ok(w.afterSeq >= 0);
  // A userspace line (facility user) that looks like a kernel warning.
  await writeFile('/dev/kmsg', '<4>WARNING: CPU: 0 PID: 1 at dmabench/unit-test.c:1 written from userspace by the kernel-log test\n');
  await closeKernelLogWindow(windows);
  assert.equal(w.closedBy, 'run');
  assert.ok((w.records ?? 0) >= 1, `records during the window: ${w.records}`);
  assert.ok((w.toSeq ?? -1) > w.afterSeq);
  assert.deepEqual(w.counts, {}, 'the userspace line is no finding');
});

/** A log source over fixed records (what /dev/kmsg would give), boot id and clock. */
function source(boot: string, records: KmsgRecord[]): KernelLogSource {
  return { bootId: async () => boot, read: () => ({ records }), now: () => new Date('2026-12-02T00:00:00Z') };
}

test('windows across resumes: a killed run is closed from the log in the same boot, a crashed boot is said to be lost', async () => {
  const boot = await kmsgFixture();
  const oops = await consoleRecords(fixture('lab', 'console-7.2.13-early-panic-tail.log'), 231);
  const windows: KernelLogWindow[] = [];
  await openKernelLogWindow(windows, source('boot-a', boot.filter((r) => r.seq <= 150)));
  // Killed: never closed. Resumed in the same boot, after the oops was logged.
  await openKernelLogWindow(windows, source('boot-a', [...boot, ...oops]));
  assert.equal(windows[0]!.closedBy, 'resume');
  assert.deepEqual(windows[0]!.counts, { oops: 1, panic: 1 });
  assert.equal(windows[1]!.afterSeq, 231 + oops.length - 1);
  // That run crashed; the next one is another boot.
  await openKernelLogWindow(windows, source('boot-b', boot.filter((r) => r.seq <= 120)));
  assert.equal(windows[1]!.closedBy, 'boot-ended');
  assert.deepEqual(windows[1]!.counts, {});
  await closeKernelLogWindow(windows, source('boot-b', boot));
  assert.deepEqual(windows.map((w) => [w.bootId, w.afterSeq, w.closedBy]), [
    ['boot-a', 150, 'resume'],
    ['boot-a', 231 + oops.length - 1, 'boot-ended'],
    ['boot-b', 120, 'run'],
  ]);
  assert.equal(windows[2]!.records, 110);
});
