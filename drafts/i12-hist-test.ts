// histogramPercentile over the histograms dma_bench exports (`hist`, format v2), on results read
// from the module in a lab guest (test/fixtures/dma_bench/README.md): every percentile the module
// printed comes out of its histogram again, so a report can draw and cut the same distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { histogramPercentile } from '../../collectors/microbench/histogram.js';
import { microbenchPhases } from '../../collectors/microbench/types.js';

const withHist = readdirSync(fixture('dma_bench')).filter((f) => f.startsWith('v2-') && readFileSync(fixture('dma_bench', f), 'utf8').includes('\nhist '));

test('every percentile the module printed is recomputed from its histogram', () => {
  assert.ok(withHist.length >= 4, `fixtures with histograms: ${withHist.join(', ')}`);
  let checked = 0;
  for (const name of withHist) {
    const r = parseMicrobenchResult(readFileSync(fixture('dma_bench', name), 'utf8'));
    for (const phase of microbenchPhases) {
      const s = r.all?.phases[phase];
      const h = r.histograms[phase];
      assert.ok(s && h, `${name} ${phase}`);
      assert.equal(h.count, s.count, `${name} ${phase}: one sample per count`);
      for (const [p, v] of [[0.5, s.p50], [0.9, s.p90], [0.99, s.p99], [0.999, s.p999]] as const) {
        assert.equal(histogramPercentile(h, p, s.min, s.max), v, `${name} ${phase} p${p * 100}`);
        checked++;
      }
      // Within its bucket's 0.4%: the first bucket holds the minimum, the last the maximum.
      assert.ok(h.buckets[0]!.low <= s.min && s.min < h.buckets[0]!.low + h.buckets[0]!.width);
      const last = h.buckets[h.buckets.length - 1]!;
      assert.ok(last.low <= s.max && s.max < last.low + last.width);
    }
  }
  assert.ok(checked >= 64);
});

test('a histogram that does not add up, or is out of order, is a ParseError', () => {
  const good = readFileSync(fixture('dma_bench', withHist[0]!), 'utf8');
  const line = good.split('\n').find((l) => l.startsWith('hist thread=all phase=map '))!;
  const count = Number(/ count=(\d+)/.exec(line)![1]);
  assert.throws(() => parseMicrobenchResult(good.replace(line, line.replace(` count=${count} `, ` count=${count + 1} `))), /holds \d+ samples, says count=/);
  const entries = line.split('buckets=')[1]!.split(',');
  if (entries.length > 1) {
    const swapped = [entries[1], entries[0], ...entries.slice(2)].join(',');
    assert.throws(() => parseMicrobenchResult(good.replace(line, `${line.split('buckets=')[0]}buckets=${swapped}`)), /rising/);
  }
  assert.throws(() => parseMicrobenchResult(good.replace(line, line.replace(/buckets=\d+/, 'buckets=x'))), /LOW:WIDTH:COUNT/);
});
