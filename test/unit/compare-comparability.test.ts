// compare says when bundles are not comparable (issue 11 item 7, review m12), on real manifests:
// two lab bundles of one `lab run` (6.12 and 7.x) are comparable; a lab bundle against one made
// on this development VM is not, in the ways that matter; and a bundle run here by the real CLI,
// against copies of itself with one recorded field changed (what the same bundle would hold had
// it run on another system), gives exactly the warning for that field. Every renderer prints the
// warnings before the table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBundle } from '../../core/bundle/read.js';
import { campaignHash } from '../../core/campaign/identity.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { comparabilityWarnings, type ComparabilityKind } from '../../reports/compare/comparability.js';
import { renderText } from '../../reports/render/text.js';
import { renderTerminal } from '../../reports/render/terminal.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderCsv } from '../../reports/render/csv.js';
import { renderJson } from '../../reports/render/json.js';
import type { LoadedBundle, Manifest } from '../../model/bundle.js';
import { fixture } from '../helpers/paths.js';
import { runCli } from '../helpers/cli.js';

const kinds = (b: LoadedBundle[]): ComparabilityKind[] => comparabilityWarnings(b, b.map((x) => x.manifest.label)).map((w) => w.kind);

test('two lab bundles of one lab run (6.12 and 7.x, same guest, same campaign) are comparable: no warning', async () => {
  const a = await readBundle(fixture('bundles', 'lab-profile-schema2-6.12'));
  const b = await readBundle(fixture('bundles', 'lab-profile-schema2-7.2'));
  // Their command lines differ only in the lab's job id, which names the boot.
  assert.notEqual(a.manifest.system!.kernel.cmdline, b.manifest.system!.kernel.cmdline);
  assert.deepEqual(comparabilityWarnings([a, b], ['6.12', '7.2']), []);
  assert.deepEqual(compareBundles([a, b], { bootstrapIterations: 200 }).warnings, []);
});

test('a lab bundle against one from the development VM: campaign, host, CPU, IOMMU mode, perf and command line differ', async () => {
  const lab = await readBundle(fixture('bundles', 'lab-profile-schema2-7.2'));
  const vm = await readBundle(fixture('bundles', 'old-main-fio'));
  const w = comparabilityWarnings([lab, vm], ['lab', 'vm']);
  assert.deepEqual(w.map((x) => x.kind), ['campaign', 'host', 'cpu', 'iommu-mode', 'tools', 'cmdline']);
  const text = (k: ComparabilityKind): string => w.find((x) => x.kind === k)!.message;
  assert.equal(text('campaign'), 'campaigns differ (lab -> vm): name: "lab-profile" -> "old-keys"');
  assert.equal(text('host'), "different hosts: lab ran on 'dmabench-lab', vm on 'vm'");
  assert.match(text('cpu'), /^different CPUs: lab 'QEMU TCG CPU version 2\.5\+, 2 cores', vm '/);
  // Both bundles were written before the benchmarked device's group was recorded: said so.
  assert.match(text('iommu-mode'), /lab strict \(the box's most common group type, recorded before the device's\), vm off/);
  assert.equal(text('tools'), 'tool versions differ: perf 7.2.13 -> 6.1.187');
  assert.match(text('cmdline'), /^kernel command lines differ beyond the boot image and lab job \(lab -> vm\): -intel_iommu=on -iommu\.strict=1 .* and \d+ more$/);
  assert.ok(w.every((x) => /^[\x20-\x7e]*$/.test(x.message)), 'ASCII');
});

let dir: string;
let here: LoadedBundle;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dmabench-comparable-'));
  const campaign = path.join(dir, 'c.yaml');
  await writeFile(campaign, `name: comparable
repetitions: 2
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 8M }
    matrix: { rw: randread, bs: 4k, iodepth: 1, ioengine: psync, runtime: 1 }
`);
  const r = await runCli(['run', campaign, '--out', path.join(dir, 'b')]);
  assert.equal(r.exitCode, 0, String(r.stderr));
  here = await readBundle(path.join(dir, 'b'));
});

after(() => rm(dir, { recursive: true, force: true }));

/** The bundle run here, and a copy of it with `edit` applied to its manifest (`editBase`: to the base's copy). */
function pair(edit: (m: Manifest) => void, editBase?: (m: Manifest) => void): LoadedBundle[] {
  const base = structuredClone(here);
  const other = structuredClone(here);
  editBase?.(base.manifest);
  edit(other.manifest);
  return [base, other];
}

test('a bundle run here records its device, its kernel log window, and is comparable with itself', () => {
  const m = here.manifest;
  assert.equal(m.system?.dma?.targets[0]?.workload, 'rr');
  assert.equal(m.kernelLog?.length, 1);
  assert.equal(m.kernelLog![0]!.closedBy, 'run');
  assert.deepEqual(kinds([here, structuredClone(here)]), []);
});

const oneField: [string, (m: Manifest) => void, ComparabilityKind, RegExp, ((m: Manifest) => void)?][] = [
  ['host', (m) => (m.system!.hostname = 'otherbox'), 'host', /^different hosts: \S+ ran on '\S+', \S+ on 'otherbox'$/],
  ['CPU model', (m) => (m.system!.cpu.model = 'Intel(R) Xeon(R) Gold 6338'), 'cpu', /, \S+ 'Intel\(R\) Xeon\(R\) Gold 6338, \d+ cores'$/],
  [
    "the benchmarked device's group type",
    (m) => {
      const t = m.system!.dma!.targets[0]!;
      Object.assign(t.devices[0]!, { iommuGroup: '7', iommuGroupType: 'DMA' });
      t.iommuMode = 'strict';
      m.system!.iommu.mode = 'strict';
    },
    'iommu-mode',
    /^IOMMU mode of the benchmarked device differs: rr's \S+: \S+ (off|strict|lazy|passthrough|unknown), \S+ strict$/,
  ],
  // A box without an IOMMU unit records no caching or scalable mode: the base gets one too.
  ['caching mode', (m) => (m.system!.dma!.cachingMode = true), 'caching-mode', /^IOMMU caching mode differs: \S+ off, \S+ on \(/, (m) => (m.system!.dma!.cachingMode = false)],
  ['scalable mode', (m) => (m.system!.dma!.scalableMode.inUse = true), 'scalable-mode', /^Intel IOMMU scalable mode differs: \S+ off, \S+ on$/, (m) => (m.system!.dma!.scalableMode.inUse = false)],
  [
    'campaign',
    (m) => {
      (m.campaign as { repetitions: number }).repetitions = 3;
      m.campaignHash = campaignHash(m.campaign);
    },
    'campaign',
    /^campaigns differ \(\S+ -> \S+\): repetitions: 2 -> 3$/,
  ],
  ['benchmarked device', (m) => Object.assign(m.system!.dma!.targets[0]!.devices[0]!, { name: 'nvme0n1', model: 'SAMSUNG MZQL2960HCJR-00A07' }), 'target', /^benchmarked device of rr differs: .* \(nvme0n1 SAMSUNG MZQL2960HCJR-00A07/],
  ['queue limits', (m) => (m.system!.dma!.targets[0]!.devices[0]!.queue!.maxSegments = 33), 'queue-limits', /^queue limits of rr's \S+ differ: max_segments \d+ -> 33$/],
  ['NVMe sgl_threshold', (m) => (m.system!.dma!.nvmeSglThreshold = 0), 'sgl-threshold', /^nvme sgl_threshold differs: \S+ 32768, \S+ 0 /, (m) => (m.system!.dma!.nvmeSglThreshold = 32768)],
  ['fio version', (m) => ((m.system!.tools as Record<string, { version?: string }>).fio!.version = '3.41'), 'tools', /^tool versions differ: fio 3\.\d+ -> 3\.41$/],
  ['dmabench version', (m) => (m.dmabenchVersion = '9.9.9'), 'dmabench', /^dmabench versions differ: \S+ \S+, \S+ 9\.9\.9$/],
  ['command line', (m) => (m.system!.kernel.cmdline = `intel_iommu=on ${m.system!.kernel.cmdline}`), 'cmdline', /\): \+intel_iommu=on$/],
];

for (const [what, edit, kind, message, editBase] of oneField) {
  test(`a copy with another ${what} gives exactly one warning, of kind ${kind}`, () => {
    const w = comparabilityWarnings(pair(edit, editBase), ['here', 'there']);
    assert.deepEqual(w.map((x) => x.kind), [kind], JSON.stringify(w));
    assert.match(w[0]!.message, message);
    assert.deepEqual(w[0]!.bundles, [0, 1]);
  });
}

test('what names a boot (BOOT_IMAGE=, dmabench.job=) is no difference', () => {
  assert.deepEqual(kinds(pair((m) => (m.system!.kernel.cmdline = `BOOT_IMAGE=/boot/vmlinuz-x ${m.system!.kernel.cmdline} dmabench.job=abc`))), []);
});

/** The Oops line of a real lab console, as the window of a run would keep it. */
async function oopsLine(): Promise<string> {
  const text = await readFile(fixture('lab', 'console-7.2.13-early-panic-tail.log'), 'utf8');
  return /\] (Oops: .*?)\r?$/m.exec(text)![1]!;
}

test('runs with kernel warnings: k/n, with the first lines; runs whose log is lost are said so', async () => {
  const line = await oopsLine();
  const [, b] = pair((m) => {
    const w = m.kernelLog![0]!;
    w.counts = { oops: 1 };
    w.lines = [{ seq: 4242, kind: 'oops', text: line }];
    m.kernelLog!.push({ ...structuredClone(w), counts: {}, lines: [], closedBy: 'boot-ended', bootId: 'other' });
  });
  const w = comparabilityWarnings([here, b!], ['here', 'there']);
  assert.deepEqual(w.map((x) => [x.kind, x.bundles]), [['kernel-log', [1]], ['kernel-log', [1]]]);
  assert.equal(w[0]!.message, 'runs with kernel warnings: 1/2 in there (oops 1)');
  assert.deepEqual(w[0]!.details, ['seq 4242: Oops: int3: 0000 [#2] SMP NOPTI']);
  assert.equal(w[1]!.message, 'kernel log not fully checked in 1/2 runs of there: the boot ended before the run (a crash or reboot)');
  // A run killed and never resumed left its window open: its log was never read.
  const [, killed] = pair((m) => delete m.kernelLog![0]!.closedBy);
  assert.equal(comparabilityWarnings([here, killed!], ['here', 'there'])[0]!.message, 'kernel log not fully checked in 1/1 runs of there: the run never ended (killed, not resumed)');
  // The base's own log counts too.
  assert.deepEqual(comparabilityWarnings([b!, here], ['there', 'here']).filter((x) => x.kind === 'kernel-log').map((x) => x.bundles), [[0], [0]]);
});

test('bundles without system state are said to be unchecked', () => {
  assert.deepEqual(kinds(pair((m) => (m.system = null))), ['system-state']);
});

test('every renderer prints the warnings before the table, in ASCII', async () => {
  const line = await oopsLine();
  const bundles = pair((m) => {
    m.system!.hostname = 'otherbox';
    m.kernelLog![0]!.counts = { oops: 1 };
    m.kernelLog![0]!.lines = [{ seq: 7, kind: 'oops', text: line }];
  });
  const c = compareBundles(bundles, { bootstrapIterations: 200 });
  assert.deepEqual(c.warnings.map((w) => w.kind), ['host', 'kernel-log']);

  const text = renderText(c);
  const at = (s: string, needle: string | RegExp): number => (typeof needle === 'string' ? s.indexOf(needle) : s.search(needle));
  assert.ok(at(text, 'Not comparable in every respect:') > at(text, 'label'), 'after the bundle header');
  assert.ok(at(text, 'Not comparable in every respect:') < at(text, /^-- /m), 'before the first table');
  assert.match(text, /^ {2}! different hosts: .* on 'otherbox'$/m);
  assert.match(text, /^ {2}! runs with kernel warnings: 1\/1 in \S+ \(oops 1\)$/m);
  assert.match(text, /^ {6}seq 7: Oops: int3: 0000 \[#2\] SMP NOPTI$/m);
  assert.match(text, /^[\x20-\x7e\n]*$/, 'text output is ASCII');
  assert.ok(text.split('\n').every((l) => l.length <= 100 || /^ {6}seq /.test(l)), 'within 100 columns but quoted kernel lines');

  const term = renderTerminal(c);
  assert.ok(at(term, '! different hosts') >= 0 && at(term, '! different hosts') < at(term, /^rr:/m));
  const md = renderMarkdown(c);
  assert.ok(at(md, '> **Not comparable in every respect:**') > 0 && at(md, '> **Not comparable') < at(md, /^## /m));
  assert.match(md, /^> - different hosts: /m);
  assert.match(md, /^> {3}`seq 7: Oops: int3: 0000 \[#2\] SMP NOPTI`$/m);
  const csv = renderCsv(c).split('\n');
  assert.deepEqual(csv.slice(0, 3), ['# Not comparable in every respect:', `# ! ${c.warnings[0]!.message}`, `# ! ${c.warnings[1]!.message}`]);
  assert.match(csv.find((l) => !l.startsWith('#'))!, /^workload,cell,metric,/);
  const json = JSON.parse(renderJson(c)) as { warnings: { kind: string; message: string }[] };
  assert.deepEqual(json.warnings.map((w) => w.kind), ['host', 'kernel-log']);
  assert.ok(Object.keys(json).indexOf('warnings') < Object.keys(json).indexOf('rows'));

  // Comparable bundles: nothing printed.
  const clean = compareBundles([here, structuredClone(here)], { bootstrapIterations: 200 });
  assert.doesNotMatch(renderText(clean), /Not comparable/);
  assert.doesNotMatch(renderCsv(clean), /^#/);
});
