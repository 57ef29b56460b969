// Unit conversions compare applies before testing (review M4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conversionFactor } from '../../reports/compare/units.js';

test('known conversions: rates, bandwidths (bytes and bits), times', () => {
  assert.equal(conversionFactor('KIOPS', 'IOPS'), 1000);
  assert.equal(conversionFactor('IOPS', 'KIOPS'), 0.001);
  assert.equal(conversionFactor('MiB/s', 'KiB/s'), 1024);
  assert.equal(conversionFactor('GiB/s', 'MiB/s'), 1024);
  assert.equal(conversionFactor('MB/s', 'MiB/s'), 1e6 / 1048576);
  // 1 Gb/s = 125 MB/s = 119.2 MiB/s (perftest's report_gbits against its default MiB/s).
  assert.equal(conversionFactor('Gb/s', 'MB/s'), 125);
  assert.ok(Math.abs(conversionFactor('Gb/s', 'MiB/s')! - 119.20928955078125) < 1e-12);
  assert.equal(conversionFactor('us', 'ns'), 1000);
  assert.equal(conversionFactor('ms', 'us'), 1000);
  assert.equal(conversionFactor('ns', 'ms'), 1e-6);
  assert.equal(conversionFactor('calls/IO', 'calls/IO'), 1);
});

test('no conversion across families or for unknown units', () => {
  assert.equal(conversionFactor('IOPS', 'MiB/s'), null);
  assert.equal(conversionFactor('ns', 'IOPS'), null);
  assert.equal(conversionFactor('%', 'us/IO'), null);
  assert.equal(conversionFactor('Mpps', 'Gb/s'), null);
});
