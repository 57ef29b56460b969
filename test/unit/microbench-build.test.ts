// buildModule's checks before make runs: a missing headers tree or compiler names the Debian
// package to install; the kernel's compiler read from CONFIG_CC_VERSION_TEXT (real first lines of
// `--version`, test/fixtures/module-build) and how kbuild is told to use it. (The real build is
// checked in the lab; this machine has no kernel headers.)
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
  kbuildCompiler,
  kernelCompiler,
} from '../../collectors/microbench/build.js';
import { parseCompilerText } from '../../core/system/module-build.js';
import { fixture } from '../helpers/paths.js';
import { MissingToolError } from '../../core/proc/tool-check.js';
import { execa } from 'execa';

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
    assert.equal((await kernelCompiler(headersDir))?.command, 'dmabench-no-such-gcc-99');
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

/** Real first lines of `CC --version` (and two kernels' CONFIG_CC_VERSION_TEXT): fixture README. */
const firstLines = new Map(
  (await fs.readFile(fixture('module-build', 'cc-version-first-lines.tsv'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string]),
);
const line = (source: string): string => {
  const text = firstLines.get(source);
  assert.ok(text, source);
  return text;
};

test('CONFIG_CC_VERSION_TEXT is parsed whole: gcc by the command the build called, clang by its version, from real --version lines', () => {
  const cases: Array<[string, string, string, number, string[], string[]]> = [
    // source, family, command, major, make arguments, Debian packages
    ['host gcc --version', 'gcc', 'gcc', 12, ['CC=gcc'], ['gcc-12']],
    ['host gcc-12 --version', 'gcc', 'gcc-12', 12, ['CC=gcc-12'], ['gcc-12']],
    ['host x86_64-linux-gnu-gcc-12 --version', 'gcc', 'x86_64-linux-gnu-gcc-12', 12, ['CC=x86_64-linux-gnu-gcc-12'], ['gcc-12']],
    ['lab-image x86_64-linux-gnu-gcc-14 --version', 'gcc', 'x86_64-linux-gnu-gcc-14', 14, ['CC=x86_64-linux-gnu-gcc-14'], ['gcc-14']],
    ['lab-image x86_64-linux-gnu-gcc-16 --version', 'gcc', 'x86_64-linux-gnu-gcc-16', 16, ['CC=x86_64-linux-gnu-gcc-16'], ['gcc-16']],
    ['lab-image linux-headers-7.2.13+deb14-amd64/.config', 'gcc', 'x86_64-linux-gnu-gcc-16', 16, ['CC=x86_64-linux-gnu-gcc-16'], ['gcc-16']],
    ['lab-image linux-headers-6.12.117+deb13-amd64/.config', 'gcc', 'x86_64-linux-gnu-gcc-14', 14, ['CC=x86_64-linux-gnu-gcc-14'], ['gcc-14']],
    // A clang kernel: never CC=Debian (the first word); the LLVM toolchain, LLVM=1.
    ['host clang --version', 'clang', 'clang', 14, ['LLVM=1'], ['clang-14', 'lld-14', 'llvm-14']],
    ['host clang-14 --version', 'clang', 'clang', 14, ['LLVM=1'], ['clang-14', 'lld-14', 'llvm-14']],
  ];
  for (const [source, family, command, major, makeArgs, packages] of cases) {
    const c = parseCompilerText(line(source));
    assert.deepEqual([c.family, c.major], [family, major], source);
    assert.deepEqual(kbuildCompiler(c), { command, makeArgs, packages }, source);
  }
  assert.deepEqual(kbuildCompiler(parseCompilerText(line('host clang-14 --version')), true), {
    command: 'clang-14',
    makeArgs: ['LLVM=-14'],
    packages: ['clang-14', 'lld-14', 'llvm-14'],
  });
  assert.throws(() => kbuildCompiler(parseCompilerText('')), /cannot tell which compiler built the kernel/);
});

test("a clang kernel's headers: the compiler is clang, and without it on PATH the error names clang, lld and llvm of its version", async () => {
  const root = await tmpDir();
  const savedPath = process.env.PATH;
  try {
    const headersDir = path.join(root, 'linux-headers-9.9.9-amd64');
    await fs.mkdir(headersDir);
    await fs.writeFile(path.join(headersDir, 'Makefile'), '');
    await fs.writeFile(path.join(headersDir, '.config'), `CONFIG_CC_VERSION_TEXT="${line('host clang --version')}"\n`);
    const c = await kernelCompiler(headersDir);
    assert.deepEqual([c?.family, c?.major], ['clang', 14]);
    // A PATH holding make only: neither clang nor clang-14 can run, whatever this machine has.
    const bin = path.join(root, 'bin');
    await fs.mkdir(bin);
    const make = (await execa('sh', ['-c', 'command -v make'])).stdout.trim();
    await fs.symlink(make, path.join(bin, 'make'));
    process.env.PATH = bin;
    await assert.rejects(
      buildModule({ headersDir, srcDir, outDir: path.join(root, 'out') }),
      (e: Error) => e instanceof MissingToolError && /clang 14 \(LLVM=1 builds\).*clang or clang-14.*apt-get install clang-14 lld-14 llvm-14/.test(e.message),
    );
  } finally {
    process.env.PATH = savedPath;
    await fs.rm(root, { recursive: true, force: true });
  }
});
