import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { fixture } from '../helpers/paths.js';
import {
  compilerPackage,
  parseCompileHCompiler,
  parseCompilerText,
  parseConfigCcVersionText,
  parseProcVersionCompiler,
  probeModuleBuild,
} from '../../core/system/module-build.js';

const read = (name: string): string => readFileSync(fixture('module-build', name), 'utf8');

test('CONFIG_CC_VERSION_TEXT of Debian 12 headers names gcc-12', () => {
  const text = parseConfigCcVersionText(read('debian-6.1.0-56-amd64.config-cc.txt'));
  assert.equal(text, 'gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0');
  const cc = parseCompilerText(text ?? '');
  assert.deepEqual([cc.family, cc.command, cc.version, cc.major], ['gcc', 'gcc-12', '12.2.0', 12]);
  assert.equal(compilerPackage(cc), 'gcc-12');
});

test('compile.h LINUX_COMPILER agrees with .config, without the linker', () => {
  assert.equal(
    parseCompileHCompiler(read('debian-6.1.0-56-amd64.compile-h.txt')),
    parseConfigCcVersionText(read('debian-6.1.0-56-amd64.config-cc.txt')),
  );
});

test('/proc/version names the compiler of a non-Debian kernel', () => {
  const text = parseProcVersionCompiler(read('proc-version-6.18.44.txt'));
  assert.equal(text, 'gcc (GCC) 15.3.0');
  assert.equal(compilerPackage(parseCompilerText(text ?? '')), 'gcc-15');
});

test('module build probe on this machine matches /lib/modules and /proc/modules', async () => {
  const release = (await execa('uname', ['-r'])).stdout.trim();
  const procVersion = readFileSync('/proc/version', 'utf8');
  const info = await probeModuleBuild('/', release, procVersion);
  const buildPresent = existsSync(`/lib/modules/${release}/build`);
  assert.equal(info.buildDirPresent, buildPresent);
  assert.equal(info.packages.includes(`linux-headers-${release}`), !buildPresent);
  assert.equal(info.moduleLoading, existsSync('/proc/modules'));
  assert.equal(info.debianKernel, procVersion.includes('Debian'));
  assert.ok(info.compiler, 'a compiler is named by the build tree or /proc/version');
  if (!info.compilerPresent) assert.ok(info.packages.includes(compilerPackage(info.compiler) ?? '?'));
});
