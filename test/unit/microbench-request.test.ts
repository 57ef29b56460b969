// formatMicrobenchRequest: the line written to the module's debugfs `run` file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMicrobenchRequest } from '../../collectors/microbench/request.js';

test('writes key=value pairs in a fixed order and leaves omitted keys to the module', () => {
  assert.equal(
    formatMicrobenchRequest({ api: 'link', size: 65536, segs: 16, dir: 'to_device', threads: 2, iters: 2000, warmup: 200, layout: 'scattered' }),
    'api=link size=65536 segs=16 dir=to_device threads=2 iters=2000 warmup=200 layout=scattered',
  );
  assert.equal(formatMicrobenchRequest({ api: 'sg', size: 8192, segs: 2 }), 'api=sg size=8192 segs=2');
});

test('refuses numbers the module could not read', () => {
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: -1, segs: 1 }), RangeError);
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: 4096.5, segs: 1 }), RangeError);
  assert.throws(() => formatMicrobenchRequest({ api: 'sg', size: 4096, segs: 1, iters: Number.NaN }), RangeError);
});
