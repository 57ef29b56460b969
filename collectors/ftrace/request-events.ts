// The I/O count of an ftrace pass, from the trace itself (review M7): the block layer's
// block:block_rq_issue tracepoint fires once per request handed to the driver, right after the
// driver mapped it for DMA (nvme_prep_rq maps, then starts the request), so its records in the
// pass's window are the requests whose mappings the same window holds. fio's own count cannot be
// used for that: it stops counting at the end of its runtime with up to iodepth reads still in
// flight, and does not count ramp_time's reads, while the trace sees them all.
//
//   block_rq_issue: 259,0 R 65536 () 1234 + 128 none,0,0 [fio]     (6.x, 7.x: ioprio before comm)
//   block_rq_issue: 259,0 R 65536 () 1234 + 128 [fio]              (older kernels)
//
// The record names the whole disk (`major,minor` of the request queue's disk, never a
// partition), the request's rwbs flags and its data bytes: a request with no data (a flush) maps
// nothing and is counted apart. The same text is a record of the function and nop tracers' trace
// and a `/* block_rq_issue: ... */` comment in function_graph output, so lines are matched on the
// event text alone.
import { traceCount } from './trace-line.js';

/** The tracepoint, as set_event names it. */
export const REQUEST_ISSUE_EVENT = 'block:block_rq_issue';

export interface DiskRequests {
  /** Requests carrying data (bytes > 0): one DMA mapping each. */
  data: number;
  /** Requests without data (flushes). */
  noData: number;
  /** rwbs flags → requests, e.g. `R` → 128. */
  byRwbs: Map<string, number>;
}

const ISSUE = /\bblock_rq_issue: (\d+),(\d+) ([A-Z]*) (\d+) /;

/** Counts block_rq_issue records per disk (`major:minor`). */
export class RequestEventAccumulator {
  readonly disks = new Map<string, DiskRequests>();

  push(line: string): void {
    if (!line.includes('block_rq_issue: ')) return;
    const m = ISSUE.exec(line);
    if (!m) return;
    const dev = `${traceCount(m[1]!, 'block_rq_issue major')}:${traceCount(m[2]!, 'block_rq_issue minor')}`;
    const bytes = traceCount(m[4]!, 'block_rq_issue bytes');
    let d = this.disks.get(dev);
    if (!d) this.disks.set(dev, (d = { data: 0, noData: 0, byRwbs: new Map() }));
    if (bytes > 0) d.data++;
    else d.noData++;
    d.byRwbs.set(m[3]!, (d.byRwbs.get(m[3]!) ?? 0) + 1);
  }
}
