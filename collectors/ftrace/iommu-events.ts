// The iommu:map and iommu:unmap tracepoints (include/trace/events/iommu.h):
//   map: IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu
//   unmap: IOMMU: iova=0x%016llx - 0x%016llx size=%zu unmapped_size=%zu
// They appear as records of the `trace` text, of `trace-cmd report`, and as `/* map: ... */`
// comments inside function_graph output, so lines are matched on the event text alone.
import { eachLine, type LineSource } from '../../core/text/lines.js';
import { newTraceHealth, traceCount, trackHealth, type TraceHealth } from './trace-line.js';

export interface IommuOpStats {
  count: number;
  /** Sum of `size=`. */
  bytes: number;
  /** size → number of events (the set of sizes is small: multiples of the IOMMU page size). */
  sizes: Map<number, number>;
}

export interface IommuEventsResult {
  health: TraceHealth;
  map: IommuOpStats;
  unmap: IommuOpStats & {
    /** Sum of `unmapped_size=`; differs from bytes when an unmap covered less than asked. */
    unmappedBytes: number;
    /** Unmaps where unmapped_size != size. */
    partial: number;
  };
}

const MAP = /\bmap: IOMMU: iova=0x([0-9a-f]+) - 0x([0-9a-f]+) paddr=0x([0-9a-f]+) size=(\d+)/;
const UNMAP = /\bunmap: IOMMU: iova=0x([0-9a-f]+) - 0x([0-9a-f]+) size=(\d+) unmapped_size=(\d+)/;

export class IommuEventAccumulator {
  readonly result: IommuEventsResult = {
    health: newTraceHealth(),
    map: newOp(),
    unmap: { ...newOp(), unmappedBytes: 0, partial: 0 },
  };

  push(line: string): void {
    if (line.length === 0) return;
    if (trackHealth(this.result.health, line) !== undefined) return;
    const at = line.indexOf('map: IOMMU:');
    if (at < 0) return;
    if (at >= 2 && line.startsWith('un', at - 2)) {
      const m = UNMAP.exec(line);
      if (!m) return;
      const size = traceCount(m[3]!, 'iommu unmap size');
      const unmapped = traceCount(m[4]!, 'iommu unmapped_size');
      addOp(this.result.unmap, size);
      this.result.unmap.unmappedBytes += unmapped;
      if (unmapped !== size) this.result.unmap.partial++;
      return;
    }
    const m = MAP.exec(line);
    if (m) addOp(this.result.map, traceCount(m[4]!, 'iommu map size'));
  }
}

export async function parseIommuEvents(source: LineSource): Promise<IommuEventsResult> {
  const acc = new IommuEventAccumulator();
  await eachLine(source, (line) => acc.push(line));
  return acc.result;
}

function newOp(): IommuOpStats {
  return { count: 0, bytes: 0, sizes: new Map() };
}

function addOp(op: IommuOpStats, size: number): void {
  op.count++;
  op.bytes += size;
  op.sizes.set(size, (op.sizes.get(size) ?? 0) + 1);
}
