// The comparability warnings (reports/compare/comparability.ts) as lines, the same in every
// format, printed before the table: a reader must not quote numbers from bundles that differ in
// more than the kernel without seeing so. Plain ASCII, so a mail client keeps them intact.
import type { Comparison } from '../compare/types.js';

export const WARNINGS_TITLE = 'Not comparable in every respect:';

/** Non-ASCII characters (a label, a device model) become `?`: the text goes into mail. */
export function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** One entry per warning: its message, then its detail lines. Empty when the bundles are comparable. */
export function warningEntries(c: Comparison): { message: string; details: string[] }[] {
  return (c.warnings ?? []).map((w) => ({ message: ascii(w.message), details: (w.details ?? []).map(ascii) }));
}

/** The text and terminal form: a title, `! message` lines, details indented under them. */
export function warningLines(c: Comparison): string[] {
  const entries = warningEntries(c);
  if (entries.length === 0) return [];
  return [WARNINGS_TITLE, ...entries.flatMap((e) => [`  ! ${e.message}`, ...e.details.map((d) => `      ${d}`)])];
}
