// `dmabench report`'s options through the real CLI: the base chosen by --base (label or
// directory), text and markdown as compare prints them, bad input as exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from '../../core/bundle/read.js';
import { oneErrorLine, runCli, withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';

const A = fixture('bundles', 'lab-profile-schema2-6.12');
const B = fixture('bundles', 'lab-profile-schema2-7.2');

test('report --format text and markdown print what compare prints, the first bundle or --base as the base', async () => {
  const labelB = (await readManifest(B)).label;
  for (const format of ['text', 'markdown']) {
    const compare = await runCli(['compare', B, A, '--format', format]);
    assert.equal(compare.exitCode, 0, String(compare.stderr));
    for (const args of [[B, A], [A, B, '--base', labelB], [A, B, '--base', B]]) {
      const r = await runCli(['report', ...args, '--format', format]);
      assert.equal(r.exitCode, 0, String(r.stderr));
      assert.equal(r.stdout, compare.stdout, `report ${args.join(' ')} --format ${format}`);
    }
  }
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
    [[A, '--format', 'text'], /--format text is the comparison: give a base and at least one candidate/],
  ] as const) {
    const r = await runCli(['report', ...args]);
    assert.equal(r.exitCode, 2, String(r.stderr));
    assert.match(oneErrorLine(r.stderr), pattern);
  }
});
