// Builds the dma_bench module (benches/dma_bench) against a kernel's headers with the compiler
// that kernel was built with. The sources are copied to outDir first so the source tree stays
// clean and one source can be built for several kernels side by side (6.12's kbuild has no MO=).
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { MissingToolError } from '../../core/proc/tool-check.js';
import { parseCompilerText, parseConfigCcVersionText, type CompilerText } from '../../core/system/module-build.js';
import { majorOf } from '../../core/system/version-parsers.js';
import { moduleSourceFiles } from './module-cache.js';

export interface BuildModuleOptions {
  /** A kernel build tree: /lib/modules/REL/build or /usr/src/linux-headers-REL. */
  headersDir: string;
  /** A gcc command (CC=); default: the compiler the headers' CONFIG_CC_VERSION_TEXT names. */
  cc?: string;
  /** benches/dma_bench */
  srcDir: string;
  outDir: string;
  signal?: AbortSignal;
}

export interface BuildModuleResult {
  koPath: string;
  /** The compiler command (gcc's as the kernel's build called it, clang or clang-N). */
  cc: string;
  /** What make was told: CC=<gcc>, or LLVM=1 / LLVM=-N for a clang kernel. */
  makeArgs: string[];
  /** Compiler warnings (compilerWarnings); the module is expected to build without any. */
  warnings: string[];
  output: string;
}

export class ModuleBuildError extends Error {
  override name = 'ModuleBuildError';
}

/** Compiler warnings in kbuild output (lines containing "warning:"); the module is expected to build without any. */
export function compilerWarnings(output: string): string[] {
  return output.split('\n').filter((l) => l.includes('warning:'));
}

/**
 * The module's own refusal to build for these headers (an $(error ...) of its Kbuild, such as a
 * kernel without the generic driver_override helper), as make prints it:
 * `Kbuild:21: *** dma_bench needs ....  Stop.` (kbuild from the module's directory) or
 * `/path/Kbuild:21: ...` (included by path). Returns the text between `*** ` and `.  Stop.`
 */
export function kbuildRefusal(output: string): string | undefined {
  for (const line of output.split('\n')) {
    const m = /(?:^|\/)Kbuild:\d+: \*\*\* (dma_bench .*?)\.?\s+Stop\.$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Why a kbuild run failed, first line first: the module's refusal verbatim when it refused (one
 * line), else the first compiler error followed by the output's tail.
 */
export function kbuildFailureMessage(output: string, headersDir: string, exit: string): string {
  const refusal = kbuildRefusal(output);
  if (refusal) return `dma_bench cannot be built against ${headersDir}: ${refusal}`;
  const lines = output.split('\n');
  const firstError = lines.find((l) => /\berror:|\*\*\*/.test(l));
  const tail = lines.slice(-30).join('\n');
  return `make for dma_bench failed (${exit})${firstError ? `: ${firstError.trim()}` : ''}\n${tail}`;
}

/** Debian package that provides a headers tree, from its path (the release is in the name). */
export function headersPackageFor(headersDir: string): string {
  const resolved = path.resolve(headersDir);
  const base = path.basename(resolved);
  if (base.startsWith('linux-headers-')) return base;
  const m = /\/lib\/modules\/([^/]+)\/build$/.exec(resolved);
  return m ? `linux-headers-${m[1]}` : 'linux-headers-<release>';
}

/** Debian package that provides a compiler command: x86_64-linux-gnu-gcc-16 -> gcc-16. */
export function compilerPackageFor(cc: string): string {
  const base = path.basename(cc);
  const m = /(gcc|clang)-(\d+)$/.exec(base);
  return m ? `${m[1]}-${m[2]}` : base.includes('clang') ? 'clang' : 'gcc';
}

/**
 * The compiler the kernel was built with, from CONFIG_CC_VERSION_TEXT in the headers' .config:
 * the first line of `$(CC) --version` when the kernel was built (`x86_64-linux-gnu-gcc-16 (Debian
 * 16.2.0-4) 16.2.0`, `Debian clang version 19.1.7 (3+b1)`). Undefined without one.
 */
export async function kernelCompiler(headersDir: string): Promise<CompilerText | undefined> {
  let config: string;
  try {
    config = await fs.readFile(path.join(headersDir, '.config'), 'utf8');
  } catch {
    return undefined;
  }
  const text = parseConfigCcVersionText(config);
  return text === undefined ? undefined : parseCompilerText(text);
}

/** How kbuild is told to use a compiler, and the Debian packages that provide it. */
export interface KbuildCompiler {
  command: string;
  makeArgs: string[];
  packages: string[];
}

/**
 * gcc: CC= the command the kernel's build called (its banner's first word: gcc-14,
 * x86_64-linux-gnu-gcc-16). clang: the kernel builds with the whole LLVM toolchain (clang, ld.lld,
 * llvm-ar, ...), selected by LLVM=1, or LLVM=-N for versioned commands (clang-N, ld.lld-N: Debian's
 * clang-N packages without the unversioned ones). `versionedClang` says to use the latter.
 */
export function kbuildCompiler(compiler: CompilerText, versionedClang = false): KbuildCompiler {
  if (compiler.family === 'gcc' && compiler.command) {
    const pkg = compiler.major !== undefined ? `gcc-${compiler.major}` : compilerPackageFor(compiler.command);
    return { command: compiler.command, makeArgs: [`CC=${compiler.command}`], packages: [pkg] };
  }
  if (compiler.family === 'clang' && compiler.major !== undefined) {
    const n = compiler.major;
    const packages = [`clang-${n}`, `lld-${n}`, `llvm-${n}`];
    return versionedClang ? { command: `clang-${n}`, makeArgs: [`LLVM=-${n}`], packages } : { command: 'clang', makeArgs: ['LLVM=1'], packages };
  }
  throw new ModuleBuildError(`cannot tell which compiler built the kernel from CONFIG_CC_VERSION_TEXT="${compiler.text}"; pass cc`);
}

/** The major version `command --version` reports, undefined when it cannot run (ENOENT and the like). */
async function versionMajor(command: string): Promise<number | undefined> {
  const r = await execa(command, ['--version'], { reject: false, timeout: 10_000 });
  if (r.failed) return undefined;
  const c = parseCompilerText(String(r.stdout).split('\n')[0] ?? '');
  return c.version === undefined ? undefined : majorOf(c.version);
}

/**
 * The toolchain for this kernel's compiler: for clang the unversioned `clang` when it is the
 * kernel's major version, else Debian's `clang-N` when installed; MissingToolError naming the
 * packages when neither runs.
 */
async function resolveKbuildCompiler(compiler: CompilerText): Promise<KbuildCompiler> {
  if (compiler.family === 'clang') {
    const plain = kbuildCompiler(compiler);
    if ((await versionMajor('clang')) === compiler.major) return plain;
    const versioned = kbuildCompiler(compiler, true);
    if ((await versionMajor(versioned.command)) === compiler.major) return versioned;
    throw new MissingToolError(
      `the kernel's compiler, clang ${compiler.major} (LLVM=1 builds), was not found as clang or ${versioned.command}: install it (Debian: apt-get install ${plain.packages.join(' ')})`,
    );
  }
  const k = kbuildCompiler(compiler);
  await assertRunnable(k.command, k.packages.join(' '), 'the kernel\'s compiler');
  return k;
}

async function assertRunnable(command: string, debianPackage: string, what: string): Promise<void> {
  const r = await execa(command, ['--version'], { reject: false, timeout: 10_000 });
  if (r.failed && (r as { code?: string }).code === 'ENOENT') {
    throw new MissingToolError(`${what} ${command} not found: install it (Debian: apt-get install ${debianPackage})`);
  }
}

async function copySources(srcDir: string, outDir: string): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  const files = await moduleSourceFiles(srcDir);
  if (!files.includes('Kbuild') || !files.some((f) => f.endsWith('.c'))) {
    throw new ModuleBuildError(`${srcDir} does not look like the dma_bench source (no Kbuild or .c files)`);
  }
  for (const f of files) await fs.copyFile(path.join(srcDir, f), path.join(outDir, f));
}

export async function buildModule(opts: BuildModuleOptions): Promise<BuildModuleResult> {
  const headersDir = path.resolve(opts.headersDir);
  const outDir = path.resolve(opts.outDir);
  if (!existsSync(path.join(headersDir, 'Makefile'))) {
    throw new MissingToolError(
      `kernel headers not found at ${headersDir}: install them (Debian: apt-get install ${headersPackageFor(headersDir)})`,
    );
  }
  await assertRunnable('make', 'make', 'build tool');
  let toolchain: KbuildCompiler;
  if (opts.cc) {
    toolchain = { command: opts.cc, makeArgs: [`CC=${opts.cc}`], packages: [compilerPackageFor(opts.cc)] };
    await assertRunnable(opts.cc, compilerPackageFor(opts.cc), 'the kernel\'s compiler');
  } else {
    const compiler = await kernelCompiler(headersDir);
    if (!compiler) {
      throw new ModuleBuildError(`cannot tell which compiler built the kernel: no CONFIG_CC_VERSION_TEXT in ${headersDir}/.config; pass cc`);
    }
    toolchain = await resolveKbuildCompiler(compiler);
  }
  await copySources(path.resolve(opts.srcDir), outDir);

  const r = await execa('make', ['-C', headersDir, `M=${outDir}`, ...toolchain.makeArgs, 'modules'], {
    all: true,
    reject: false,
    cancelSignal: opts.signal,
    timeout: 600_000,
  });
  const output = r.all ?? '';
  if (r.isCanceled) throw new ModuleBuildError('module build aborted');
  if (r.failed) throw new ModuleBuildError(kbuildFailureMessage(output, headersDir, `exit ${r.exitCode ?? r.signal}`));
  const koPath = path.join(outDir, 'dma_bench.ko');
  if (!existsSync(koPath)) throw new ModuleBuildError(`make succeeded but ${koPath} is missing:\n${output}`);
  return { koPath, cc: toolchain.command, makeArgs: toolchain.makeArgs, warnings: compilerWarnings(output), output };
}
