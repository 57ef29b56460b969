// buildModule's checks before make runs: a missing headers tree or compiler names the Debian
// package to install. (The real build is checked in the lab; this machine has no kernel headers.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import {
  buildModule,
  compilerPackageFor,
  headersPackageFor,
  kernelCompiler,
} from '../../collectors/microbench/build.js';
import { MissingToolError } from '../../core/proc/tool-check.js';

const srcDir = path.join(repoRoot, 'benches', 'dma_bench');

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'dmabench-build-test-'));
}

test('package names derive from the headers path and the compiler command', () => {
  assert.equal(headersPackageFor('/usr/src/linux-headers-7.2.13+deb14-amd64'), 'linux-headers-7.2.13+deb14-amd64');
  assert.equal(headersPackageFor('/lib/modules/6.12.117+deb13-amd64/build'), 'linux-headers-6.12.117+deb13-amd64');
  assert.equal(compilerPackageFor('x86_64-linux-gnu-gcc-16'), 'gcc-16');
  assert.equal(compilerPackageFor('/usr/bin/gcc-14'), 'gcc-14');
  assert.equal(compilerPackageFor('clang-19'), 'clang-19');
});

test('missing headers: MissingToolError naming the linux-headers package', async () => {
  const root = await tmpDir();
  try {
    const headersDir = path.join(root, 'linux-headers-7.2.13+deb14-amd64');
    await assert.rejects(
      buildModule({ headersDir, srcDir, outDir: path.join(root, 'out') }),
      (e: Error) => e instanceof MissingToolError && /apt-get install linux-headers-7\.2\.13\+deb14-amd64/.test(e.message),
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('the compiler comes from CONFIG_CC_VERSION_TEXT; a missing one names its gcc package', async () => {
  const root = await tmpDir();
  try {
    // A stand-in headers tree: just the two files buildModule reads before it runs make.
    const headersDir = path.join(root, 'linux-headers-9.9.9-amd64');
    await fs.mkdir(headersDir);
    await fs.writeFile(path.join(headersDir, 'Makefile'), '');
    await fs.writeFile(path.join(headersDir, '.config'), 'CONFIG_CC_VERSION_TEXT="dmabench-no-such-gcc-99 (test) 99.0"\n');
    assert.equal(await kernelCompiler(headersDir), 'dmabench-no-such-gcc-99');
    const outDir = path.join(root, 'out');
    await assert.rejects(
      buildModule({ headersDir, srcDir, outDir }),
      (e: Error) => e instanceof MissingToolError && /dmabench-no-such-gcc-99 not found/.test(e.message) && /apt-get install gcc-99/.test(e.message),
    );
    await assert.rejects(buildModule({ headersDir, srcDir, outDir, cc: 'dmabench-no-such-clang-18' }), /apt-get install clang-18/);
    assert.equal(await kernelCompiler(path.join(root, 'nowhere')), undefined);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
