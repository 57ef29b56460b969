// Line iteration shared by the trace and perf parsers. Parsers consume one line at a time through
// a synchronous callback: a promise per line (async generators) costs more than the parsing itself,
// so streams are split chunk by chunk here and memory stays at one chunk plus one partial line.
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Where lines come from:
 * - a whole text (`string`),
 * - a Node Readable (file or pipe): read in chunks and split on `\n`,
 * - an iterable or async iterable of strings, each item being ONE line (no `\n` inside).
 */
export type LineSource = string | Readable | Iterable<string> | AsyncIterable<string>;

/** Calls onLine for every line (without `\n` or a trailing `\r`), in order. */
export async function eachLine(source: LineSource, onLine: (line: string) => void): Promise<void> {
  if (typeof source === 'string') {
    splitText(source, onLine, true);
    return;
  }
  if (source instanceof Readable) {
    await eachLineOfStream(source, onLine);
    return;
  }
  if (Symbol.asyncIterator in source) {
    for await (const line of source) onLine(stripCr(line));
    return;
  }
  for (const line of source) onLine(stripCr(line));
}

async function eachLineOfStream(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    carry = splitText(text, onLine, false);
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) onLine(stripCr(rest));
}

/** Emits complete lines of text; returns the unterminated tail (or emits it too when final). */
function splitText(text: string, onLine: (line: string) => void, final: boolean): string {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    onLine(text.slice(start, end));
    start = nl + 1;
  }
  const tail = text.slice(start);
  if (final) {
    if (tail.length > 0) onLine(stripCr(tail));
    return '';
  }
  return tail;
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** The first line of a tool's message (stderr, an error), trimmed: what a one-line error quotes. */
export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The last line of a tool's message, trimmed: where perf puts the reason it failed. */
export function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
