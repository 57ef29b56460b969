// core/kernel-commit: which kernel commit a bundle names (run-time --commit, the release's
// CONFIG_LOCALVERSION_AUTO suffix), what a kernel tree adds (full sha, date, describe, topology)
// and the series order rule (topology > commit date > kernel version > run date).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { kernelCommitOf, kernelVersionKey, orderSeries, releaseCommit, withTreeFacts, type OrderableRun } from '../../core/kernel-commit/identity.js';
import { readTreeFacts } from '../../core/kernel-commit/tree.js';
import type { Manifest } from '../../model/bundle.js';
import { kernelCommitOption } from '../../cli/commands/run.js';
import { withTempDir } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';

const realManifest = (name: string): Manifest => JSON.parse(readFileSync(fixture('bundles', name, 'manifest.json'), 'utf8')) as Manifest;

test('the -g<sha> suffix of a CONFIG_LOCALVERSION_AUTO release names the commit; distribution releases name none', () => {
  assert.deepEqual(releaseCommit('6.19.0-rc3-00042-g1a2b3c4d5e6f'), { commit: '1a2b3c4d5e6f', dirty: false });
  assert.deepEqual(releaseCommit('7.2.0-g0123abc-dirty'), { commit: '0123abc', dirty: true });
  assert.equal(releaseCommit('7.2.13+deb14-amd64'), undefined);
  assert.equal(releaseCommit('6.18.44-fc-v1045'), undefined);
  assert.equal(releaseCommit('6.1.0-gcafe'), undefined, 'fewer than 7 digits is not a sha');
});

test('a bundle names its commit: --commit at run time first, else the release; the real lab bundles name none', () => {
  const lab = realManifest('lab-profile-schema2-7.2');
  assert.equal(kernelCommitOf(lab), undefined);
  const built = { ...lab, system: { ...lab.system!, kernel: { ...lab.system!.kernel, release: '7.3.0-rc1-00007-gdeadbeef1234' } } };
  assert.deepEqual(kernelCommitOf(built), { commit: 'deadbeef1234', source: 'release' });
  const given = { ...built, kernelCommit: { commit: 'ABCDEF0123', date: '2026-11-30T12:00:00Z' } };
  assert.deepEqual(kernelCommitOf(given), { commit: 'abcdef0123', date: '2026-11-30T12:00:00Z', source: 'run' });
});

test('run --commit/--commit-date are checked before anything runs', () => {
  assert.equal(kernelCommitOption(undefined, undefined), undefined);
  assert.deepEqual(kernelCommitOption('ABCDEF1', '2026-12-01'), { commit: 'abcdef1', date: '2026-12-01' });
  assert.throws(() => kernelCommitOption('v7.2', undefined), /not a git commit id/);
  assert.throws(() => kernelCommitOption('abcdef1', 'yesterday'), /not a date/);
  assert.throws(() => kernelCommitOption(undefined, '2026-12-01'), /needs --commit/);
});

test('kernel versions: an rc before its release, numbers compared as numbers', () => {
  const sorted = ['7.10.0', '7.2.13+deb14-amd64', '7.2.0-rc3-00001-gabcdef0', '6.12.117+deb13-amd64', '7.2.1'].sort((a, b) => {
    const ka = kernelVersionKey(a)!;
    const kb = kernelVersionKey(b)!;
    for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  });
  assert.deepEqual(sorted, ['6.12.117+deb13-amd64', '7.2.0-rc3-00001-gabcdef0', '7.2.1', '7.2.13+deb14-amd64', '7.10.0']);
  assert.equal(kernelVersionKey('custom'), undefined);
});

test('the order rule: commit date, else kernel version, else run date; ties by run date then id', () => {
  const run = (id: string, runDate: string, release?: string, date?: string): OrderableRun => ({
    id,
    runDate,
    ...(release === undefined ? {} : { release }),
    ...(date === undefined ? {} : { commit: { commit: `${id}0000000`.slice(0, 7), date, source: 'run' as const } }),
  });
  const dated = [run('b', '2026-01-03', '7.2.0', '2026-01-01'), run('a', '2026-01-01', '7.1.0', '2026-01-02')];
  assert.deepEqual(orderSeries(dated), { runs: [dated[0], dated[1]], rule: 'commit date' });
  const versions = [run('x', '2026-01-01', '7.10.0'), run('y', '2026-01-02', '7.2.0'), run('z', '2026-01-01', '7.2.0')];
  const byVersion = orderSeries(versions);
  assert.equal(byVersion.rule, 'kernel version');
  assert.deepEqual(byVersion.runs.map((r) => r.id), ['z', 'y', 'x']);
  const mixed = [run('m', '2026-01-02', 'custom'), run('n', '2026-01-01', '7.0.0')];
  assert.deepEqual(orderSeries(mixed).runs.map((r) => r.id), ['n', 'm']);
  assert.equal(orderSeries(mixed).rule, 'run date');
});

async function git(dir: string, env: Record<string, string>, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { env: { ...env, LC_ALL: 'C' } });
  return r.stdout.trim();
}

test('a kernel tree resolves abbreviated shas, dates and describes them, and orders by topology even against commit dates', async () => {
  await withTempDir('dmabench-kernel-tree-', async (dir) => {
    await git(dir, {}, 'init', '-q', '-b', 'master');
    const commitAt = async (name: string, date: string): Promise<string> => {
      await writeFile(path.join(dir, 'Makefile'), `# ${name}\n`);
      await git(dir, {}, 'add', 'Makefile');
      await git(dir, { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }, 'commit', '-q', '-m', name);
      return git(dir, {}, 'rev-parse', 'HEAD');
    };
    const first = await commitAt('first', '2026-01-10T00:00:00Z');
    await git(dir, {}, 'tag', 'v7.2-rc1');
    // The child's committer date is older than its parent's (a rebase, a wrong clock): topology wins.
    const second = await commitAt('second', '2026-01-01T00:00:00Z');
    const facts = await readTreeFacts(dir, [second.slice(0, 12), first, 'fffffff']);
    assert.deepEqual(facts.commits.get(second.slice(0, 12)), { commit: second, date: '2026-01-01T00:00:00+00:00', describe: `v7.2-rc1-1-g${second.slice(0, 7)}` });
    assert.equal(facts.commits.has('fffffff'), false, 'a sha the tree lacks is left out');
    assert.deepEqual([facts.topoIndex.get(first), facts.topoIndex.get(second)], [0, 1]);
    const runs: OrderableRun[] = [
      { id: 'new', runDate: '2026-02-01', commit: withTreeFacts({ commit: second.slice(0, 12), source: 'release' }, facts)! },
      { id: 'old', runDate: '2026-02-02', commit: withTreeFacts({ commit: first, source: 'run' }, facts)! },
    ];
    assert.equal(runs[0]!.commit!.commit, second);
    const ordered = orderSeries(runs, facts);
    assert.equal(ordered.rule, 'topology');
    assert.deepEqual(ordered.runs.map((r) => r.id), ['old', 'new']);
    assert.deepEqual(orderSeries(runs).runs.map((r) => r.id), ['new', 'old'], 'without the tree, commit date');
  });
});
