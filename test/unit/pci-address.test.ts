import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPciAddress } from '../../model/pci-address.js';
import { validateCellParams } from '../../runner/registry.js';

test('PCI addresses: four-digit domains and VMD\'s wider ones; nothing else', () => {
  for (const ok of ['0000:00:03.0', '0000:af:00.7', '10000:e1:00.0', 'ABCD:01:1f.2']) assert.ok(isPciAddress(ok), ok);
  for (const bad of ['00:03.0', '000:00:03.0', '0000:00:03.8', '0000:0:03.0', '0000:00:03.0\n', '../0000:00:03.0', '123456789:00:00.0']) assert.ok(!isPciAddress(bad), JSON.stringify(bad));
});

test('a microbench cell accepts a device behind a VMD domain', () => {
  const cell = { api: 'link', size: '64k', segs: 16 };
  assert.deepEqual(validateCellParams('microbench', { ...cell, device: '10000:e1:00.0' }), []);
  assert.deepEqual(validateCellParams('microbench', { ...cell, device: '0000:00:03' }).map((i) => i.path.join('.')), ['device']);
});
