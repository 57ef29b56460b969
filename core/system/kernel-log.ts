// What the kernel logged while a run went on (model/kernel-log.ts): /dev/kmsg read without
// blocking, one record per read, each with its sequence number, so a run remembers the last
// number at its start and reads what came after at its end. Only the kernel's own records count
// (facility 0: a userspace line written to /dev/kmsg is never a finding), and only the lines that
// say the kernel went wrong: WARN splats, Oopses, BUGs, panics, IOMMU faults.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { KERNEL_LOG_MAX_LINES, type KernelLogKind, type KernelLogLine, type KernelLogWindow } from '../../model/kernel-log.js';

export const KMSG = '/dev/kmsg';

export interface KmsgRecord {
  seq: number;
  /** syslog facility: 0 for the kernel's own messages, 1 (user) for lines written to /dev/kmsg. */
  facility: number;
  level: number;
  /** Microseconds since boot. */
  usec: number;
  /** The message (its first line), with the kernel's \xNN escapes undone. */
  text: string;
}

/** One /dev/kmsg record: `PRI,SEQ,USEC,FLAGS[,...];message`, then ` KEY=value` lines (Documentation/ABI/testing/dev-kmsg). */
export function parseKmsgRecord(raw: string): KmsgRecord | undefined {
  const semi = raw.indexOf(';');
  if (semi < 0) return undefined;
  const [pri, seq, usec] = raw.slice(0, semi).split(',').map(Number);
  if (!Number.isInteger(pri) || !Number.isInteger(seq) || !Number.isFinite(usec)) return undefined;
  const first = raw.slice(semi + 1).split('\n', 1)[0] ?? '';
  const text = first.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { seq: seq!, facility: pri! >> 3, level: pri! & 7, usec: usec!, text };
}

/** Records of a text holding many (a capture of /dev/kmsg): a record starts with a digit, its dictionary lines with a blank. */
export function parseKmsgText(text: string): KmsgRecord[] {
  const records: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    if (!/^\d/.test(line)) continue;
    const r = parseKmsgRecord(line);
    if (r) records.push(r);
  }
  return records;
}

export type KmsgRead = { records: KmsgRecord[] } | { error: string };

/**
 * Every record the ring buffer still holds, oldest first. Non-blocking: EAGAIN ends it. EPIPE
 * means the next record was overwritten while reading: the read goes on from the oldest one left
 * (the gap shows in the sequence numbers).
 */
export function readKmsg(device = KMSG): KmsgRead {
  let fd: number;
  try {
    fd = openSync(device, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { error: `cannot read ${device}: ${code}${code === 'EPERM' || code === 'EACCES' ? ' (reading the kernel log needs root or CAP_SYSLOG when kernel.dmesg_restrict is 1)' : ''}` };
  }
  const records: KmsgRecord[] = [];
  // A record is at most 8 KiB of text (CONSOLE_EXT_LOG_MAX); a smaller buffer makes read() fail with EINVAL.
  const buf = Buffer.alloc(16384);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue;
        return { error: `reading ${device}: ${code ?? String(err)}` };
      }
      if (n === 0) break;
      const r = parseKmsgRecord(buf.toString('utf8', 0, n));
      if (r) records.push(r);
    }
  } finally {
    closeSync(fd);
  }
  return { records };
}

/**
 * What a kernel message says went wrong, if anything. Anchored at the start of the message as
 * the kernel prints them (kernel/panic.c __warn, oops_begin, panic; the BUG: prefixes of mm, KASAN,
 * the soft-lockup watchdog; the IOMMU drivers' fault reports), so a line that merely mentions
 * the word (`Speculative Return Stack Overflow: WARNING: See ...`) is not one.
 */
export function classifyKernelMessage(text: string): KernelLogKind | undefined {
  // "WARNING: CPU: 1 PID: 42 at file:line func" (to 6.x), "WARNING: file:line at func, CPU#1: comm/42" (later).
  if (/^WARNING: (CPU: \d+ PID: \d+ at |at \S+, CPU#\d+|\S+:\d+ at \S+, CPU#\d+)/.test(text)) return 'warning';
  if (/^Oops\b/.test(text) || /^general protection fault\b/.test(text)) return 'oops';
  if (/^Kernel panic - not syncing\b/.test(text)) return 'panic';
  if (/^(\S+: )?BUG: /.test(text) || /^kernel BUG at /.test(text)) return 'bug';
  if (IOMMU_FAULT.some((re) => re.test(text))) return 'iommu-fault';
  return undefined;
}

/**
 * IOMMU fault reports: Intel VT-d (drivers/iommu/intel/dmar.c: "DRHD: handling fault status reg",
 * "[DMA Read NO_PASID] Request device [..] fault addr .."), AMD-Vi event log entries
 * (IO_PAGE_FAULT and the others), ARM SMMU context faults and SMMUv3 events.
 */
const IOMMU_FAULT: readonly RegExp[] = [
  /^DMAR: DRHD: handling fault status reg/,
  /^DMAR: \[[^\]]*\] Request device \[[^\]]*\].*fault/,
  /AMD-Vi: Event logged \[/,
  /arm-smmu.*: Unhandled context fault/,
  /arm-smmu-v3 .*: event 0x[0-9a-f]+ received/,
];

export interface Findings {
  /** Records after `afterSeq`, of every facility. */
  records: number;
  /** Sequence number of the last record read (afterSeq when there was none). */
  toSeq: number;
  /** Records after `afterSeq` that were overwritten before they could be read. */
  lost: number;
  counts: Partial<Record<KernelLogKind, number>>;
  lines: KernelLogLine[];
}

/** The kernel's findings among the records after `afterSeq`. */
export function kernelLogFindings(records: readonly KmsgRecord[], afterSeq: number): Findings {
  const after = records.filter((r) => r.seq > afterSeq);
  const toSeq = after.reduce((m, r) => Math.max(m, r.seq), afterSeq);
  const findings: Findings = { records: after.length, toSeq, lost: Math.max(0, toSeq - afterSeq - after.length), counts: {}, lines: [] };
  for (const r of after) {
    if (r.facility !== 0) continue;
    const kind = classifyKernelMessage(r.text);
    if (kind === undefined) continue;
    findings.counts[kind] = (findings.counts[kind] ?? 0) + 1;
    if (findings.lines.length < KERNEL_LOG_MAX_LINES) findings.lines.push({ seq: r.seq, kind, text: r.text });
  }
  return findings;
}

export interface KernelLogSource {
  read: () => KmsgRead;
  bootId: () => Promise<string>;
  now: () => Date;
}

const systemSource: KernelLogSource = {
  read: () => readKmsg(),
  bootId: async () => (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim(),
  now: () => new Date(),
};

function close(window: KernelLogWindow, by: NonNullable<KernelLogWindow['closedBy']>, read: KmsgRead | undefined, at: Date): void {
  window.closedBy = by;
  window.endedAt = at.toISOString();
  if (read === undefined || window.error !== undefined) return;
  if ('error' in read) {
    window.error = read.error;
    return;
  }
  const f = kernelLogFindings(read.records, window.afterSeq);
  window.toSeq = f.toSeq;
  window.records = f.records;
  if (f.lost > 0) window.lost = f.lost;
  window.counts = f.counts;
  window.lines = f.lines;
}

/**
 * Opens this run's window on the kernel log (appended to `windows`). Windows an earlier run left
 * open are closed first: from the log, when that run was killed in this same boot; as
 * `boot-ended` when its boot is over (a crash: what it logged is gone). Never throws: an
 * unreadable log is recorded as the window's error.
 */
export async function openKernelLogWindow(windows: KernelLogWindow[], source: KernelLogSource = systemSource): Promise<KernelLogWindow> {
  const bootId = await source.bootId();
  const at = source.now();
  const read = source.read();
  for (const w of windows) {
    if (w.closedBy !== undefined) continue;
    if (w.bootId === bootId) close(w, 'resume', read, at);
    else close(w, 'boot-ended', undefined, at);
  }
  const window: KernelLogWindow =
    'error' in read
      ? { bootId, startedAt: at.toISOString(), afterSeq: -1, counts: {}, lines: [], error: read.error }
      : { bootId, startedAt: at.toISOString(), afterSeq: read.records.reduce((m, r) => Math.max(m, r.seq), -1), counts: {}, lines: [] };
  windows.push(window);
  return window;
}

/** Closes the window this run opened (the last open one of this boot) with what the kernel logged since. */
export async function closeKernelLogWindow(windows: KernelLogWindow[] | undefined, source: KernelLogSource = systemSource): Promise<void> {
  const bootId = await source.bootId();
  const open = [...(windows ?? [])].reverse().find((w) => w.closedBy === undefined && w.bootId === bootId);
  if (open) close(open, 'run', open.error === undefined ? source.read() : undefined, source.now());
}
