// perf script → folded stacks, against what FlameGraph's stackcollapse-perf.pl (commit 41fee1f)
// printed for the same real captures (test/fixtures/perf/folded-reference, with the commands and
// the script's commit in its README). Other expectations are counted from the capture text here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { fixture } from '../helpers/paths.js';
import { PerfScriptFolder, eventOf, feed, foldPerfScript, frameNames, headerFields, type FoldOptions } from '../../collectors/perf/script-fold.js';
import { mulberry32 } from '../../reports/stats/prng.js';

const CAPTURES = fs.readdirSync(fixture('perf')).filter((f) => /^script-.*\.txt$/.test(f));
const reference = (name: string): Buffer => fs.readFileSync(fixture('perf', 'folded-reference', name));

/** Our folded text, as the bytes `ingest --folded` prints. */
async function foldedBytes(source: Buffer | Readable, opts: FoldOptions = {}): Promise<Buffer> {
  const folder = new PerfScriptFolder(opts);
  await feed(folder, source);
  return Buffer.concat([...folder.foldedChunks(64)]);
}

/** Headers of a well-formed capture: event and period, counted with plain string handling. */
function headers(text: string): { event: string; period: number }[] {
  return text
    .split('\n')
    .filter((l) => /^[^\s#]/.test(l))
    .map((l) => {
      const [period, event] = l.trim().split(/\s+/).slice(-2);
      return { event: (event ?? '').replace(/:$/, ''), period: Number(period) };
    });
}

test('every perf script capture has a stackcollapse-perf.pl reference output', () => {
  assert.ok(CAPTURES.length >= 5);
  for (const name of CAPTURES) assert.ok(fs.existsSync(fixture('perf', 'folded-reference', name.replace(/\.txt$/, '.folded'))), name);
});

for (const name of CAPTURES) {
  test(`fold ${name}: byte for byte what stackcollapse-perf.pl printed, whatever the chunking`, async () => {
    const want = reference(name.replace(/\.txt$/, '.folded'));
    const bytes = fs.readFileSync(fixture('perf', name));
    assert.deepEqual(await foldedBytes(bytes), want);
    // Chunks that cut lines (and CR-less, multi-byte text) anywhere.
    assert.deepEqual(await foldedBytes(fs.createReadStream(fixture('perf', name), { highWaterMark: 7 })), want);
    assert.deepEqual(await foldedBytes(fs.createReadStream(fixture('perf', name), { highWaterMark: 1000 })), want);
  });

  test(`fold ${name}: weights are the periods of the first event's samples; --sample-counts gives one each`, async () => {
    const text = fs.readFileSync(fixture('perf', name), 'utf8');
    const hs = headers(text);
    const first = hs[0]?.event;
    const kept = hs.filter((h) => h.event === first);
    const byPeriod = await foldPerfScript(text);
    const bySample = await foldPerfScript(text, { weight: 'samples' });
    assert.equal(byPeriod.event, first);
    assert.equal(byPeriod.samples, kept.length);
    assert.equal(byPeriod.otherEventSamples, hs.length - kept.length);
    assert.equal(byPeriod.unrecognized, 0);
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    assert.equal(sum(byPeriod.stacks), kept.reduce((a, h) => a + h.period, 0));
    assert.equal(sum(bySample.stacks), kept.length);
    assert.deepEqual([...bySample.stacks.keys()].sort(), [...byPeriod.stacks.keys()].sort());
  });
}

test('fold: chunks with reuse are the same bytes, read each before the next, from two buffers in all', async () => {
  const want = reference('script-system.folded');
  const folder = new PerfScriptFolder();
  await feed(folder, fs.readFileSync(fixture('perf', 'script-system.txt')));
  const copies: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for (const chunk of folder.foldedChunks(5000, true)) { // over 4 KiB: not from Buffer's shared pool
    copies.push(Buffer.from(chunk));
    buffers.add(chunk.buffer);
  }
  assert.ok(copies.length > 10, `${copies.length} chunks`);
  assert.deepEqual(Buffer.concat(copies), want);
  assert.ok(buffers.size <= 3, `${buffers.size} buffers`); // two, and the empty one the writer starts with at most
});

test('fold --pid and --tid: stackcollapse-perf.pl --pid / --tid on a capture with pid/tid headers', async () => {
  const bytes = fs.readFileSync(fixture('perf', 'script-pid-tid.txt'));
  assert.deepEqual(await foldedBytes(bytes, { pid: true }), reference('script-pid-tid.pid.folded'));
  assert.deepEqual(await foldedBytes(bytes, { tid: true }), reference('script-pid-tid.tid.folded'));
});

test('fold: the three differences the review found are gone ([dso] for [unknown], <> kept, periods)', async () => {
  const system = await foldPerfScript(fs.readFileSync(fixture('perf', 'script-system.txt')));
  const frames = new Set([...system.stacks.keys()].flatMap((k) => k.split(';')));
  // `[unknown] (/usr/bin/qemu-system-x86_64)` in the text: named after its DSO.
  assert.match(fs.readFileSync(fixture('perf', 'script-system.txt'), 'utf8'), /\[unknown\] \(\/usr\/bin\/qemu-system-x86_64\)/);
  assert.ok(frames.has('[qemu-system-x86_64]'));
  assert.ok(frames.has('v8::internal::JsonParser<unsigned char>::ParseJsonValue<false>'));
  // Periods: every sample of this capture has the period 12658227.
  for (const n of system.stacks.values()) assert.equal(n % 12658227, 0);
});

test('fold: a kernel read path comes out root-first (entry before vfs_read before the copy)', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-dd.txt'), 'utf8');
  const withVfsRead = text.split(/\n\n/).filter((b) => /\svfs_read\+0x/.test(b)).length;
  assert.ok(withVfsRead > 0);
  const r = await foldPerfScript(text, { weight: 'samples' });
  let folded = 0;
  for (const [stack, n] of r.stacks) {
    const frames = stack.split(';');
    const i = frames.indexOf('vfs_read');
    if (i < 0) continue;
    folded += n;
    assert.equal(frames[0], 'dd');
    assert.ok(frames.indexOf('ksys_read') < i, `ksys_read is nearer the root than vfs_read in ${stack}`);
  }
  assert.equal(folded, withVfsRead);
});

test('fold: the last sample counts only when a blank line ends it, as the script reads it', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-dd.txt'), 'utf8');
  const all = await foldPerfScript(text, { weight: 'samples' });
  const cut = await foldPerfScript(text.trimEnd(), { weight: 'samples' });
  assert.equal(cut.samples, all.samples - 1);
});

// ---------------------------------------------------------------------------------------------
// The script's three regular expressions, as JavaScript ones (Perl's \s and \w on bytes; its `.`
// is [^\n]: JavaScript's also stops at \r), are the oracle for the linear code that replaces them, on lines of the captures mutated at random.

const WS = '[\\t\\n\\v\\f\\r ]';
const HEADER_RE = new RegExp(`^([^\\t\\n\\v\\f\\r ][^\\n]+?)${WS}+(\\d+)\\/*(\\d+)*${WS}+`);
const EVENT_RE = new RegExp(`:${WS}*(\\d+)*${WS}+([^\\t\\n\\v\\f\\r ]+):${WS}*$`);
const FRAME_RE = new RegExp(`^${WS}*(\\w+)${WS}*([^\\n]+) \\(([^\\n]*)\\)`);
const PIECES = [' ', '\t', '\r', '\v', '(', ')', ' (', ') ', ':', '/', '0', '42', '->', '[unknown]', ';', '"', "'", '+0x1f', '.(', ').', '\u00a0', 'java'];

function mutatedLines(count: number): string[] {
  const rand = mulberry32(12);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const lines = CAPTURES.flatMap((n) => fs.readFileSync(fixture('perf', n), 'latin1').split('\n')).filter((l) => l !== '');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let l = pick(lines);
    for (let k = Math.floor(rand() * 4); k > 0; k--) {
      const at = Math.floor(rand() * (l.length + 1));
      l = rand() < 0.7 ? l.slice(0, at) + pick(PIECES) + l.slice(at) : l.slice(0, at) + l.slice(at + Math.floor(rand() * 20));
    }
    out.push(l);
  }
  return out;
}

test('header, event and frame rules match the script regular expressions on 20000 mutated capture lines', () => {
  let headersSeen = 0;
  let framesSeen = 0;
  for (const line of mutatedLines(20000)) {
    const padded = `xx\n${line}\nyy`; // the line inside a larger chunk, as the folder sees it
    const a = 3;
    const b = a + line.length;
    const h = HEADER_RE.exec(line);
    const got = headerFields(padded, a, b);
    assert.deepEqual(got && [got.comm, got.first, got.second], h ? [h[1], h[2], h[3]] : undefined, JSON.stringify(line));
    if (h) {
      headersSeen++;
      const e = EVENT_RE.exec(line);
      const ev = eventOf(padded, a, b);
      assert.deepEqual(ev && [ev.period, ev.event], e ? [e[1] ?? '', e[2]] : undefined, JSON.stringify(line));
      continue;
    }
    const f = FRAME_RE.exec(line);
    const names = frameNames(padded, a, b, false);
    assert.equal(names !== undefined, f !== null, JSON.stringify(line));
    if (f && names) {
      framesSeen++;
      const raw = (f[2] ?? '').replace(/\+0x[\da-f]+$/, '');
      if (raw !== '' && !raw.startsWith('(') && !raw.includes('->') && raw !== '[unknown]' && !/[;("']/.test(raw)) assert.deepEqual(names, [raw], JSON.stringify(line));
    }
  }
  assert.ok(headersSeen > 1000 && framesSeen > 5000, `${headersSeen} headers, ${framesSeen} frames`);
});

test('damaged lines (a header with a long run of blanks, frame lines of many " (") fold as the script reads them', async () => {
  const text = fs.readFileSync(fixture('perf', 'script-dd.txt'), 'utf8');
  const header = text.split('\n')[0] ?? '';
  const damaged = [`${header[0]}${' '.repeat(200_000)}${header}`, `\t${' ('.repeat(100_000)}`, `\tab${' ('.repeat(100_000)}x)`, `:${' '.repeat(200_000)}x`];
  const r = await foldPerfScript(damaged.join('\n') + '\n\n' + text, { weight: 'samples' });
  const plain = await foldPerfScript(text, { weight: 'samples' });
  assert.equal(r.samples, plain.samples + 1);
  assert.equal(r.unrecognized, 2); // the line without `)`, the line without an address
  // The long name is one process name (blanks → _), with no frame: ` ( ( …` is skipped as a process name.
  const long = [...r.stacks.keys()].filter((k) => k.length > 200_000);
  assert.deepEqual(long.map((k) => [k.includes(';'), k.startsWith(`${header[0]}_`)]), [[false, true]]);
});
