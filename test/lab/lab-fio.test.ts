// The lab end to end: a fio campaign on the emulated NVMe inside both kernels, bundles moved out
// of the guest, labelled with each kernel's release, and compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { readBundle } from '../../core/bundle/read.js';
import { assertRoot, buildOnce } from './helpers.js';

test('lab run: a fio cell on 6.12 and 7 gives a bundle each, with samples and the guest state, and a comparison', { timeout: 20 * 60_000 }, async () => {
  assertRoot();
  await buildOnce();
  const out = await mkdtemp(path.join(tmpdir(), 'dmabench-lab-fio-'));
  try {
    const campaign = path.join(repoRoot, 'test', 'lab', 'campaigns', 'fio-tiny.yaml');
    const args = ['lab', 'run', campaign, '--kernels', '6.12,7', '--iommu', 'strict', '--out', out, '--format', 'text'];
    const r = await runCli(args, { timeout: 20 * 60_000 });
    assert.equal(r.exitCode, 0, `${String(r.stdout)}\n${String(r.stderr)}`);
    const dirs = (await readdir(out, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    assert.equal(dirs.length, 2, `two bundles: ${dirs.join(', ')}`);
    const releases: string[] = [];
    // What the mail text's reproduce block prints: the host's command and checkout (the guest runs a copy without .git).
    const head = await execa('git', ['-c', `safe.directory=${repoRoot}`, '-C', repoRoot, 'rev-parse', 'HEAD'], { reject: false });
    for (const d of dirs) {
      const bundle = await readBundle(path.join(out, d));
      assert.equal(bundle.manifest.status, 'complete');
      const release = bundle.manifest.system?.kernel.release ?? '';
      releases.push(release);
      assert.match(bundle.manifest.label, new RegExp(`^${release.replace(/[+.]/g, '\\$&')} iommu=strict cm=on$`));
      // The guest's own state: the NVMe sits in an IOMMU group of type DMA (strict).
      assert.equal(bundle.manifest.system?.iommu.mode, 'strict');
      assert.equal(bundle.manifest.lab?.cachingMode, true);
      assert.match(bundle.manifest.lab?.qemu ?? '', /QEMU emulator version/);
      assert.deepEqual(bundle.manifest.lab?.command, args);
      assert.equal(bundle.manifest.lab?.kernelSpec, release.startsWith('6.12.') ? '6.12' : '7');
      assert.equal(bundle.manifest.dmabenchCommit, head.exitCode === 0 ? head.stdout.trim() : undefined);
      assert.equal(bundle.manifest.commands?.[0]?.[0], 'run', "the guest's own dmabench run");
      assert.ok(bundle.manifest.system?.iommu.groups.some((g) => g.type === 'DMA'), 'an IOMMU group of type DMA');
      const iops = bundle.samples.filter((s) => s.metric === 'read.iops' && s.pass === 'timed');
      assert.equal(iops.length, 2);
      for (const s of iops) assert.ok((s.value ?? 0) > 0);
    }
    assert.ok(releases.some((r) => r.startsWith('6.12.')) && releases.some((r) => r.startsWith('7.')), releases.join(', '));
    // The comparison is printed, base first, and the results path last.
    assert.match(String(r.stdout), /read\.iops/);
    // The mail text ends with how to make it again: the lab command that made both bundles.
    assert.match(String(r.stdout), /^reproduce with:$/m);
    assert.match(String(r.stdout), /^ {2}# base, cand\n {2}dmabench lab run /m);
    assert.match(String(r.stdout), new RegExp(`results: ${out.replace(/[.]/g, '\\.')}`));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
