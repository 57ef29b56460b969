// Killing a whole process tree. Process groups are not enough: fio's job processes call
// setsid() (seen with fio 3.33: each job has its own session and group), so a group kill
// reaches only the leader and the jobs live on, holding our pipes open. We walk /proc instead.
//
// A PID is only a name until its process is reaped, and then the kernel hands it out again:
// running as root, a signal sent to a remembered PID could reach someone else's process. So
// every process is remembered with its start time (/proc/<pid>/stat field 22, clock ticks since
// boot, fixed for a process's life) and signalled only while it still has that start time. The
// check and the kill are two system calls, a window of microseconds; pidfds would close it, but
// Node has no pidfd_open. Start times count clock ticks (10 ms): a PID handed out again within
// the same tick would pass, but the kernel reuses a PID only after wrapping around pid_max.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcEntry {
  parent: number;
  /** Start time in clock ticks after boot. */
  start: number;
}

/** Fields of /proc/<pid>/stat after the parenthesised comm (which may hold spaces and parens). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended (and was reaped) while we looked
  }
}

// After the comm, fields are numbered from 3 (state): field N is index N - 3.
const PPID_INDEX = 4 - 3;
const STARTTIME_INDEX = 22 - 3;

/** When `pid` started (clock ticks after boot), or undefined when no such process exists. */
export function processStartTime(pid: number): number | undefined {
  const fields = statFields(pid);
  const start = fields?.[STARTTIME_INDEX];
  return start === undefined ? undefined : Number(start);
}

/** Parent and start time of every process. */
function processTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    table.set(Number(entry), { parent: Number(fields[PPID_INDEX]), start: Number(fields[STARTTIME_INDEX]) });
  }
  return table;
}

/** `pid` and all its descendants (parents before children), each with its start time. */
function treeWithStartTimes(pid: number): Map<number, number> {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [child, { parent }] of table) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const tree = new Map<number, number>();
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    const entry = table.get(p);
    if (entry) tree.set(p, entry.start);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  return [...treeWithStartTimes(pid).keys()];
}

/** Killers whose processes may still run: what killAllChildren() reaches besides our own tree. */
const liveKillers = new Set<TreeKiller>();

/**
 * The one process-tree killer. It remembers every process it has seen in the tree, so that
 * descendants which outlive the leader (fio jobs after setsid, a remote `timeout`, ssh helpers)
 * are still reached after the leader has exited and the tree can no longer be walked from it.
 * It never signals a PID whose process is not the one it saw (see the top of this file).
 */
export class TreeKiller {
  /** pid → start time when first seen. */
  private readonly seen = new Map<number, number>();
  private readonly rootStart: number | undefined;

  /** `spareRoot`: signal the descendants only (our own process as the root). */
  constructor(
    private readonly rootPid: number | undefined,
    private readonly opts: { spareRoot?: boolean } = {},
  ) {
    // Read at once: the root was spawned a moment ago and cannot have been reaped yet.
    this.rootStart = rootPid === undefined ? undefined : processStartTime(rootPid);
    if (rootPid !== undefined && this.rootStart !== undefined && !opts.spareRoot) this.seen.set(rootPid, this.rootStart);
    liveKillers.add(this);
  }

  /** Walks the tree again (while the leader is still the process we started) and signals every process seen so far. */
  signal(sig: NodeJS.Signals, opts: { rescan?: boolean } = {}): void {
    if ((opts.rescan ?? true) && this.rootPid !== undefined && this.rootStart !== undefined && processStartTime(this.rootPid) === this.rootStart) {
      for (const [pid, start] of treeWithStartTimes(this.rootPid)) {
        if (this.opts.spareRoot && pid === this.rootPid) continue;
        if (!this.seen.has(pid)) this.seen.set(pid, start);
      }
    }
    for (const [pid, start] of this.seen) {
      // Gone, or gone and its PID given to another process: forget it, never signal it.
      if (processStartTime(pid) !== start) {
        this.seen.delete(pid);
        continue;
      }
      try {
        process.kill(pid, sig);
      } catch {
        // ESRCH: it ended between the check and the kill
      }
    }
  }

  /** SIGKILL to the whole tree. */
  kill(): void {
    this.signal('SIGKILL');
  }

  /** The caller is done with this tree (its processes exited or were killed): killAllChildren() skips it. */
  release(): void {
    liveKillers.delete(this);
  }
}

/**
 * SIGKILL to every child process of dmabench and everything they started, including descendants
 * that left our tree (fio jobs after their leader exited) but are remembered by a live TreeKiller.
 * The second Ctrl-C: what SIGTERM did not stop within its grace period is stopped now.
 */
export function killAllChildren(): void {
  const own = new TreeKiller(process.pid, { spareRoot: true });
  own.kill();
  own.release();
  for (const killer of liveKillers) killer.kill();
}

/** Whether a process exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
