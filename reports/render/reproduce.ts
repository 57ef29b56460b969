// The "reproduce with:" block that ends the mail text: what a reader needs to make the same
// numbers again. The dmabench version and commit, the campaign and its hash, the lab image key for
// lab bundles, and the exact commands: the `dmabench run` / `dmabench lab …` command lines that
// made each bundle, as its manifest records them (model/bundle.ts `commands`, `lab.command`), and
// the command that made this text. A fact all bundles share is printed once, otherwise once per
// side; what an older manifest does not record is said to be "not recorded".
import type { BundleProvenance, Comparison } from '../compare/types.js';
import { sideName } from './view.js';
import { ascii } from './warnings.js';
import { breakWord, fill } from './wrap.js';

export const REPRODUCE_TITLE = 'reproduce with:';

/**
 * An argument quoted for a POSIX shell as Python's shlex.quote does it: left bare when made only
 * of characters no shell treats specially, else in single quotes (a `'` inside written `'"'"'`).
 * Hand-written rather than shell-quote's quote(), which escapes `,`, `:` and `=` with backslashes
 * (`--kernels 6.12\,7`, `api\=sg`): correct, but not what anyone types or wants to read in mail.
 */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

/**
 * An argument no line can hold, quoted in pieces that fit: `firstRoom` columns for the first, `room`
 * for the others. Adjacent quoted strings are one word to the shell, so the pieces joined by
 * backslash-newlines (outside the quotes) are the argument itself.
 */
function quotedPieces(arg: string, room: number, firstRoom: number): string[] {
  // Quoting adds 2 columns to a piece, more for each `'` in it: shrink until every piece fits.
  for (let overhead = 2; ; overhead += 4) {
    const pieces = breakWord(arg, Math.max(1, room - overhead), Math.max(1, firstRoom - overhead)).map(shellQuote);
    if (pieces.every((p, i) => p.length <= (i === 0 ? firstRoom : room)) || overhead > room) return pieces;
  }
}

/** Arguments that read as one: an option and its value (`--kernels 6.12,7`) stay on one line where they fit. */
function argumentUnits(argv: readonly string[]): string[][] {
  const units: string[][] = [];
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i]!.startsWith('--') && value !== undefined && !value.startsWith('-')) units.push([argv[i]!, argv[++i]!]);
    else units.push([argv[i]!]);
  }
  return units;
}

/**
 * `dmabench ARGS…` as shell lines of at most `width` columns: arguments quoted (shellQuote), a line
 * ended by ` \` when the command goes on, further lines indented by two more columns, an option
 * kept with its value where they fit. An argument longer than a line (a deep path) is split inside
 * the word: its continuation lines start at column 0, since an indent there would become part of
 * the argument. Non-ASCII characters become `?` (the text is ASCII for mail), which a reader has
 * to put back.
 */
export function commandLines(argv: readonly string[], width: number, indent = ''): string[] {
  const lines: string[] = [];
  const next = `${indent}  `;
  let current = `${indent}dmabench`;
  // Two columns stay free on every line for the ` \` that continues it.
  const fits = (text: string): boolean => current.length + (current.trim() ? 1 : 0) + text.length + 2 <= width;
  const append = (text: string): void => {
    current += (current.trim() ? ' ' : '') + text;
  };
  const newLine = (): void => {
    if (!current.trim()) return;
    lines.push(`${current} \\`);
    current = next;
  };
  for (const unit of argumentUnits(argv.map(ascii))) {
    const quoted = unit.map(shellQuote).join(' ');
    if (fits(quoted)) {
      append(quoted);
      continue;
    }
    newLine();
    if (fits(quoted)) {
      append(quoted);
      continue;
    }
    for (const arg of unit) {
      const q = shellQuote(arg);
      // A new line only helps an argument that fits on one; a longer one starts where it is.
      if (!fits(q) && next.length + q.length + 2 <= width) newLine();
      if (fits(q)) {
        append(q);
        continue;
      }
      if (width - current.length < 12) newLine();
      const [first, ...rest] = quotedPieces(arg, width - 1, width - current.length - (current.trim() ? 1 : 0) - 1);
      append(first!);
      for (const piece of rest) {
        lines.push(`${current}\\`);
        current = piece;
      }
    }
  }
  lines.push(current);
  return lines;
}

/**
 * The `dmabench compare` command that gives this comparison, as argv after `dmabench`: its bundle
 * directories as they were given, then every option spelled out, so a later version's defaults
 * cannot change what it means.
 */
export function compareCommand(c: Comparison, format = 'text'): string[] {
  const o = c.options;
  const dirs = [...new Set(c.bundles.map((b) => b.dir))];
  const args = ['compare', ...dirs, '--format', format, '--pass', o.pass];
  if (o.vsPass !== undefined) args.push('--vs-pass', o.vsPass);
  if (o.across) args.push('--across', `${o.across.param}=${o.across.value}`);
  args.push('--noise', String(o.noisePct), '--alpha', String(o.alpha), '--seed', String(o.seed), '--bootstrap', String(o.bootstrapIterations));
  return args;
}

function dmabenchText(p: BundleProvenance): string {
  const commit = p.dmabenchCommit ? `commit ${p.dmabenchCommit}${p.dmabenchDirty ? ' with uncommitted changes' : ''}` : 'commit not recorded';
  return `dmabench ${p.dmabenchVersion}, ${commit}`;
}

function campaignText(p: BundleProvenance): string {
  return `campaign ${p.campaign ?? '(unnamed)'}, ${p.campaignHash ?? 'hash not recorded'}`;
}

function labText(p: BundleProvenance): string {
  return p.lab ? `lab image ${p.lab.imageKey}` : 'not made in the lab';
}

/** The commands that made a bundle: the host's lab command for a lab bundle (its guest's `run` is the lab's doing), else its runs; null when not recorded. */
function commandsOf(p: BundleProvenance): string[][] | null {
  if (p.lab) return p.lab.command ? [p.lab.command] : null;
  return p.commands && p.commands.length > 0 ? p.commands : null;
}

/** Sides that share a value, in the order the value first appears. */
function groupSides<T>(c: Comparison, valueOf: (p: BundleProvenance) => T): { sides: string[]; value: T }[] {
  const groups = new Map<string, { sides: string[]; value: T }>();
  c.bundles.forEach((b, i) => {
    const value = valueOf(b.provenance);
    const key = JSON.stringify(value) ?? 'undefined';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { sides: [], value }));
    group.sides.push(sideName(c, i));
  });
  return [...groups.values()];
}

/** One line for a fact every side shares, else one per group of sides (`base: …`). */
function factLines(c: Comparison, width: number, textOf: (p: BundleProvenance) => string): string[] {
  const groups = groupSides(c, (p) => ascii(textOf(p)));
  return groups.flatMap(({ sides, value }) => fill(groups.length === 1 ? value : `${sides.join(', ')}: ${value}`, width, { first: '  ', indent: '    ' }));
}

export interface ReproduceOptions {
  /** The command that made this text, as argv after `dmabench` (default: compareCommand). */
  command?: readonly string[];
}

/** The block, title first, every line at most `width` columns. */
export function reproduceBlock(c: Comparison, width: number, options: ReproduceOptions = {}): string[] {
  const out = [REPRODUCE_TITLE];
  out.push(...factLines(c, width, dmabenchText));
  out.push(...factLines(c, width, campaignText));
  if (c.bundles.some((b) => b.provenance.lab)) out.push(...factLines(c, width, labText));
  for (const { sides, value } of groupSides(c, commandsOf)) {
    if (value === null) {
      out.push(...fill(`# ${sides.join(', ')}: the command was not recorded (a bundle written before dmabench recorded its commands)`, width, { first: '  ', indent: '  # ' }));
      continue;
    }
    out.push(...fill(`# ${sides.join(', ')}`, width, { first: '  ', indent: '  # ' }));
    for (const argv of value) out.push(...commandLines(argv, width, '  '));
  }
  out.push('  # this text');
  out.push(...commandLines(options.command ?? compareCommand(c), width, '  '));
  return out;
}
