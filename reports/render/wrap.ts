// Line filling for the mail text (reports/render/text.ts): every function here returns lines of at
// most `width` columns and loses no character, whatever it is given. Sentences break at blanks; a
// word too long for a line (a cell key, a path, a host name) breaks where its own punctuation
// allows, after `,` or `:` first (`fio-randread:bs=64k,iodepth=8,...`), then after `/` (a path),
// then after `=`, `.`, `+`, `-` or `_`, and is cut only when it has none of those. A reader joins the pieces back by
// removing the line breaks and the indents.

/** Where a long word may break, most preferred first; the break comes after the character. */
const BREAK_AFTER: readonly string[] = [',:', '/', '=.+_-'];

/**
 * Where to end a line that can hold `limit` characters of `word`: after the last `,` or `:` that
 * fills at least half the line, else the last `/` that does, else the last of the other break
 * characters that does, else after the last break character at all, else at `limit` (a cut).
 */
function breakAt(word: string, limit: number): number {
  const lastAfter = (chars: string): number => {
    for (let i = limit; i > 0; i--) if (chars.includes(word[i - 1]!)) return i;
    return 0;
  };
  for (const chars of BREAK_AFTER) {
    const i = lastAfter(chars);
    if (i >= limit / 2) return i;
  }
  return lastAfter(BREAK_AFTER.join('')) || limit;
}

/**
 * A word too long for a line, in pieces that fill lines: the first at most `firstRoom` long, the
 * others at most `room`, each ending at the best break that fits (breakAt).
 */
export function breakWord(word: string, room: number, firstRoom = room): string[] {
  const lines: string[] = [];
  let rest = word;
  while (rest.length > 0) {
    const limit = Math.max(1, lines.length === 0 ? firstRoom : room);
    const end = rest.length <= limit ? rest.length : breakAt(rest, limit);
    lines.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return lines.length > 0 ? lines : [''];
}

export interface FillOptions {
  /** Put before the first line (default: `indent`). */
  first?: string;
  /** Put before every further line. */
  indent?: string;
}

/**
 * `text` filled into lines of at most `width` columns: words (split at blanks) go on a line while
 * they fit; a word that fits on a line of its own starts the next line; a word that fits on no line
 * is broken (breakWord), starting on the current line.
 */
export function fill(text: string, width: number, options: FillOptions = {}): string[] {
  const indent = options.indent ?? '';
  const room = Math.max(1, width - indent.length);
  const lines: string[] = [];
  let prefix = options.first ?? indent;
  let current = '';
  const flush = (): void => {
    lines.push((prefix + current).trimEnd());
    prefix = indent;
    current = '';
  };
  // A line holding nothing but blanks is not printed: the next word simply starts at `indent`.
  const newLine = (): void => {
    if (current || prefix.trim()) flush();
    else prefix = indent;
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const left = width - prefix.length - current.length - (current ? 1 : 0);
    if (word.length <= left) {
      current += (current ? ' ' : '') + word;
      continue;
    }
    if (word.length <= room) {
      newLine();
      current = word;
      continue;
    }
    // Too long for any line: start it on this line when enough of the line is left to be worth it.
    let firstRoom = left;
    if (left < Math.min(room, 8)) {
      newLine();
      firstRoom = room;
    }
    const parts = breakWord(word, room, firstRoom);
    current += (current ? ' ' : '') + parts[0];
    for (const part of parts.slice(1)) {
      flush();
      current = part;
    }
  }
  if (current || prefix.trim()) flush();
  return lines;
}

/**
 * `key: value` lines: the value starts at column `keyWidth` + 2 after `indent` (keys padded so
 * values align) and continues at that column; where a word of the value does not fit at that
 * column it continues at `indent` + 2 instead, so long values (a hash, a path) keep their width.
 */
export function keyValue(key: string, value: string, width: number, options: { indent?: string; keyWidth?: number } = {}): string[] {
  const indent = options.indent ?? '';
  const head = `${indent}${`${key}:`.padEnd((options.keyWidth ?? key.length) + 1)} `;
  const aligned = ' '.repeat(head.length);
  const longest = Math.max(0, ...value.split(/\s+/).map((w) => w.length));
  const continuation = head.length + longest <= width ? aligned : `${indent}  `;
  return fill(value, width, { first: head, indent: continuation });
}

/** Lines longer than `width` (a table row that could not be narrowed) broken, continuations indented by `indent`. */
export function fitLines(lines: readonly string[], width: number, indent = '  '): string[] {
  return lines.flatMap((line) => {
    if (line.length <= width) return [line];
    const lead = /^ */.exec(line)![0];
    const [first, ...rest] = breakWord(line.slice(lead.length), width - indent.length, width - lead.length);
    return [lead + first!, ...rest.map((r) => indent + r)];
  });
}
