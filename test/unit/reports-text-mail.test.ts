// The mail text (`compare --format text`, issue 13 item 6) on real bundles: every line within 78
// columns, the header as `key: value` lines, a reproduce block with the campaign hash and the
// commands, and nothing of the comparison lost. Bundles: the lab pair of one `lab run`
// (lab-profile-schema2-6.12 and -7.2), the development VM's fio bundle (old-main-fio, its cells
// compared --across bs), and copies of them made long as a mailing list will meet them (the
// transformation is `lengthen` below: only names and recorded commands change, never a sample's
// value). The commands the block prints are handed to a real POSIX shell, which must read back
// exactly the recorded argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { readBundle } from '../../core/bundle/read.js';
import { cellKey } from '../../core/campaign/matrix.js';
import { passKey } from '../../core/bundle/layout.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { compareAcross } from '../../reports/compare/across.js';
import type { Comparison } from '../../reports/compare/types.js';
import { HEADER_KEYS, renderMailText, renderText, TEXT_MAX_WIDTH } from '../../reports/render/text.js';
import { compareCommand, REPRODUCE_TITLE } from '../../reports/render/reproduce.js';
import { groupTitle } from '../../reports/render/view.js';
import { breakWord, fill } from '../../reports/render/wrap.js';
import type { Manifest } from '../../model/bundle.js';
import type { Sample } from '../../model/measurement.js';
import { fixture } from '../helpers/paths.js';
import { withTempDir } from '../helpers/cli.js';

const LAB_BASE = fixture('bundles', 'lab-profile-schema2-6.12');
const LAB_CAND = fixture('bundles', 'lab-profile-schema2-7.2');
const FIO = fixture('bundles', 'old-main-fio');

/** Text with every blank taken out: how a wrapped value compares with the value itself. */
const squeeze = (s: string): string => s.replace(/\s+/g, '');

function assertWithinWidth(text: string): void {
  for (const line of text.split('\n')) assert.ok(line.length <= TEXT_MAX_WIDTH, `line too wide (${line.length}): ${line}`);
  assert.match(text, /^[\x20-\x7e\n]*$/, 'plain ASCII');
}

/** The header: per side (`base`, `cand`, ...) its keys and values, continuation lines joined. */
function parseHeader(text: string): Map<string, Map<string, string>> {
  const lines = text.split('\n');
  assert.equal(lines[0], 'dmabench comparison');
  const sides = new Map<string, Map<string, string>>();
  let side: Map<string, string> | undefined;
  let key = '';
  for (const line of lines.slice(2)) {
    if (line === '') break;
    const sideLine = /^(base|cand\d*):$/.exec(line);
    const keyLine = /^ {2}([A-Za-z][A-Za-z ]*?): +(\S.*)$/.exec(line);
    if (sideLine) sides.set(sideLine[1]!, (side = new Map()));
    else if (keyLine && side) side.set((key = keyLine[1]!), keyLine[2]!);
    else if (/^ {4,}\S/.test(line) && side) side.set(key, `${side.get(key)} ${line.trim()}`);
    else assert.fail(`not a header line: '${line}'`);
  }
  return sides;
}

function assertHeader(c: Comparison, text: string): Map<string, Map<string, string>> {
  const header = parseHeader(text);
  assert.deepEqual([...header.keys()], c.bundles.map((_b, i) => (i === 0 ? 'base' : c.bundles.length > 2 ? `cand${i}` : 'cand')));
  c.bundles.forEach((b, i) => {
    const facts = [...header.values()][i]!;
    const expected = HEADER_KEYS.filter((k) => k !== 'lab' || b.provenance.lab);
    assert.deepEqual([...facts.keys()], expected, 'key: value lines, in order');
    assert.equal(squeeze(facts.get('label')!), squeeze(b.label));
    assert.equal(facts.get('kernel'), b.kernelRelease);
    assert.equal(facts.get('IOMMU mode'), b.iommuMode);
    assert.equal(squeeze(facts.get('host')!), squeeze(b.hostname!));
    assert.ok(facts.get('campaign')!.startsWith(`${b.provenance.campaign} (${b.provenance.campaignHash!.slice(0, 19)})`));
    assert.match(facts.get('commit')!, new RegExp(`^${b.provenance.dmabenchCommit ?? 'not recorded'}`));
  });
  return header;
}

/** The reproduce block: its lines, and its commands as the text each is written in. */
function reproduceBlock(text: string): { lines: string[]; commands: { comment: string; command: string }[] } {
  const lines = text.trimEnd().split('\n');
  const start = lines.indexOf(REPRODUCE_TITLE);
  assert.ok(start > 0, 'a reproduce block');
  const block = lines.slice(start);
  const commands: { comment: string; command: string }[] = [];
  let comment = '';
  for (let i = 1; i < block.length; i++) {
    if (block[i]!.startsWith('  # ')) comment = block[i]!.slice(4);
    // Commands follow a comment naming whose they are (the version line also starts `dmabench`).
    if (!comment || !block[i]!.startsWith('  dmabench ')) continue;
    const parts = [block[i]!];
    while (parts.at(-1)!.endsWith('\\')) parts.push(block[++i]!);
    commands.push({ comment, command: parts.join('\n') });
  }
  return { lines: block, commands };
}

/** The arguments a POSIX shell reads from a command line as printed (`dmabench` dropped). */
async function shellArgv(command: string): Promise<string[]> {
  const script = command.replace(/^ {2}dmabench/, "printf '%s\\0'");
  const r = await execa('sh', ['-s'], { input: script, stripFinalNewline: false });
  return r.stdout.split('\0').slice(0, -1);
}

/**
 * Nothing lost: every row of the comparison, in each candidate's section under its cell's
 * heading, on a line that starts with its metric and ends with its verdict; every metric present
 * in some bundles only, in the closing list.
 */
function assertEveryMetric(c: Comparison, text: string): void {
  const lines = text.split('\n');
  const sectionStarts = lines.flatMap((l, i) => (l.startsWith('== ') ? [i] : []));
  assert.equal(sectionStarts.length, c.bundles.length - 1, 'one section per candidate');
  let rows = 0;
  c.bundles.slice(1).forEach((_b, ci) => {
    const section = lines.slice(sectionStarts[ci], sectionStarts[ci + 1] ?? lines.indexOf(REPRODUCE_TITLE));
    // Group headings, their continuation lines joined: heading text → the lines of its block.
    const groups = new Map<string, string[]>();
    for (let i = 0; i < section.length; i++) {
      if (!section[i]!.startsWith('-- ')) continue;
      let heading = section[i]!;
      while (section[i + 1]?.startsWith('   ')) heading += section[++i]!;
      const end = section.findIndex((l, j) => j > i && (l === '' || l.startsWith('-- ')));
      groups.set(squeeze(heading).replace(/\(n[^)]*\)$/, ''), section.slice(i + 1, end));
    }
    for (const row of c.rows) {
      const cand = row.candidates[ci];
      if (!cand) continue;
      rows++;
      const block = groups.get(squeeze(`-- ${groupTitle(row)}`));
      assert.ok(block, `a heading for ${groupTitle(row)}`);
      const at = block.findIndex((l) => l === row.metric || l.startsWith(`${row.metric} `));
      assert.ok(at >= 0, `${row.metric} of ${row.cell} is in the table`);
      const line = block[at] === row.metric ? `${block[at]} ${block[at + 1]}` : block[at]!;
      assert.ok(line.endsWith(` ${cand.verdict}`), `${row.metric}: its verdict (${cand.verdict}) ends its line: ${line}`);
    }
  });
  assert.ok(rows > 0, 'the comparison has rows');
  for (const u of c.unmatched) assert.ok(squeeze(text).includes(squeeze(`${groupTitle(u)} ${u.metric}: only in`)), `${u.metric} of ${u.cell}: listed as unmatched`);
}

/** Everything this file asserts of a mail text; returns the reproduce block's commands. */
async function assertMailText(c: Comparison, text: string): Promise<{ comment: string; command: string }[]> {
  assertWithinWidth(text);
  assertHeader(c, text);
  assertEveryMetric(c, text);
  const { lines, commands } = reproduceBlock(text);
  const block = lines.join('\n');
  for (const b of c.bundles) {
    assert.ok(block.includes(b.provenance.campaignHash!), 'the full campaign hash, on one line');
    assert.ok(squeeze(block).includes(`dmabench${b.provenance.dmabenchVersion},commit${b.provenance.dmabenchCommit ?? 'notrecorded'}`));
    if (b.provenance.lab) assert.ok(block.includes(`lab image ${b.provenance.lab.imageKey}`));
  }
  const last = commands.at(-1)!;
  assert.equal(last.comment, 'this text');
  assert.deepEqual(await shellArgv(last.command), compareCommand(c), 'the compare command, read back by a shell');
  return commands;
}

test('the lab pair of one lab run: 78 columns, key: value header, reproduce block with hash and commands, every metric', async () => {
  const c = compareBundles([await readBundle(LAB_BASE), await readBundle(LAB_CAND)]);
  const text = renderText(c);
  const commands = await assertMailText(c, text);
  // These bundles predate recorded commands and commits: the block says so instead of guessing.
  assert.equal(commands.length, 1, 'only the compare command');
  assert.match(text, /^ {2}# base, cand: the command was not recorded/m);
  assert.match(text, /^ {2}dmabench 0\.1\.0, commit not recorded$/m);
  assert.match(text, /^ {2}lab: +QEMU emulator version 7\.2\.22 .*$/m);
  assert.match(text, /^ {2}campaign lab-profile,\n {4}sha256:d3ce4fe31b3a79bec510cf7c6de6102b2e2a1b1e6caa1dde6eb3729e600b8cc6$/m);
  assert.deepEqual((await shellArgv(commands[0]!.command)).slice(0, 3), ['compare', LAB_BASE, LAB_CAND]);
});

test('one bundle compared --across bs (old-main-fio): the same, and the compare command says --across', async () => {
  const c = compareAcross(await readBundle(FIO), { param: 'bs', value: '4k' });
  const text = renderText(c);
  const commands = await assertMailText(c, text);
  assert.deepEqual(await shellArgv(commands.at(-1)!.command), ['compare', FIO, '--format', 'text', '--pass', 'timed', '--across', 'bs=4k', '--noise', '2', '--alpha', '0.05', '--seed', '1', '--bootstrap', '2000']);
  assert.doesNotMatch(text, /lab image/, 'no lab line for a bundle not made in the lab');
});

/** A name long enough to need wrapping wherever it is printed. */
const LONG = 'with-a-name-as-long-as-the-ones-real-ci-systems-and-branches-produce';

/**
 * The documented transformation: a copy of a real bundle with long names and the commands a run
 * of today records. Changed: the label (`label` + words + LONG), the host name (LONG + a domain,
 * one 90-character word), every workload's name (+ `-` + LONG) and every cell's parameters (+ a
 * `note=` parameter holding LONG), so each cell key is rewritten (core/campaign/matrix.ts cellKey)
 * in the manifest's cells, `done` and the samples alike; and the manifest gets `dmabenchCommit`
 * (a fixed 40-hex value), `commands` and, for a lab bundle, `lab.command` and `lab.kernelSpec`.
 * The samples' values, units and metrics are untouched.
 */
async function lengthen(from: string, to: string, extra: { host: string; commands?: string[][]; labCommand?: string[]; kernelSpec?: string }): Promise<void> {
  await cp(from, to, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(to, 'manifest.json'), 'utf8')) as Manifest;
  const renamed = new Map<string, { workload: string; cell: string }>();
  for (const cell of manifest.cells) {
    const workload = `${cell.workload}-${LONG}`;
    const params = { ...cell.params, note: LONG };
    const key = cellKey(workload, params, cell.tool);
    renamed.set(cell.cell, { workload, cell: key });
    Object.assign(cell, { workload, cell: key, params });
  }
  manifest.done = Object.fromEntries(
    Object.entries(manifest.done).map(([k, reps]) => {
      const bar = k.lastIndexOf('|');
      return [passKey(renamed.get(k.slice(0, bar))!.cell, k.slice(bar + 1) as Sample['pass']), reps];
    }),
  );
  manifest.label = `${manifest.label} built from the branch ${LONG}`;
  manifest.system!.hostname = extra.host;
  manifest.dmabenchCommit = '0123456789abcdef0123456789abcdef01234567';
  if (extra.commands) manifest.commands = extra.commands;
  if (manifest.lab && extra.labCommand) manifest.lab = { ...manifest.lab, command: extra.labCommand, kernelSpec: extra.kernelSpec };
  await writeFile(path.join(to, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const samples = (await readFile(path.join(to, 'samples.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const s = JSON.parse(l) as Sample;
      const moved = renamed.get(s.cell)!;
      return JSON.stringify({ ...s, workload: moved.workload, cell: moved.cell });
    });
  await writeFile(path.join(to, 'samples.jsonl'), samples.join('\n') + '\n');
}

test('lab bundles made long (labels, hosts, workload and cell names, a deep --out path): still 78 columns, nothing lost, the lab command read back exactly', async () => {
  await withTempDir('dmabench-mail-', async (dir) => {
    const deepOut = `/srv/results/${'nightly/'.repeat(6)}${LONG}`;
    const labCommand = ['lab', 'run', 'configs/lab-profile.yaml', '--kernels', '6.12,7', '--iommu', 'strict', '--out', deepOut];
    const base = path.join(dir, `base-${LONG}`);
    const cand = path.join(dir, `cand-${LONG}`);
    await lengthen(LAB_BASE, base, { host: `${LONG}-a.lab.example.invalid`, labCommand, kernelSpec: '6.12' });
    await lengthen(LAB_CAND, cand, { host: `${LONG}-b.lab.example.invalid`, labCommand, kernelSpec: '7' });
    const c = compareBundles([await readBundle(base), await readBundle(cand)]);
    assert.ok(c.rows.length > 0 && c.rows.every((r) => r.cell.length > 100), 'cell keys over 100 characters');
    assert.ok(c.warnings.some((w) => w.kind === 'host'), 'the long host names are in a warning too');
    const text = renderText(c);
    const commands = await assertMailText(c, text);
    // One lab command made both bundles: printed once, for both.
    assert.equal(commands.length, 2);
    assert.equal(commands[0]!.comment, 'base, cand');
    assert.deepEqual(await shellArgv(commands[0]!.command), labCommand);
    assert.match(text, /^ {2}dmabench 0\.1\.0, commit 0123456789abcdef0123456789abcdef01234567$/m);
    // Cell keys break after their commas and colons once past the workload's name (which has none).
    const lines = text.split('\n');
    let headings = 0;
    lines.forEach((line, i) => {
      if (!line.startsWith('-- ')) return;
      headings++;
      let seen = line;
      for (let j = i; lines[j + 1]?.startsWith('   '); j++) {
        if (seen.includes(':')) assert.match(lines[j]!, /[,:]$/, `a heading line ends at a , or : boundary: ${lines[j]}`);
        seen += lines[j + 1];
      }
    });
    assert.ok(headings >= 2);
  });
});

test('a run bundle with its run and resume recorded, a label with quotes: each command read back exactly, per side', async () => {
  await withTempDir('dmabench-mail-', async (dir) => {
    const out = path.join(dir, 'results', "O'Brien's run");
    const run = ['run', 'campaign.yaml', '--label', `it's "old" ${LONG}`, '--out', out];
    const base = path.join(dir, 'a');
    const cand = path.join(dir, 'b');
    await lengthen(FIO, base, { host: 'vm', commands: [run, ['run', 'campaign.yaml', '--out', out, '--resume']] });
    await lengthen(FIO, cand, { host: 'vm' });
    const c = compareBundles([await readBundle(base), await readBundle(cand)]);
    const text = renderMailText(c, { command: ['report', base, cand, '--format', 'text'] });
    assertWithinWidth(text);
    assertHeader(c, text);
    assertEveryMetric(c, text);
    const { commands } = reproduceBlock(text);
    assert.deepEqual(commands.map((x) => x.comment), ['base', 'base', 'this text']);
    assert.deepEqual(await shellArgv(commands[0]!.command), run);
    assert.deepEqual(await shellArgv(commands[1]!.command), ['run', 'campaign.yaml', '--out', out, '--resume']);
    assert.deepEqual(await shellArgv(commands[2]!.command), ['report', base, cand, '--format', 'text'], "the caller's command replaces compare's");
    assert.match(text, /^ {2}# cand: the command was not recorded/m);
  });
});

test('wrap: no line over the width, no character lost, breaks after , or : first', () => {
  const key = 'nvme-randread-64k:bs=64k,iodepth=8,ioengine=io_uring,numjobs=1,runtime=2,rw=randread';
  for (const width of [20, 33, 50, 78]) {
    const lines = fill(`-- ${key} (n 2v2) and some words after it`, width, { first: '', indent: '   ' });
    for (const l of lines) assert.ok(l.length <= width, `${width}: ${l}`);
    assert.equal(squeeze(lines.join('')), squeeze(`-- ${key} (n 2v2) and some words after it`));
  }
  assert.deepEqual(breakWord(key, 30), ['nvme-randread-64k:bs=64k,', 'iodepth=8,ioengine=io_uring,', 'numjobs=1,runtime=2,', 'rw=randread']);
  assert.deepEqual(breakWord('x'.repeat(25), 10), ['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxx'], 'cut where nothing else breaks it');
  assert.deepEqual(breakWord('/srv/results/nightly/run', 14), ['/srv/results/', 'nightly/run'], 'a path after its slashes');
});
