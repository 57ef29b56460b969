// Acknowledged regressions ("expected: the IOMMU default changed"), read from a file kept beside
// the results (asv keeps them in the browser's localStorage, which no other reader sees).
//
// The file is YAML (JSON is YAML too): a list of entries, each
//
//   - metric: read.clat.p50
//     cell: "randread:rw=randread,bs=4k,iodepth=4,numjobs=1,ioengine=psync,runtime=1"  # optional: every cell
//     good: 1f2e3d4     # the last good run: a commit or a run id
//     bad: 9a8b7c6      # the first bad run: a commit or a run id
//     reason: "expected: the IOMMU default changed"
//
// An entry covers a regression of its metric (and cell, when given) that lies inside its range:
// the regression's last good run is at or after `good` and its first bad run at or before `bad`
// in the series' order, so a range written a run wider than the one detected still holds.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import type { SeriesAnalysis, SeriesPoint } from './types.js';

const AcknowledgementSchema = z
  .object({
    metric: z.string().min(1),
    cell: z.string().min(1).optional(),
    good: z.string().min(1),
    bad: z.string().min(1),
    reason: z.string().min(1),
  })
  .strict();

export type Acknowledgement = z.infer<typeof AcknowledgementSchema>;

/** The entries of an acknowledgements file's text; throws naming the source and the entry at fault. */
export function parseAcknowledgements(text: string, source: string): Acknowledgement[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${source}: not YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error(`${source}: expected a list of acknowledgements`);
  return doc.map((entry, i) => {
    const parsed = AcknowledgementSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${source}: entry ${i + 1}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
    }
    return parsed.data;
  });
}

/** The acknowledgements in a file; none when the file does not exist. */
export async function readAcknowledgements(file: string): Promise<Acknowledgement[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseAcknowledgements(text, file);
}

/** The position of the point a commit or run id names, or null. */
function indexOf(points: readonly SeriesPoint[], name: string): number | null {
  const point = points.find((p) => p.commit === name || p.runIds.includes(name));
  return point ? point.index : null;
}

/** The analysis with every regression an acknowledgement covers marked `acknowledged` (improvements are left alone). */
export function applyAcknowledgements(analysis: SeriesAnalysis, acknowledgements: readonly Acknowledgement[]): SeriesAnalysis {
  const relevant = acknowledgements.filter((a) => a.metric === analysis.metric && (a.cell === undefined || a.cell === analysis.cell));
  if (relevant.length === 0) return analysis;
  const changes = analysis.changes.map((change) => {
    if (change.direction !== 'regression') return change;
    const covering = relevant.find((a) => {
      const good = indexOf(analysis.points, a.good);
      const bad = indexOf(analysis.points, a.bad);
      return good !== null && bad !== null && change.lastGood.index >= good && change.firstBad.index <= bad;
    });
    return covering ? { ...change, acknowledged: { reason: covering.reason } } : change;
  });
  return { ...analysis, changes };
}
