// The summary at the top of a report (reports/summary/, issue 13 item 2), on real lab bundles
// (test/fixtures/bundles/README.md): 6.12 against 7.2 under strict mode from one `lab run`, an
// ib_write_bw run over Soft-RoCE on 7.2 in the lab, and a fio run on the development VM (KVM, no
// IOMMU). The expected call counts are read from the bundles' own samples, not restated here.
//
// Hostile input: a copy of the real 7.2 bundle whose manifest label and host name are rewritten
// to markup (the only change; samples and campaign copied as they are), as a bundle copied off an
// untrusted box could carry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import type { LoadedBundle } from '../../model/bundle.js';
import { summarize, summaryHtml, summaryText, SOFT_ROCE_WARNING, TCG_WARNING, type Summary } from '../../reports/summary/index.js';
import { fixture } from '../helpers/paths.js';

const OPTS = { bootstrapIterations: 200 };
const HOSTILE = `<script>alert("label")</script><img src=x onerror=alert(1)>&amp;'`;
const HOSTILE_HOST = '<b onmouseover=alert(2)>host</b>';

let v612: LoadedBundle;
let v72: LoadedBundle;
let rxe: LoadedBundle;
let vm: LoadedBundle;
let hostile: LoadedBundle;
let tmp: string;

before(async () => {
  const read = (name: string): Promise<LoadedBundle> => readBundle(fixture('bundles', name));
  [v612, v72, rxe, vm] = await Promise.all([read('lab-profile-schema2-6.12'), read('lab-profile-schema2-7.2'), read('lab-rxe-7.2'), read('old-main-fio')]);
  tmp = await mkdtemp(path.join(tmpdir(), 'dmabench-summary-'));
  const src = fixture('bundles', 'lab-profile-schema2-7.2');
  const dst = path.join(tmp, 'hostile');
  await mkdir(dst);
  const manifest = JSON.parse(await readFile(path.join(src, 'manifest.json'), 'utf8'));
  manifest.label = HOSTILE;
  manifest.system.hostname = HOSTILE_HOST;
  await writeFile(path.join(dst, 'manifest.json'), JSON.stringify(manifest));
  for (const f of ['samples.jsonl', 'campaign.yaml']) await copyFile(path.join(src, f), path.join(dst, f));
  hostile = await readBundle(dst);
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The median of one ftrace per-I/O figure of the 64 KiB cell, as the bundle's samples hold it (one profile pass). */
function perIo(b: LoadedBundle, metric: string): number {
  const values = b.samples.filter((s) => s.pass === 'profile:ftrace' && s.workload === 'nvme-randread-64k' && s.metric === metric).map((s) => s.value);
  assert.equal(values.length, 1, `${metric}: one profile repetition`);
  return values[0]!;
}

const answerText = (s: Summary): string => s.answer.flatMap((a) => a.sentences).join('\n');
const warningsOf = (s: Summary, message: string) => s.warnings.filter((w) => w.message === message);

function assertFits(text: string, width = 78): void {
  const long = text.split('\n').filter((l) => l.length > width);
  assert.deepEqual(long, [], `lines over ${width} columns`);
  assert.match(text, /^[\x20-\x7e\n]*$/, 'ASCII only');
}

test('6.12 against 7.2: both kernels, the IOMMU mode and the per-I/O calls of each DMA path', () => {
  const s = summarize([v612, v72], OPTS);
  const text = answerText(s);
  assert.match(text, /Kernels: \[1\] 6\.12\.117\+deb13-amd64 and \[2\] 7\.2\.13\+deb14-amd64\./);
  assert.match(text, /IOMMU strict, caching mode on: \[1\], \[2\]/);

  // Which path each kernel took, from the profile pass: 6.12 through the scatterlist call, 7.2 through the link API.
  const cell = (bundle: number) => s.callCounts.find((c) => c.bundle === bundle && c.workload === 'nvme-randread-64k')!;
  assert.deepEqual(cell(1).mapCalls.map((c) => c.name), ['dma_map_sgtable']);
  assert.deepEqual(cell(2).mapCalls.map((c) => c.name), ['dma_iova_try_alloc', 'dma_iova_link', 'dma_iova_sync']);
  assert.ok(cell(1).absent.includes('dma_iova_link'), '6.12 has no link API: recorded absent');
  const sg = perIo(v612, 'dma_map_sgtable.calls_per_io');
  const link = perIo(v72, 'dma_iova_link.calls_per_io');
  const maps612 = perIo(v612, 'iommu.map.calls_per_io');
  const maps72 = perIo(v72, 'iommu.map.calls_per_io');
  assert.ok(maps612 > maps72 * 3, 'the data: several times more IOMMU map calls per I/O on 6.12');
  const sentence = s.answer.find((a) => a.topic === 'call-counts')!.sentences.find((x) => x.includes('nvme-randread-64k '))!;
  assert.ok(sentence.includes(`[1] 6.12.117+deb13-amd64 maps with dma_map_sgtable ${sg.toFixed(2)} (${maps612.toFixed(2)} IOMMU map calls)`), sentence);
  assert.ok(sentence.includes(`dma_iova_link ${link.toFixed(2)}`), sentence);
  assert.ok(sentence.includes(`(${maps72.toFixed(2)} IOMMU map calls)`), sentence);
  assert.ok(sentence.includes(`against [1]: [2] ${(100 * (maps72 / maps612 - 1)).toFixed(1)}%`), sentence);
});

test('6.12 against 7.2: across kernels from fio, honest about two repetitions, and what is missing', () => {
  const s = summarize([v612, v72], OPTS);
  const across = s.answer.find((a) => a.topic === 'across-kernels')!;
  assert.match(across.title, /strict, caching mode on/);
  const iops = s.findings.find((f) => f.scope === 'across-kernels' && f.workload === 'nvme-randread-64k' && f.metric === 'read.iops')!;
  assert.equal(iops.base.kernel, '6.12.117+deb13-amd64', 'the oldest kernel is the base');
  assert.equal(iops.candidate.kernel, '7.2.13+deb14-amd64');
  assert.equal(iops.verdict, 'n too small');
  // Given the other way round, the oldest kernel is still the base: the question is 7.x against 6.12.
  const reversed = summarize([v72, v612], OPTS).findings.find((f) => f.scope === 'across-kernels' && f.metric === 'read.iops')!;
  assert.deepEqual([reversed.base.kernel, reversed.candidate.kernel], [iops.base.kernel, iops.candidate.kernel]);
  assert.equal(reversed.changePct, iops.changePct);
  // Two timed repetitions per side give no interval: the change is given as an estimate, never as faster or slower.
  const line = across.sentences.find((x) => x.includes('in nvme-randread-64k:'))!;
  assert.match(line, /read\.iops \d+ -> \d+ IOPS, \+\d+\.\d% without an interval \(n too small: 2 and 2 values\)/);
  assert.doesNotMatch(answerText(s), /improvement|faster/);
  const verdicts = s.answer.find((a) => a.topic === 'verdicts')!.sentences.join(' ');
  assert.match(verdicts, /^Of \d+ primary comparisons between kernels: \d+ n too small\./);
  const missing = s.answer.find((a) => a.topic === 'missing')!.sentences.join(' ');
  assert.match(missing, /No microbenchmark cells/);
  assert.match(missing, /one IOMMU setting/);
  assert.doesNotMatch(missing, /No two kernels/);
});

test('the environment table: rows that differ first and marked, the boot-naming command-line parameter ignored', () => {
  const pair = summarize([v612, v72], OPTS);
  const names = pair.environment.map((r) => r.name);
  const differing = pair.environment.filter((r) => r.differs).map((r) => r.name);
  assert.deepEqual(names.slice(0, differing.length), differing, 'differing rows come first');
  assert.ok(differing.includes('kernel') && differing.includes('kernel build'));
  for (const same of ['host', 'CPU', 'IOMMU mode', 'caching mode', 'campaign', 'command line']) assert.ok(!differing.includes(same), `${same} is the same`);
  // Recorded nowhere in these bundles (no cpufreq in the guest, no device record before issue 11): no row.
  assert.ok(!names.includes('governor') && !names.includes('device IOMMU group type'));

  const lines = summaryText(pair).split('\n');
  const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
  assert.ok(at('* kernel:') > 0 && at('* kernel:') < at('  host: dmabench-lab (all)'), 'marked, and before the rows that agree');

  const mixed = summarize([v72, vm], OPTS);
  const mixedDiffering = mixed.environment.filter((r) => r.differs).map((r) => r.name);
  for (const row of ['kernel', 'command line', 'IOMMU mode', 'CPU', 'host', 'campaign']) assert.ok(mixedDiffering.includes(row), `${row} differs`);
  const host = mixed.environment.find((r) => r.name === 'host')!;
  assert.deepEqual(host.values, ['dmabench-lab', 'vm']);
  const rxeRows = summarize([rxe], OPTS).environment;
  assert.deepEqual(rxeRows.find((r) => r.name === 'device IOMMU group type')?.values, ['rxe0: no IOMMU group']);
  assert.ok(rxeRows.every((r) => !r.differs), 'one bundle differs from nothing');
});

test('warnings: TCG where the lab ran under TCG, Soft-RoCE where rxe ran, neither elsewhere', () => {
  const pair = summarize([v612, v72], OPTS);
  assert.deepEqual(warningsOf(pair, TCG_WARNING).map((w) => w.bundles), [[1, 2]]);
  assert.deepEqual(warningsOf(pair, SOFT_ROCE_WARNING), []);

  const withRxe = summarize([v72, rxe, vm], OPTS);
  assert.deepEqual(warningsOf(withRxe, TCG_WARNING).map((w) => w.bundles), [[1, 2]]);
  assert.deepEqual(warningsOf(withRxe, SOFT_ROCE_WARNING).map((w) => w.bundles), [[2]]);

  // The development VM runs under KVM (its CPU names the host's model): no TCG warning, but doctor's hypervisor one.
  const alone = summarize([vm], OPTS);
  assert.deepEqual(warningsOf(alone, TCG_WARNING), []);
  assert.deepEqual(warningsOf(alone, SOFT_ROCE_WARNING), []);
  assert.ok(alone.warnings.some((w) => w.kind === 'noise' && /hypervisor/.test(w.message)));
  // Under TCG the TCG warning replaces doctor's hypervisor one; the lab guest's THP setting is still noise.
  assert.ok(!pair.warnings.some((w) => w.kind === 'noise' && /hypervisor/.test(w.message)));
  assert.ok(pair.warnings.some((w) => w.kind === 'noise' && /transparent hugepages always/.test(w.message) && w.bundles.join() === '1,2'));
  // Bundles of before issue 11 kept no kernel log: said, not assumed clean; the rxe bundle's log is clean.
  assert.deepEqual(withRxe.warnings.filter((w) => w.kind === 'kernel-log').map((w) => w.bundles), [[1, 3]]);
  const text = summaryText(withRxe);
  assert.ok(text.includes(`! ${TCG_WARNING} ([1], [2])`));
  assert.ok(text.includes(`! ${SOFT_ROCE_WARNING} ([2])`));
});

test('an rxe bundle alone: no path answer, said as missing', () => {
  const s = summarize([rxe], OPTS);
  const missing = s.answer.find((a) => a.topic === 'missing')!.sentences.join(' ');
  assert.match(missing, /No two kernels ran under the same IOMMU setting/);
  assert.match(missing, /No microbenchmark cells/);
  assert.equal(s.findings.length, 0);
});

test('text: every line within 78 columns (and within a narrower width when asked), long labels included', () => {
  for (const set of [[v612, v72], [v612, v72, rxe, vm], [hostile, vm]]) assertFits(summaryText(summarize(set, OPTS)));
  assertFits(summaryText(summarize([v612, v72, rxe, vm], OPTS), 60), 60);
});

test('HTML: every string from a bundle is escaped (a real bundle whose label and host carry markup)', () => {
  const html = summaryHtml(summarize([v612, hostile], OPTS));
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes('<img') && !html.includes('<b '), 'no element from the label or host');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;label&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;&#39;'), 'the label shows as text');
  assert.ok(html.includes('&lt;b onmouseover=alert(2)&gt;host&lt;/b&gt;'), 'the host shows as text');
  // Only the renderer's own elements.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
  assert.deepEqual([...tags].sort(), ['div', 'h2', 'h3', 'li', 'ol', 'section', 'span', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul']);
  assert.match(html, /<tr class="differs"><th>&#8800; host<\/th>\n<td>dmabench-lab<\/td>\n<td>&lt;b onmouseover/);
});
