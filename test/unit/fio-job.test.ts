// fio parameters and argument arrays: validation catches typos, the arguments say exactly
// what the cell asked for, and a device read never goes out without --readonly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fioParamsSchema, type FioParams } from '../../collectors/fio/params.js';
import { buildFioArgs, escapeFioFilename } from '../../collectors/fio/job.js';

const opts = { outputFile: '/tmp/raw/fio-output.json', jobName: 'nvme-randread' };

function params(input: Record<string, unknown>): FioParams {
  return fioParamsSchema.parse(input);
}

test('defaults: iodepth 1, numjobs 1, io_uring, direct 1', () => {
  const p = params({ rw: 'randread', bs: '64k', runtime: 5 });
  assert.equal(p.iodepth, 1);
  assert.equal(p.numjobs, 1);
  assert.equal(p.ioengine, 'io_uring');
  assert.equal(p.direct, 1);
  assert.equal(p.rwmixread, undefined);
});

test('accepted values: fio size strings and byte counts, digit strings, booleans for direct', () => {
  for (const bs of ['4k', '64K', '1m', '4KiB', '512b', 4096, '4k-64k', '4k,64k']) {
    assert.equal(fioParamsSchema.safeParse({ rw: 'read', bs, runtime: 1 }).success, true, `bs=${bs}`);
  }
  const p = params({ rw: 'randrw', bs: '4k', iodepth: '8', numjobs: 2, size: '1g', direct: false, rwmixread: 70, ramp_time: 2 });
  assert.equal(p.iodepth, 8);
  assert.equal(p.direct, 0);
  assert.equal(p.rwmixread, 70);
});

test('rejected values name the field', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ rw: 'randreed', bs: '4k', runtime: 1 }, 'rw'],
    [{ rw: 'read', bs: '1.5k', runtime: 1 }, 'bs'], // fio 3.33 would silently do 1-byte I/O
    [{ rw: 'read', bs: '4q', runtime: 1 }, 'bs'],
    [{ rw: 'read', bs: 0, runtime: 1 }, 'bs'],
    [{ rw: 'read', bs: '4k', iodepth: 0, runtime: 1 }, 'iodepth'],
    [{ rw: 'read', bs: '4k', numjobs: 1.5, runtime: 1 }, 'numjobs'],
    [{ rw: 'read', bs: '4k', ioengine: 'io uring', runtime: 1 }, 'ioengine'],
    [{ rw: 'read', bs: '4k', ioengine: '--output=/etc/x', runtime: 1 }, 'ioengine'],
    [{ rw: 'randrw', bs: '4k', rwmixread: 101, runtime: 1 }, 'rwmixread'],
    [{ rw: 'read', bs: '4k', direct: 2, runtime: 1 }, 'direct'],
    [{ rw: 'read', bs: '4k' }, 'runtime'], // neither runtime nor size
    [{ rw: 'read', bs: '4k', runtime: 1, iodepht: 4 }, ''], // typo: unknown key
  ];
  for (const [input, field] of cases) {
    const r = fioParamsSchema.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    if (field) assert.ok(r.error!.issues.some((i) => i.path[0] === field), `${JSON.stringify(input)} -> ${JSON.stringify(r.error!.issues)}`);
    else assert.ok(r.error!.issues.some((i) => i.code === 'unrecognized_keys'));
  }
});

test('file target: json+ to the output file, group reporting, time based, file size', () => {
  const p = params({ rw: 'randread', bs: '64k', iodepth: 8, runtime: 10, ramp_time: 2 });
  const args = buildFioArgs(p, { kind: 'file', path: '/scratch/dmabench/a.fio', size: '1G' }, opts);
  assert.deepEqual(args, [
    '--output-format=json+',
    '--output=/tmp/raw/fio-output.json',
    '--group_reporting',
    '--eta=never',
    '--name=nvme-randread',
    '--filename=/scratch/dmabench/a.fio',
    '--rw=randread',
    '--bs=64k',
    '--ioengine=io_uring',
    '--iodepth=8',
    '--numjobs=1',
    '--direct=1',
    '--size=1G',
    '--runtime=10',
    '--time_based',
    '--ramp_time=2',
  ]);
  assert.ok(!args.includes('--readonly'), 'file targets are laid out by fio, so no --readonly');
});

test('size without runtime: an amount of I/O (io_size), not time based', () => {
  const p = params({ rw: 'randrw', bs: 4096, size: '256m', rwmixread: 70, numjobs: 4 });
  const args = buildFioArgs(p, { kind: 'file', path: '/scratch/b.fio', size: '1G' }, opts);
  assert.ok(args.includes('--io_size=256m'));
  assert.ok(args.includes('--size=1G'));
  assert.ok(args.includes('--bs=4096'));
  assert.ok(args.includes('--rwmixread=70'));
  assert.ok(args.includes('--numjobs=4'));
  assert.ok(!args.includes('--time_based'));
  assert.ok(!args.some((a) => a.startsWith('--runtime')));
});

test('device target: --readonly for reads, never for writes; no --size', () => {
  const dev = { kind: 'device' as const, path: '/dev/nvme0n1' };
  for (const rw of ['read', 'randread'] as const) {
    const args = buildFioArgs(params({ rw, bs: '64k', runtime: 5 }), dev, opts);
    assert.ok(args.includes('--readonly'), rw);
    assert.ok(args.includes('--filename=/dev/nvme0n1'));
    assert.ok(!args.some((a) => a.startsWith('--size=')));
  }
  for (const rw of ['write', 'randwrite', 'randrw', 'trim', 'trimwrite'] as const) {
    assert.ok(!buildFioArgs(params({ rw, bs: '64k', runtime: 5 }), dev, opts).includes('--readonly'), rw);
  }
});

test('a colon in the path is escaped, since fio splits filename on ":"', () => {
  assert.equal(escapeFioFilename('/dev/disk/by-path/pci-0000:00:04.0-nvme-1'), '/dev/disk/by-path/pci-0000\\:00\\:04.0-nvme-1');
  const args = buildFioArgs(params({ rw: 'read', bs: '4k', runtime: 1 }), { kind: 'device', path: '/dev/disk/by-path/pci-0000:00:04.0' }, opts);
  assert.ok(args.includes('--filename=/dev/disk/by-path/pci-0000\\:00\\:04.0'));
});

test('the real fio accepts the generated arguments (parse-only)', async () => {
  const { execa } = await import('execa');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const dir = await mkdtemp('/tmp/dmabench-fio-job-');
  const p = params({ rw: 'randrw', bs: '64k', iodepth: 4, numjobs: 2, runtime: 3, rwmixread: 70, ramp_time: 1, ioengine: 'psync' });
  const args = buildFioArgs(p, { kind: 'file', path: `${dir}/scratch.dat`, size: '8M' }, { outputFile: `${dir}/out.json`, jobName: 'j' });
  try {
    const r = await execa('fio', ['--parse-only', ...args], { reject: false });
    assert.equal(r.exitCode, 0, r.stderr);
    // A misspelt option is refused by the same check, so the check can fail.
    const bad = await execa('fio', ['--parse-only', ...args, '--iodepht=4'], { reject: false });
    assert.notEqual(bad.exitCode, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
