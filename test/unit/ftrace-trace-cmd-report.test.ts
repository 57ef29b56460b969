// trace-cmd report text of tracepoint records (trace-cmd 3.1.6 extract + report on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseTraceCmdReport } from '../../collectors/ftrace/trace-cmd-report.js';

test('trace-cmd report: every record counted under its event name, preamble skipped', async () => {
  const text = fs.readFileSync(fixture('ftrace', 'trace-cmd-report-events.txt'), 'utf8');
  const recordLines = text.split('\n').filter((l) => /\[\d+\]\s+\d+\.\d+: \w+:/.test(l));
  const expected = new Map<string, number>();
  for (const l of recordLines) {
    const name = /\d+\.\d+: (\w+):/.exec(l)?.[1] ?? '?';
    expected.set(name, (expected.get(name) ?? 0) + 1);
  }
  const r = await parseTraceCmdReport(fs.createReadStream(fixture('ftrace', 'trace-cmd-report-events.txt')));
  assert.equal(r.records, recordLines.length);
  assert.equal(r.unparsed, 0);
  assert.deepEqual(r.events, expected);
  assert.ok((r.events.get('sched_switch') ?? 0) > 0);
  assert.equal(r.functions.calls.size, 0);
  assert.equal(r.iommu.map.count, 0);
});
