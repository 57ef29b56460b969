// `perf script` text (from `perf record -g`) → FlameGraph folded stacks, following the rules of
// FlameGraph's stackcollapse-perf.pl: the process name first (spaces turned into `_`), then the
// frames root-first, symbol offsets `+0x..` stripped, `;` in names turned into `:`, `<>` and quotes
// removed, argument lists cut at the first `(` (except Go method names), `[unknown]` kept.
// Samples are separated by blank lines; a header line starts at column 0, frames are indented.
import { eachLine, type LineSource } from '../../core/text/lines.js';

export interface FoldResult {
  /** Folded stack (`comm;root;…;leaf`) → number of samples. */
  stacks: Map<string, number>;
  /** Samples seen (every header line with its frames). */
  samples: number;
  /** Lines that were neither a header, a frame, a comment nor blank. */
  unrecognized: number;
}

export interface FoldOptions {
  /** Append `-PID` to the process name (stackcollapse-perf.pl --pid). */
  pid?: boolean;
}

// comm may contain spaces; the pid (or pid/tid) is the first number followed by an optional
// [cpu] and the timestamp. comm ends with a non-blank: with `(.*?)\s+` both groups could take
// the same blanks, and a long run of them costs quadratic time.
const HEADER = /^(.*?\S)\s+(\d+)(?:\/(\d+))?\s+(?:\[\d+\]\s+)?\d+\.\d+:/;
const OFFSET = /\+0x[0-9a-fA-F]+$/;
const GO_METHOD = /\.\(.*\)\./;

/** Incremental folder: feed lines with push(), collect with finish(). Memory grows with distinct stacks only. */
export class PerfScriptFolder {
  private readonly stacks = new Map<string, number>();
  private samples = 0;
  private unrecognized = 0;
  private comm: string | undefined;
  private frames: string[] = [];

  constructor(private readonly opts: FoldOptions = {}) {}

  push(line: string): void {
    if (line.length === 0 || isBlank(line)) {
      this.flush();
      return;
    }
    const c = line.charCodeAt(0);
    if (c === 35 /* # */) return;
    if (c === 32 || c === 9) {
      if (this.comm === undefined) {
        this.unrecognized++;
        return;
      }
      const frame = frameName(line);
      if (frame !== undefined) this.frames.push(frame);
      return;
    }
    // A new header without a blank line before it still ends the previous sample.
    this.flush();
    this.comm = this.headerComm(line);
    this.samples++;
  }

  finish(): FoldResult {
    this.flush();
    return { stacks: this.stacks, samples: this.samples, unrecognized: this.unrecognized };
  }

  private headerComm(line: string): string {
    const m = HEADER.exec(line);
    if (!m) {
      this.unrecognized++;
      const space = line.search(/\s/);
      return orUnknown((space < 0 ? line : line.slice(0, space)).replace(/;/g, ':'));
    }
    const comm = orUnknown((m[1] ?? '').trim().replace(/ /g, '_').replace(/;/g, ':'));
    return this.opts.pid ? `${comm}-${m[2]}` : comm;
  }

  private flush(): void {
    if (this.comm === undefined) return;
    const frames = this.frames;
    let key = this.comm;
    for (let i = frames.length - 1; i >= 0; i--) key += ';' + frames[i];
    this.stacks.set(key, (this.stacks.get(key) ?? 0) + 1);
    this.comm = undefined;
    this.frames = [];
  }
}

/** Folds a whole perf script output (text or stream) into stacks. */
export async function foldPerfScript(source: LineSource, opts: FoldOptions = {}): Promise<FoldResult> {
  const folder = new PerfScriptFolder(opts);
  await eachLine(source, (line) => folder.push(line));
  return folder.finish();
}

/** Only spaces and tabs in the usual case; any whitespace (a stray CR) is blank too. */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return line.trim() === '';
  }
  return true;
}

/**
 * A stack's first element must not be empty: `stacks.folded` writes `stack count`, and a line
 * ` 1` cannot be read back. A header with no name (a line of other whitespace, damage) folds
 * under `[unknown]`, as stackcollapse-perf.pl names what it cannot name.
 */
function orUnknown(comm: string): string {
  return comm === '' ? '[unknown]' : comm;
}

/** `\t ffffffff816badaa vfs_read+0x23a ([kernel.kallsyms])` → `vfs_read`. */
function frameName(line: string): string | undefined {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  const addrEnd = line.indexOf(' ', i);
  if (addrEnd < 0) return undefined;
  let rest = line.slice(addrEnd + 1).trimStart();
  // The DSO is the last ` (...)`; what is before it is the symbol, possibly with its own parens.
  if (rest.endsWith(')')) {
    const open = rest.lastIndexOf(' (');
    if (open >= 0) rest = rest.slice(0, open);
  }
  if (rest.startsWith('(')) return undefined; // process names printed as frames
  return tidy(rest);
}

function tidy(name: string): string {
  let f = name.replace(OFFSET, '');
  if (f.includes(';')) f = f.replace(/;/g, ':');
  if (f.includes('<') || f.includes('>')) f = f.replace(/[<>]/g, '');
  if (f.includes('(') && !GO_METHOD.test(f)) f = f.slice(0, f.indexOf('('));
  if (f.includes('"') || f.includes("'")) f = f.replace(/["']/g, '');
  return f;
}
