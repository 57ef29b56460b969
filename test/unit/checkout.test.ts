// core/checkout.ts dmabenchCheckout: the commit recorded in a manifest is dmabench's own checkout's,
// never that of a repository dmabench happens to be installed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { dmabenchCheckout } from '../../core/checkout.js';
import { withTempDir } from '../helpers/cli.js';

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);
  return r.stdout.trim();
}

test('a checkout of its own gives its HEAD and whether tracked files changed; a directory inside another repository or outside any gives none', async () => {
  await withTempDir('dmabench-checkout-', async (dir) => {
    assert.equal(await dmabenchCheckout(dir), undefined, 'not a repository');
    await git(dir, 'init', '-q');
    await writeFile(path.join(dir, 'package.json'), '{}\n');
    await git(dir, 'add', 'package.json');
    await git(dir, 'commit', '-q', '-m', 'first');
    const head = await git(dir, 'rev-parse', 'HEAD');
    assert.deepEqual(await dmabenchCheckout(dir), { commit: head, dirty: false });
    await writeFile(path.join(dir, 'untracked.txt'), 'x\n');
    assert.deepEqual(await dmabenchCheckout(dir), { commit: head, dirty: false }, 'untracked files do not count');
    await writeFile(path.join(dir, 'package.json'), '{"changed":true}\n');
    assert.deepEqual(await dmabenchCheckout(dir), { commit: head, dirty: true });
    const installed = path.join(dir, 'node_modules', 'dmabench');
    await mkdir(installed, { recursive: true });
    assert.equal(await dmabenchCheckout(installed), undefined, "a project's HEAD says nothing about the dmabench installed in it");
  });
});
