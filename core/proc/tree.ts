// Killing a whole process tree. Process groups are not enough: fio's job processes call
// setsid() (seen with fio 3.33: each job has its own session and group), so a group kill
// reaches only the leader and the jobs live on, holding our pipes open. We walk /proc instead.
import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid of every process, from /proc/<pid>/stat (field 4, after the parenthesised comm). */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(afterComm[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return parents;
}

/** `pid` and all its descendants, parents before children. */
export function processTree(pid: number): number[] {
  const parents = parentMap();
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/**
 * The one process-tree killer. It remembers every process it has seen in the tree, so that
 * descendants which outlive the leader (fio jobs after setsid, a remote `timeout`, ssh helpers)
 * are still reached after the leader has exited and the tree can no longer be walked from it.
 */
export class TreeKiller {
  private readonly seen = new Set<number>();

  constructor(private readonly rootPid: number | undefined) {}

  /** Walks the tree again (while the leader lives) and signals every process seen so far. */
  signal(sig: NodeJS.Signals, opts: { rescan?: boolean } = {}): void {
    if ((opts.rescan ?? true) && this.rootPid !== undefined) for (const pid of processTree(this.rootPid)) this.seen.add(pid);
    signalAll(this.seen, sig);
  }

  /** SIGKILL to the whole tree. */
  kill(): void {
    this.signal('SIGKILL');
  }
}

/** Sends `signal` to every pid, ignoring those already gone. */
function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: gone already
    }
  }
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
