import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { parseCpuinfo, probeCpu, probeNoise, selectedChoice, turboState } from '../../core/system/noise.js';
import { parseRangeList } from '../../core/system/sysfs.js';
import { kallsymsPresent, probeKernelApi } from '../../core/system/kernel-symbols.js';

const readOr = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined);

test('CPU count equals nproc, model and hypervisor flag match /proc/cpuinfo', async () => {
  const nproc = Number((await execa('nproc', ['--all'])).stdout.trim());
  const cpu = await probeCpu('/');
  assert.equal(cpu.cores, nproc);
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  assert.equal(cpu.hypervisor, / hypervisor( |$)/m.test(cpuinfo));
  assert.ok(cpu.model.length > 0 && cpuinfo.includes(cpu.model));
  assert.equal(parseCpuinfo(cpuinfo).processors, nproc);
});

test('SMT, turbo and governor match sysfs', async () => {
  const cpu = await probeCpu('/');
  assert.equal(cpu.smt, readOr('/sys/devices/system/cpu/smt/control'));
  const expectedTurbo = turboState(
    readOr('/sys/devices/system/cpu/intel_pstate/no_turbo'),
    readOr('/sys/devices/system/cpu/cpufreq/boost'),
  );
  assert.equal(cpu.turbo, expectedTurbo);
  const online = parseRangeList(readOr('/sys/devices/system/cpu/online') ?? '');
  const governors = online
    .map((n) => readOr(`/sys/devices/system/cpu/cpu${n}/cpufreq/scaling_governor`))
    .filter((g): g is string => g !== undefined);
  assert.equal(cpu.governor, governors.length > 0 ? [...new Set(governors)].join(',') : undefined);
});

test('NUMA nodes, THP and irqbalance match the system', async () => {
  const noise = await probeNoise('/');
  assert.deepEqual(noise.numaNodes, parseRangeList(readOr('/sys/devices/system/node/online') ?? ''));
  assert.equal(noise.transparentHugepages, selectedChoice(readOr('/sys/kernel/mm/transparent_hugepage/enabled')));
  const pgrep = await execa('pgrep', ['-x', 'irqbalance'], { reject: false });
  assert.equal(noise.irqbalanceRunning, pgrep.exitCode === 0);
});

test('range lists and selectors', () => {
  assert.deepEqual(parseRangeList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseRangeList(''), []);
  assert.equal(selectedChoice(readOr('/sys/kernel/mm/transparent_hugepage/defrag')) !== undefined, existsSync('/sys/kernel/mm/transparent_hugepage/defrag'));
  assert.equal(turboState('1', undefined), 'off');
  assert.equal(turboState(undefined, '1'), 'on');
  assert.equal(turboState(undefined, undefined), undefined);
});

test('kernel API symbols match a grep of /proc/kallsyms', async () => {
  const text = readFileSync('/proc/kallsyms', 'utf8');
  const api = await probeKernelApi('/');
  const grep = (name: string): boolean => new RegExp(`^\\S+ \\S ${name}$`, 'm').test(text);
  assert.equal(api.linkApi, grep('dma_iova_try_alloc') && grep('dma_iova_link'));
  assert.equal(api.mapPhys, grep('dma_map_phys'));
  assert.deepEqual(kallsymsPresent(text, ['dma_map_sg_attrs']), grep('dma_map_sg_attrs') ? ['dma_map_sg_attrs'] : []);
});
