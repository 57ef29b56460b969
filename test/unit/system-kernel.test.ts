import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { cmdlineValue, isRoot, probeHostname, probeKernel, splitCmdline } from '../../core/system/kernel.js';

test('kernel release equals uname -r', async () => {
  const { stdout } = await execa('uname', ['-r']);
  assert.equal((await probeKernel('/')).release, stdout.trim());
});

test('kernel version and cmdline equal /proc/version and /proc/cmdline', async () => {
  const k = await probeKernel('/');
  assert.equal(k.cmdline, readFileSync('/proc/cmdline', 'utf8').trim());
  assert.equal(k.version, readFileSync('/proc/version', 'utf8').trim());
  assert.match(k.version, /^Linux version /);
});

test('kernel build equals uname -v and the boot id is this boot\'s', async () => {
  const { stdout } = await execa('uname', ['-v']);
  const k = await probeKernel('/');
  assert.equal(k.build, stdout.trim());
  assert.ok(k.version.endsWith(k.build), '/proc/version ends with the build');
  assert.match(k.bootId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(k.bootId, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
});

test('hostname equals uname -n', async () => {
  const { stdout } = await execa('uname', ['-n']);
  assert.equal(await probeHostname('/'), stdout.trim());
});

test('isRoot agrees with id -u', async () => {
  const { stdout } = await execa('id', ['-u']);
  assert.equal(isRoot(), stdout.trim() === '0');
});

test('a missing root directory gives empty fields, not an exception', async () => {
  const k = await probeKernel('/nonexistent-dmabench-root');
  assert.deepEqual(k, { release: '', version: '', build: '', cmdline: '', bootId: '' });
});

test('splitCmdline keeps kernel parameters of this machine and stops at init arguments', () => {
  const text = readFileSync('/proc/cmdline', 'utf8').trim();
  const params = splitCmdline(text);
  assert.ok(params.length > 0);
  assert.ok(!params.includes('--'));
  const before = text.split(' -- ')[0] ?? text;
  assert.deepEqual(params, before.split(/\s+/).filter(Boolean));
});

test('cmdlineValue: last occurrence wins, bare flags are empty strings', () => {
  const params = splitCmdline('iommu.strict=0 quiet iommu.strict=1 -- iommu.strict=0');
  assert.equal(cmdlineValue(params, 'iommu.strict'), '1');
  assert.equal(cmdlineValue(params, 'quiet'), '');
  assert.equal(cmdlineValue(params, 'intel_iommu'), undefined);
});
