// Reads and validates a campaign file. Every error names the file, the line and the field,
// because a kernel developer editing YAML on a remote box deserves better than a stack trace.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import { campaignSchema, type Campaign, type Workload } from '../../model/campaign.js';
import { expandMatrix } from './matrix.js';
import type { CellParams } from '../../model/cell.js';

/** Checks one cell's parameters against its tool's own schema; the runner's registry provides it. */
export type CellParamsValidator = (tool: Workload['tool'], params: CellParams) => ZodIssue[];

export class CampaignError extends Error {
  override name = 'CampaignError';
}

type Path = (string | number)[];

/** Formats a field path the way a reader of the YAML sees it: workloads[0].matrix.bs */
export function formatFieldPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

/** Line:column of the deepest node of `path` that exists in the document. */
function locate(doc: Document, lines: LineCounter, path: Path): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const { line, col } = lines.linePos(node.range[0]);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

function issueMessage(file: string, doc: Document, lines: LineCounter, issue: ZodIssue, prefix: Path = []): string {
  const path = [...prefix, ...issue.path];
  return `${file}:${locate(doc, lines, path)}: ${formatFieldPath(path)}: ${issue.message}`;
}

/** Parses and validates campaign text. `file` is only used in messages. */
export function parseCampaign(text: string, file: string, validateCellParams: CellParamsValidator): Campaign {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const { line, col } = lines.linePos(e.pos[0]);
    throw new CampaignError(`${file}:${line}:${col}: YAML syntax: ${e.message.split('\n')[0]}`);
  }
  const parsed = campaignSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new CampaignError(parsed.error.issues.map((i) => issueMessage(file, doc, lines, i)).join('\n'));
  }
  const campaign = parsed.data;
  // Each cell's parameters go through the tool's own schema, so a bad `bs` points at its line.
  campaign.workloads.forEach((w, wi) => {
    for (const cell of expandMatrix(w.matrix)) {
      const problems = validateCellParams(w.tool, cell);
      if (problems.length > 0) {
        throw new CampaignError(
          problems.map((i) => issueMessage(file, doc, lines, i, ['workloads', wi, 'matrix'])).join('\n'),
        );
      }
    }
  });
  return campaign;
}

export async function loadCampaign(file: string, validateCellParams: CellParamsValidator): Promise<{ campaign: Campaign; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CampaignError(`${file}: cannot read campaign file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return { campaign: parseCampaign(text, file, validateCellParams), text };
}
