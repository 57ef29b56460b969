// The direct children of one process, cheaply: /proc/<pid>/task/<tid>/children of each of its
// threads (CONFIG_PROC_CHILDREN, set in Debian's kernels), a few system calls instead of tree.ts's
// walk of all of /proc. Fit for polling every few milliseconds while a workload runs. A child is
// listed until its parent reaps it.
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of `pid`'s children; undefined when the process is gone or the kernel does not say. */
export function directChildren(pid: number): number[] | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch (err) {
      // A thread that ended between the two reads has no children to give.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && tids.length > 1) continue;
      return undefined;
    }
    for (const word of text.split(' ')) if (/^\d+$/.test(word)) out.push(Number(word));
  }
  return out;
}
