// `trace` / `trace_pipe` text parsing on tracepoint captures from this machine (kernel 6.18, nop
// tracer + syscalls events: the function tracer is refused here, see test/fixtures/ftrace/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseFunctionTrace } from '../../collectors/ftrace/function-trace.js';
import { parseTraceRecord } from '../../collectors/ftrace/trace-line.js';

const read = (name: string): string => fs.readFileSync(fixture('ftrace', name), 'utf8');
const records = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('CPU:'));

for (const name of ['trace-events-irqinfo.txt', 'trace-events-noirqinfo-tgid.txt', 'trace-overwritten.txt', 'trace-pipe-lost.txt']) {
  test(`${name}: every record parsed, syscall events counted per name`, async () => {
    const text = read(name);
    const lines = records(text);
    const r = await parseFunctionTrace(fs.createReadStream(fixture('ftrace', name)));
    assert.equal(r.records, lines.length);
    assert.equal(r.unparsed, 0);
    const enter = lines.filter((l) => /: sys_read\(/.test(l)).length;
    const exit = lines.filter((l) => /: sys_read -> /.test(l)).length;
    assert.ok(enter > 0 && exit > 0);
    assert.equal(r.events.get('sys_read'), enter);
    assert.equal(r.events.get('sys_read->'), exit);
    assert.equal(r.calls.size, 0, 'no function tracer records in an events-only trace');
  });
}

test('record prefix: task names with dashes, pid, cpu, flags, tgid column', () => {
  const irq = records(read('trace-events-irqinfo.txt'));
  const tgid = records(read('trace-events-noirqinfo-tgid.txt'));
  for (const line of [...irq, ...tgid]) {
    const rec = parseTraceRecord(line);
    assert.ok(rec, line);
    // The task-pid column is the first token(s) before `[cpu]` or `(tgid)`.
    const head = line.trim().split(/\s+\(|\s+\[/)[0] ?? '';
    assert.equal(`${rec.task}-${rec.pid}`, head);
    assert.equal(rec.cpu, Number(/\[(\d+)\]/.exec(line)?.[1]));
    assert.equal(rec.timestamp, Number(/(\d+\.\d+):/.exec(line)?.[1]));
  }
  assert.ok(irq.every((l) => parseTraceRecord(l)?.flags !== undefined), 'irq-info flags present');
  assert.ok(tgid.every((l) => parseTraceRecord(l)?.flags === undefined), 'no flags with noirq-info');
  assert.ok([...irq, ...tgid].some((l) => parseTraceRecord(l)?.task === 'qemu-system-x86'), 'a task name with dashes');
});

test('header: tracer and entries-in-buffer/entries-written', async () => {
  const text = read('trace-events-irqinfo.txt');
  const m = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(text);
  assert.ok(m);
  const r = await parseFunctionTrace(text);
  assert.equal(r.health.tracer, 'nop');
  assert.equal(r.health.entriesInBuffer, Number(m[1]));
  assert.equal(r.health.entriesWritten, Number(m[2]));
  assert.equal(r.health.overwritten, 0);
  assert.equal(r.records, Number(m[1]), 'every entry in the buffer was printed');
});

test('overrun: a wrapped buffer reports overwritten entries and the CPU whose buffer restarted', async () => {
  const text = read('trace-overwritten.txt');
  const [inBuf, written] = (/entries-written: (\d+)\/(\d+)/.exec(text) ?? []).slice(1).map(Number);
  assert.ok(inBuf !== undefined && written !== undefined && written > inBuf);
  const r = await parseFunctionTrace(text);
  assert.equal(r.health.overwritten, written - inBuf);
  const started = [...text.matchAll(/^#+ CPU (\d+) buffer started/gm)].map((x) => Number(x[1]));
  assert.ok(started.length > 0);
  assert.deepEqual(r.health.bufferStartedCpus, started);
});

test('trace_pipe: CPU:N [LOST M EVENTS] markers are summed per CPU', async () => {
  const text = read('trace-pipe-lost.txt');
  const markers = [...text.matchAll(/CPU:(\d+) \[LOST (\d+) EVENTS\]/g)];
  assert.ok(markers.length > 0);
  const r = await parseFunctionTrace(text);
  assert.equal(r.health.lostEvents, markers.reduce((s, x) => s + Number(x[2]), 0));
  for (const x of markers) assert.ok((r.health.lostByCpu.get(Number(x[1])) ?? 0) >= Number(x[2]));
});
