// `dmabench report`'s options through the real CLI: the base chosen by --base (label or
// directory), the mail text (the summary, then compare's text), markdown as compare prints it,
// PNG charts, bad input as exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from '../../core/bundle/read.js';
import { oneErrorLine, runCli, withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';

const A = fixture('bundles', 'lab-profile-schema2-6.12');
const B = fixture('bundles', 'lab-profile-schema2-7.2');

test('report --format markdown prints what compare prints, the first bundle or --base as the base', async () => {
  const labelB = (await readManifest(B)).label;
  const compare = await runCli(['compare', B, A, '--format', 'markdown']);
  assert.equal(compare.exitCode, 0, String(compare.stderr));
  for (const args of [[B, A], [A, B, '--base', labelB], [A, B, '--base', B]]) {
    const r = await runCli(['report', ...args, '--format', 'markdown']);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.equal(r.stdout, compare.stdout, `report ${args.join(' ')} --format markdown`);
  }
});

test('report --format text: the summary, then the comparison as compare prints it, its reproduce block naming the report command; 78 columns', async () => {
  const compare = await runCli(['compare', B, A, '--format', 'text']);
  assert.equal(compare.exitCode, 0, String(compare.stderr));
  const r = await runCli(['report', A, B, '--base', B, '--format', 'text']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const text = String(r.stdout);
  assert.deepEqual(text.split('\n').filter((l) => l.length > 78), []);
  assert.match(text, /^Summary\n-------\n\[1\] 7\.2\.13\+deb14-amd64/);
  // The comparison is compare's, up to the reproduce block (which names the command that made it).
  const body = (t: string): string => t.slice(t.indexOf('dmabench comparison'), t.indexOf('reproduce with:'));
  assert.ok(body(text).length > 100);
  assert.equal(body(text), body(String(compare.stdout)));
  assert.match(text.slice(text.indexOf('reproduce with:')), /dmabench report /);
  // One bundle: the summary alone.
  const one = await runCli(['report', A, '--format', 'text']);
  assert.equal(one.exitCode, 0, String(one.stderr));
  assert.match(String(one.stdout), /^Summary\n/);
  assert.doesNotMatch(String(one.stdout), /dmabench comparison/);
});

test('report writes the HTML page where --out says, the base first', async () => {
  await withTempDir('dmabench-cli-report-', async (dir) => {
    const out = path.join(dir, 'r.html');
    const r = await runCli(['report', A, B, '--base', B, '--out', out]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.equal(String(r.stdout).trim(), `wrote ${out}`);
    const html = await readFile(out, 'utf8');
    assert.match(html, /<title>dmabench report: 7\.2\.13\+deb14-amd64 iommu=strict cm=on \(base\) vs 6\.12\.117/);
  });
});

test('report: a --base that names no bundle, an unknown format, text from one bundle: exit 2, one line', async () => {
  for (const [args, pattern] of [
    [[A, B, '--base', 'nosuch'], /--base nosuch: neither a bundle directory given nor a label of one/],
    [[A, B, '--format', 'pdf'], /unknown --format pdf/],
    [[A, '--format', 'markdown'], /--format markdown is the comparison: give a base and at least one candidate/],
  ] as const) {
    const r = await runCli(['report', ...args]);
    assert.equal(r.exitCode, 2, String(r.stderr));
    assert.match(oneErrorLine(r.stderr), pattern);
  }
});

test('report --png DIR writes every chart the page draws as a PNG file named by its id', async () => {
  await withTempDir('dmabench-cli-report-png-', async (dir) => {
    const pngs = path.join(dir, 'png');
    const out = path.join(dir, 'r.html');
    const r = await runCli(['report', A, B, '--out', out, '--png', pngs]);
    assert.equal(r.exitCode, 0, String(r.stderr));
    const html = await readFile(out, 'utf8');
    const ids = [...html.matchAll(/<figure class="chart" id="chart-([a-z0-9-]+)"/g)].map((m) => `${m[1]}.png`).sort();
    assert.ok(ids.length > 0, 'the page has charts');
    assert.deepEqual((await readdir(pngs)).sort(), ids);
    const png = await readFile(path.join(pngs, ids[0]!));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  });
});
