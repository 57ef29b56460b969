// `dmabench run --resume` on the wrong system or with another campaign, for real: a tiny fio
// campaign runs once on this machine, and the bundle is made "interrupted" (its last repetition
// taken out of `done`, status incomplete: what an interruption leaves). Copies of it then stand
// for bundles started elsewhere: the recorded system state (this machine's, as collected) gets one
// field changed, which is exactly what the same bundle would hold had it been started there.
// Also: a new boot of the same kernel is accepted and recorded, schema 1 bundles stay readable and
// resumable, and the ETA after a resume counts only the work left (M21).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { readBundle } from '../../core/bundle/read.js';
import { loadPlan } from '../../runner/plan.js';
import { estimateRemainingSec } from '../../runner/progress.js';
import { systemDifferences } from '../../runner/resume.js';
import { campaignHash, canonicalJson, firstDifference } from '../../core/campaign/identity.js';
import type { Manifest } from '../../model/bundle.js';

const campaignText = (extra = ''): string => `name: resume
repetitions: 4
warmup: 0
workloads:
  - name: rr
    tool: fio
    target: { kind: file, size: 16M }
${extra}    matrix:
      rw: randread
      bs: [4k, 8k]
      iodepth: 1
      ioengine: psync
      runtime: 1
`;

let dir: string;
let campaignFile: string;
/** A complete bundle of campaignText(), run on this machine once for all tests. */
let complete: string;
let copies = 0;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dmabench-resume-'));
  campaignFile = path.join(dir, 'c.yaml');
  await writeFile(campaignFile, campaignText());
  complete = path.join(dir, 'complete');
  const r = await runCli(['run', campaignFile, '--out', complete]);
  assert.equal(r.exitCode, 0, String(r.stderr));
});

after(() => rm(dir, { recursive: true, force: true }));

async function readManifestJson(bundle: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest;
}

/** A copy of the bundle as an interruption leaves it (the last `left` repetitions not done), changed by `edit`. */
async function interruptedCopy(edit: (m: Manifest) => void = () => undefined, left = 1): Promise<string> {
  const copy = path.join(dir, `copy-${copies++}`);
  await cp(complete, copy, { recursive: true });
  const m = await readManifestJson(copy);
  const lastCell = m.cells.at(-1)!.cell;
  m.done[`${lastCell}|timed`] = m.done[`${lastCell}|timed`]!.filter((rep) => rep < 4 - left);
  m.status = 'incomplete';
  m.interruptedBy = 'SIGINT';
  delete m.endedAt;
  edit(m);
  await writeFile(path.join(copy, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  return copy;
}

async function files(bundle: string): Promise<string[]> {
  return Promise.all(['manifest.json', 'samples.jsonl'].map((f) => readFile(path.join(bundle, f), 'utf8')));
}

const otherSystems: [string, (m: Manifest) => void, RegExp][] = [
  ['kernel release', (m) => (m.system!.kernel.release = '6.1.0-31-amd64'), /kernel release 6\.1\.0-31-amd64 -> \S+/],
  ['kernel build (uname -v)', (m) => (m.system!.kernel.build = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.128-1 (2025-02-07)'), /kernel build "#1 SMP PREEMPT_DYNAMIC Debian 6\.1\.128-1 \(2025-02-07\)" -> "/],
  ['host', (m) => (m.system!.hostname = 'otherbox'), /host otherbox -> \S+/],
  ['command line', (m) => (m.system!.kernel.cmdline = `iommu.strict=0 ${m.system!.kernel.cmdline}`), /command line -iommu\.strict=0/],
  ['IOMMU mode', (m) => (m.system!.iommu.mode = m.system!.iommu.mode === 'lazy' ? 'strict' : 'lazy'), /IOMMU mode (lazy|strict) -> \S+/],
];

for (const [what, edit, reason] of otherSystems) {
  test(`--resume refuses a bundle started on a system with another ${what}, with a one-line reason and exit 2, and changes nothing`, async () => {
    const copy = await interruptedCopy(edit);
    const before = await files(copy);
    const r = await runCli(['run', campaignFile, '--out', copy, '--resume']);
    const stderr = String(r.stderr).trim();
    assert.equal(r.exitCode, 2, stderr);
    assert.equal(stderr.split('\n').length, 1, `one line: ${stderr}`);
    assert.match(stderr, new RegExp(`^dmabench: cannot resume ${copy}: it was started on another system \\(.*${reason.source}.*\\): resume it there, or start a new bundle$`));
    assert.deepEqual(await files(copy), before, 'the bundle is untouched');
  });
}

test('--resume refuses a changed campaign whose cells are the same, naming the first change', async () => {
  const copy = await interruptedCopy();
  const before = await files(copy);
  const changed = path.join(dir, 'changed.yaml');
  for (const [text, change] of [
    [campaignText('    timeout: 30\n'), /workloads\[0\]\.timeout: \(absent\) -> 30/],
    [campaignText().replace('size: 16M', 'size: 32M'), /workloads\[0\]\.target\.size: "16M" -> "32M"/],
    [campaignText().replace('repetitions: 4', 'repetitions: 5'), /repetitions: 4 -> 5/],
  ] as const) {
    await writeFile(changed, text);
    const r = await runCli(['run', changed, '--out', copy, '--resume']);
    const stderr = String(r.stderr).trim();
    assert.equal(r.exitCode, 2, stderr);
    assert.match(stderr, new RegExp(`^dmabench: cannot resume ${copy}: the campaign changed since the bundle started \\(${change.source}\\): start a new bundle$`));
  }
  assert.deepEqual(await files(copy), before);
});

test('a new boot of the same kernel resumes and is recorded; the ETA counts only the work left', async () => {
  const otherBoot = '00000000-1111-2222-3333-444444444444';
  // 6 of 8 passes done by the earlier boot, 2 left.
  const copy = await interruptedCopy((m) => {
    m.system!.kernel.bootId = otherBoot;
    m.boots = [{ bootId: otherBoot, at: m.startedAt }];
  }, 2);
  const r = await runCli(['run', campaignFile, '--out', copy, '--resume']);
  const stderr = String(r.stderr);
  assert.equal(r.exitCode, 0, stderr);
  const thisBoot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  assert.match(stderr, new RegExp(`resuming on a new boot of \\S+ \\(boot id ${thisBoot}\\)`));
  const m = (await readBundle(copy)).manifest;
  assert.equal(m.status, 'complete');
  assert.deepEqual(m.boots?.map((b) => b.bootId), [otherBoot, thisBoot]);

  assert.match(stderr, /resumed: 6 of 8 passes already done/);
  // Before the last pass, one pass of the same size has run in this session: the time left is
  // about the time that pass took (the elapsed time), not elapsed / 7 because the 6 skipped
  // passes "ran" in no time (M21).
  const last = /^\[8\/8\] .* elapsed (\d\d):(\d\d) {2}ETA (\d\d):(\d\d)$/m.exec(stderr);
  assert.ok(last, stderr);
  const elapsed = Number(last[1]) * 60 + Number(last[2]);
  const eta = Number(last[3]) * 60 + Number(last[4]);
  assert.ok(eta >= 1 && Math.abs(eta - elapsed) <= 1, `ETA ${eta} s after a pass that took ${elapsed} s: ${last[0]}`);
});

test('a bundle written before schedules existed (no schedule, samples without order) is resumed in the sequential order it ran in, its passes numbered on', async () => {
  const copy = await interruptedCopy((m) => delete m.schedule, 2);
  // Its samples as that version wrote them: no boot, no order.
  const lines = (await readFile(path.join(copy, 'samples.jsonl'), 'utf8')).split('\n').filter(Boolean);
  await writeFile(path.join(copy, 'samples.jsonl'), lines.map((l) => { const { bootId: _b, order: _o, ...old } = JSON.parse(l) as Record<string, unknown>; return JSON.stringify(old); }).join('\n') + '\n');
  const r = await runCli(['run', campaignFile, '--out', copy, '--resume']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const { manifest, samples } = await readBundle(copy);
  assert.equal(manifest.status, 'complete');
  assert.deepEqual({ order: manifest.schedule?.order, nextOrder: manifest.schedule?.nextOrder }, { order: 'sequential', nextOrder: 8 });
  const lastCell = manifest.cells.at(-1)!.cell;
  const resumed = samples.filter((s) => s.order !== undefined && s.metric === 'read.iops').map((s) => `${s.cell === lastCell ? 'last' : s.cell} ${s.rep} ${s.order}`);
  assert.deepEqual(resumed, ['last 2 6', 'last 3 7'], 'the two repetitions left, numbered after the six done');
});

test('a schema 1 bundle (before boots and campaignHash) is read by compare, resumed, and upgraded to schema 2', async () => {
  const copy = await interruptedCopy((m) => {
    m.schemaVersion = 1;
    delete m.campaignHash;
    delete m.boots;
    delete m.system!.kernel.build;
    delete m.system!.kernel.bootId;
  });
  const compared = await runCli(['compare', complete, copy, '--format', 'json']);
  assert.equal(compared.exitCode, 0, String(compared.stderr));
  const r = await runCli(['run', campaignFile, '--out', copy, '--resume']);
  assert.equal(r.exitCode, 0, String(r.stderr));
  const m = await readManifestJson(copy);
  assert.equal(m.status, 'complete');
  assert.equal(m.schemaVersion, 2);
  assert.equal(m.campaignHash, (await readManifestJson(complete)).campaignHash);
  assert.equal(m.boots?.length, 1);

  // A schema 1 bundle has no build: its /proc/version stands for it.
  const other = await interruptedCopy((m1) => {
    m1.schemaVersion = 1;
    delete m1.campaignHash;
    delete m1.boots;
    delete m1.system!.kernel.build;
    m1.system!.kernel.version = m1.system!.kernel.version.replace(/#\d+/, '#999');
  });
  const refused = await runCli(['run', campaignFile, '--out', other, '--resume']);
  assert.equal(refused.exitCode, 2);
  assert.match(String(refused.stderr), /kernel build "Linux version/);
});

test('the bundle records a canonical hash of the resolved campaign', async () => {
  const m = await readManifestJson(complete);
  assert.match(m.campaignHash!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(m.campaignHash, campaignHash(m.campaign));
  assert.equal(m.campaignHash, campaignHash((await loadPlan(campaignFile)).campaign));
  assert.deepEqual(m.boots?.map((b) => b.bootId), [(await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim()]);
});

test('canonical JSON ignores key order and undefined members; firstDifference names the path', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } }), '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
  assert.equal(campaignHash({ a: 1, b: 2 }), campaignHash({ b: 2, a: 1 }));
  assert.notEqual(campaignHash({ a: 1 }), campaignHash({ a: '1' }));
  assert.equal(firstDifference({ w: [{ t: 1 }] }, { w: [{ t: 1 }] }), undefined);
  assert.equal(firstDifference({ w: [{ t: 1 }, { x: 'a' }] }, { w: [{ t: 1 }, { x: 'b' }] }), 'w[1].x: "a" -> "b"');
  assert.equal(firstDifference({ w: [] }, { w: [1] }), 'w[0]: (absent) -> 1');
});

test('ETA after a resume at 90 %: the plan estimate of what is left, then scaled by this session only', () => {
  // 100 passes of 10 s, 90 done by an earlier session: 100 s left, nothing run yet in this one.
  assert.equal(estimateRemainingSec({ leftSec: 100, ranSec: 0, elapsedSec: 0.05 }), 100);
  // One more pass ran, in 10 s as planned: 90 s left (counting the 90 skipped passes as run said about 1 s).
  assert.equal(estimateRemainingSec({ leftSec: 90, ranSec: 10, elapsedSec: 10 }), 90);
  // Twice as slow as planned: twice the time left.
  assert.equal(estimateRemainingSec({ leftSec: 90, ranSec: 10, elapsedSec: 20 }), 180);
});

test('a new boot may change what names the boot, not the kernel: BOOT_IMAGE, the lab job id, init arguments', async () => {
  const was = (await readManifestJson(complete)).system!;
  const now = structuredClone(was);
  was.kernel.cmdline = `BOOT_IMAGE=/boot/vmlinuz-a dmabench.job=1111 ${was.kernel.cmdline}`;
  now.kernel.cmdline = `BOOT_IMAGE=/vmlinuz dmabench.job=2222 ${now.kernel.cmdline} -- init-arg`;
  now.kernel.bootId = 'ffffffff-1111-2222-3333-444444444444';
  assert.deepEqual(systemDifferences(was, now), []);
  now.kernel.cmdline = `intel_iommu=off ${now.kernel.cmdline}`;
  assert.deepEqual(systemDifferences(was, now), ['command line +intel_iommu=off']);
});
