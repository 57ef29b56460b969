// Seeded generators and the percent change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32 } from '../../reports/stats/prng.js';
import { lognormalSigma, standardNormal } from '../../reports/stats/lognormal.js';
import { pctChange } from '../../reports/stats/bootstrap.js';

test('mulberry32 is reproducible, seed-dependent and uniform in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const seqA = Array.from({ length: 1000 }, a);
  assert.deepEqual(Array.from({ length: 1000 }, b), seqA);
  assert.notDeepEqual(Array.from({ length: 1000 }, c), seqA);
  assert.ok(seqA.every((v) => v >= 0 && v < 1));
  const m = seqA.reduce((s, v) => s + v, 0) / seqA.length;
  assert.ok(Math.abs(m - 0.5) < 0.05, `mean of 1000 uniforms ${m}`);
});

test('deriveSeed depends on both the seed and the key', () => {
  assert.equal(deriveSeed(1, 'a|b|c'), deriveSeed(1, 'a|b|c'));
  assert.notEqual(deriveSeed(1, 'a|b|c'), deriveSeed(2, 'a|b|c'));
  assert.notEqual(deriveSeed(1, 'a|b|c'), deriveSeed(1, 'a|b|d'));
});

test('pctChange', () => {
  assert.equal(pctChange(200, 210), 5);
  assert.equal(pctChange(-200, -210), -5);
  assert.equal(pctChange(0, 0), 0);
  assert.equal(pctChange(0, 3), Infinity);
});

test('standardNormal: mean 0, variance 1; lognormalSigma gives the asked CoV', () => {
  const random = mulberry32(7);
  const draws = Array.from({ length: 20000 }, () => standardNormal(random));
  const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
  const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws.length - 1);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  const sigma = lognormalSigma(0.02);
  const values = draws.map((z) => Math.exp(sigma * z));
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
  assert.ok(Math.abs(sd / m - 0.02) < 0.001, `CoV ${sd / m}`);
});
