// Builds the dma_bench module (benches/dma_bench) against a kernel's headers with the compiler
// that kernel was built with. The sources are copied to outDir first so the source tree stays
// clean and one source can be built for several kernels side by side (6.12's kbuild has no MO=).
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { MissingToolError } from '../../core/proc/tool-check.js';
import { moduleSourceFiles } from './module-cache.js';

export interface BuildModuleOptions {
  /** A kernel build tree: /lib/modules/REL/build or /usr/src/linux-headers-REL. */
  headersDir: string;
  /** Compiler command; default: the one named by the headers' CONFIG_CC_VERSION_TEXT. */
  cc?: string;
  /** benches/dma_bench */
  srcDir: string;
  outDir: string;
  signal?: AbortSignal;
}

export interface BuildModuleResult {
  koPath: string;
  cc: string;
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

/** The compiler command the kernel was built with, from CONFIG_CC_VERSION_TEXT in the headers' .config. */
export async function kernelCompiler(headersDir: string): Promise<string | undefined> {
  let config: string;
  try {
    config = await fs.readFile(path.join(headersDir, '.config'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^CONFIG_CC_VERSION_TEXT="([^"\s]+)/m.exec(config);
  return m?.[1];
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
  const cc = opts.cc ?? (await kernelCompiler(headersDir));
  if (!cc) {
    throw new ModuleBuildError(`cannot tell which compiler built the kernel: no CONFIG_CC_VERSION_TEXT in ${headersDir}/.config; pass cc`);
  }
  await assertRunnable('make', 'make', 'build tool');
  await assertRunnable(cc, compilerPackageFor(cc), 'the kernel\'s compiler');
  await copySources(path.resolve(opts.srcDir), outDir);

  const r = await execa('make', ['-C', headersDir, `M=${outDir}`, `CC=${cc}`, 'modules'], {
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
  return { koPath, cc, warnings: compilerWarnings(output), output };
}
