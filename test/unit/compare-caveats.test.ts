// What a comparison's numbers do not measure, said in its legend: ib_write_bw over Soft-RoCE never
// reaches the DMA API. The bundle is a real one from the lab (test/fixtures/bundles/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../core/bundle/read.js';
import { compareBundles } from '../../reports/compare/compare.js';
import { renderText } from '../../reports/render/text.js';
import { renderMarkdown } from '../../reports/render/markdown.js';
import { renderJson } from '../../reports/render/json.js';
import { fixture } from '../helpers/paths.js';

test('a bundle of ib_write_bw over Soft-RoCE: every format says its numbers are not DMA mapping', async () => {
  const rxe = await readBundle(fixture('bundles', 'lab-rxe-7.2'));
  // The profile pass of this very bundle is the evidence: no DMA API call, no iommu:map event.
  const calls = rxe.samples.filter((s) => s.pass === 'profile:ftrace' && (s.metric.endsWith('.calls') || s.metric.startsWith('iommu.')));
  assert.ok(calls.length > 20, `${calls.length} call-count samples`);
  for (const s of calls) assert.ok(s.value === null || s.value === 0, `${s.metric} = ${s.value}`);

  const c = compareBundles([rxe, rxe]);
  assert.deepEqual(c.caveats.map((v) => v.term), ['Soft-RoCE']);
  assert.match(renderText(c), /Soft-RoCE[\s\S]*maps nothing through the DMA API/);
  assert.match(renderMarkdown(c), /\*\*Soft-RoCE\*\*: Soft-RoCE \(rxe\) maps nothing through the DMA API/);
  assert.equal((JSON.parse(renderJson(c)) as { caveats: { term: string }[] }).caveats[0]!.term, 'Soft-RoCE');
  for (const line of renderText(c).split('\n')) assert.ok(line.length <= 78, line);
});

test('bundles without an RDMA workload carry no Soft-RoCE caveat', async () => {
  const a = await readBundle(fixture('bundles', 'lab-profile-schema2-6.12'));
  const b = await readBundle(fixture('bundles', 'lab-profile-schema2-7.2'));
  assert.deepEqual(compareBundles([a, b]).caveats, []);
  assert.doesNotMatch(renderText(compareBundles([a, b])), /Soft-RoCE/);
});
