// Can the microbench kernel module be built and loaded here? Needs the running kernel's build
// tree (/lib/modules/$(uname -r)/build) and the compiler the kernel was built with: Debian's 7.2
// headers reject gcc-12 (ARCHITECTURE.md, "Lab facts"), so "some gcc" is not enough.
import { readlink } from 'node:fs/promises';
import path from 'node:path';
import { findExecutable, runTool } from './run-tool.js';
import { exists, readText, underRoot } from './sysfs.js';
import { majorOf, parseGccVersion } from './version-parsers.js';

export interface CompilerText {
  family: 'gcc' | 'clang' | 'unknown';
  /** The command the kernel's build used, e.g. gcc-12 (from the banner's first word). */
  command?: string;
  version?: string;
  major?: number;
  text: string;
}

/** Reads CONFIG_CC_VERSION_TEXT="..." out of a kernel .config (undefined when absent, e.g. before 5.8). */
export function parseConfigCcVersionText(configText: string): string | undefined {
  return /^CONFIG_CC_VERSION_TEXT="(.*)"$/m.exec(configText)?.[1];
}

/** Reads LINUX_COMPILER out of include/generated/compile.h, without the linker part after ", ". */
export function parseCompileHCompiler(compileH: string): string | undefined {
  const text = /^#define LINUX_COMPILER\s+"(.*)"$/m.exec(compileH)?.[1];
  return text?.split(/, (?=GNU ld|LLD|ld )/)[0];
}

/** The compiler part of /proc/version: `Linux version R (who@host) (gcc-12 (Debian ...) 12.2.0, GNU ld ...) #1 ...`. */
export function parseProcVersionCompiler(procVersion: string): string | undefined {
  return /^Linux version \S+ \([^)]*\) \((.*?), (?:GNU ld|LLD|ld)/.exec(procVersion)?.[1];
}

/** `gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0` → gcc, gcc-12, 12.2.0; `Debian clang version 16.0.6 (...)` → clang. */
export function parseCompilerText(text: string): CompilerText {
  const gccVersion = parseGccVersion(text);
  if (gccVersion !== undefined) {
    const command = text.trim().split(/\s+/, 1)[0];
    return { family: 'gcc', command, version: gccVersion, major: majorOf(gccVersion), text };
  }
  const clang = /clang version (\d+(?:\.\d+)*)/.exec(text)?.[1];
  if (clang !== undefined) return { family: 'clang', command: 'clang', version: clang, major: majorOf(clang), text };
  return { family: 'unknown', text };
}

/** The Debian package of a compiler (gcc-NN, clang-NN). */
export function compilerPackage(compiler: CompilerText): string | undefined {
  if (compiler.major === undefined) return undefined;
  return `${compiler.family === 'clang' ? 'clang' : 'gcc'}-${compiler.major}`;
}

export interface ModuleBuildInfo {
  release: string;
  buildDir: string;
  buildDirPresent: boolean;
  /** The kernel's build was found to have its kbuild scripts (Debian ships them in linux-kbuild-X). */
  kbuildScriptsPresent: boolean;
  compiler?: CompilerText;
  /** Where the compiler text came from. */
  compilerSource?: '.config' | 'compile.h' | '/proc/version';
  /** The exact compiler (e.g. gcc-12) is installed, with a matching major version. */
  compilerPresent: boolean;
  compilerPath?: string;
  /** The kernel accepts modules at all (/proc/modules exists and modules_disabled is not 1). */
  moduleLoading: boolean;
  moduleLoadingReason?: string;
  /** /proc/version names a Debian build: the packages below exist in Debian's archive. */
  debianKernel: boolean;
  /** Debian packages that would make the build possible. */
  packages: string[];
}

/** A symlink target under the injected root: absolute targets are re-rooted, relative ones resolved. */
async function resolveLink(root: string, absolute: string): Promise<string> {
  try {
    const target = await readlink(underRoot(root, absolute));
    return path.isAbsolute(target) ? target : path.resolve(path.dirname(absolute), target);
  } catch {
    return absolute;
  }
}

async function probeModuleLoading(root: string): Promise<{ ok: boolean; reason?: string }> {
  if ((await readText(root, '/proc/modules')) === undefined) {
    return { ok: false, reason: 'kernel built without module support (no /proc/modules)' };
  }
  const disabled = (await readText(root, '/proc/sys/kernel/modules_disabled'))?.trim();
  if (disabled === '1') return { ok: false, reason: 'module loading disabled (kernel.modules_disabled=1)' };
  return { ok: true };
}

async function findCompilerNamed(root: string, command: string, compiler: CompilerText): Promise<string | undefined> {
  if (root !== '/') {
    for (const dir of ['/usr/bin', '/usr/local/bin']) {
      if (await exists(root, `${dir}/${command}`)) return `${dir}/${command}`;
    }
    return undefined;
  }
  const found = await findExecutable(command);
  if (found === undefined || compiler.family === 'unknown') return found;
  // The kernel said gcc 15 (or clang 19) but a bare `gcc` (`clang`) here could be another major: check it.
  const run = await runTool(found, ['--version'], 2000);
  const here = parseCompilerText(run.stdout.split('\n')[0] ?? '');
  return here.family === compiler.family && here.major === compiler.major ? found : undefined;
}

/** The kernel's compiler by the name it was called (gcc-12), then by its versioned Debian name. */
async function findCompiler(root: string, compiler: CompilerText): Promise<string | undefined> {
  const names = [compiler.command ?? compiler.family];
  if (compiler.major !== undefined) names.push(`${compiler.family}-${compiler.major}`);
  for (const name of new Set(names)) {
    const found = await findCompilerNamed(root, name, compiler);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * `procVersion` (the text of /proc/version) names the compiler when the build tree is missing:
 * it tells which gcc-NN to install together with the headers.
 */
export async function probeModuleBuild(root: string, release: string, procVersion = ''): Promise<ModuleBuildInfo> {
  const linkPath = `/lib/modules/${release}/build`;
  const buildDir = await resolveLink(root, linkPath);
  const [buildDirPresent, loading] = await Promise.all([exists(root, buildDir), probeModuleLoading(root)]);
  const info: ModuleBuildInfo = {
    release,
    buildDir,
    buildDirPresent,
    kbuildScriptsPresent: false,
    compilerPresent: false,
    moduleLoading: loading.ok,
    moduleLoadingReason: loading.reason,
    debianKernel: /Debian/.test(procVersion),
    packages: [],
  };
  if (buildDirPresent) {
    const scripts = await resolveLink(root, `${buildDir}/scripts`);
    info.kbuildScriptsPresent = await exists(root, scripts);
    const configText = parseConfigCcVersionText((await readText(root, `${buildDir}/.config`)) ?? '');
    const compileText =
      configText ?? parseCompileHCompiler((await readText(root, `${buildDir}/include/generated/compile.h`)) ?? '');
    if (compileText !== undefined) {
      info.compiler = parseCompilerText(compileText);
      info.compilerSource = configText !== undefined ? '.config' : 'compile.h';
    }
  }
  const fromProc = parseProcVersionCompiler(procVersion);
  if (info.compiler === undefined && fromProc !== undefined) {
    info.compiler = parseCompilerText(fromProc);
    info.compilerSource = '/proc/version';
  }
  if (info.compiler !== undefined) {
    info.compilerPath = await findCompiler(root, info.compiler);
    info.compilerPresent = info.compilerPath !== undefined;
  }
  if (!buildDirPresent) info.packages.push(`linux-headers-${release}`);
  const pkg = info.compiler === undefined ? undefined : compilerPackage(info.compiler);
  if (pkg !== undefined && !info.compilerPresent) info.packages.push(pkg);
  return info;
}
