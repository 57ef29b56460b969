// core/cpu: /proc/stat parsed from real captures (test/fixtures/proc-stat/README.md), the busy time
// between two readings, USER_HZ from getconf, and live readings of this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { busyBetween, busyResolved, MIN_BUSY_TICKS, parseProcStat } from '../../core/cpu/proc-stat.js';
import { busyWindow, clockTicksPerSecond, readCpuTimes } from '../../core/cpu/busy-window.js';
import { ParseError } from '../../model/parse-error.js';

const read = (dir: string, name: string) => readFileSync(fixture('proc-stat', 'devvm-6.18.44', dir, name), 'utf8');
const wallMs = (dir: string) => Number(read(dir, 'wall-us.txt')) / 1000;
const hz = (dir: string) => Number(read(dir, 'getconf-clk-tck.txt'));

/** The `cpu` line's counters, split by hand (the parser's answer is checked against this). */
function cpuLine(text: string): number[] {
  const line = text.split('\n').find((l) => l.startsWith('cpu '))!;
  return line.split(/\s+/).slice(1).filter(Boolean).map(Number);
}

test('parses the cpu line and the online CPUs of a real /proc/stat', () => {
  const text = read('sleep-2', 'before.txt');
  const s = parseProcStat(text);
  assert.deepEqual(s.online, [0, 1]);
  const [user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice] = cpuLine(text);
  assert.deepEqual(s.all, { user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice });
  // Pinned from the file: tick-based accounting never samples hard-interrupt time on this kernel.
  assert.equal(s.all.user, 1572991);
  assert.equal(s.all.irq, 0);
});

test('bad /proc/stat text is a ParseError naming the problem', () => {
  const text = read('sleep-2', 'before.txt');
  assert.throws(() => parseProcStat(read('sleep-2', 'uname.txt')), (e: unknown) => e instanceof ParseError && /no "cpu" line/.test(e.message));
  assert.throws(() => parseProcStat(text.replace(/^cpu {2}(\d+)/m, 'cpu  x$1')), (e: unknown) => e instanceof ParseError && /counter user is not a tick count/.test(e.message));
  assert.throws(() => parseProcStat(text.replace(/^cpu {2}.*$/m, 'cpu  1 2')), (e: unknown) => e instanceof ParseError && /expected 4 to 10 counters/.test(e.message));
  assert.throws(() => parseProcStat(text.split('\n').filter((l) => !/^cpu\d/.test(l)).join('\n')), (e: unknown) => e instanceof ParseError && /no per-CPU/.test(e.message));
  assert.throws(() => parseProcStat(text.replace(/^cpu0 /m, 'cpuX ')), ParseError);
});

for (const dir of ['sleep-2', 'fio-iouring-randread']) {
  test(`busy time over a real window (${dir}): wall x CPUs - idle - iowait - steal, the sampled sum beside it`, () => {
    const before = parseProcStat(read(dir, 'before.txt'));
    const after = parseProcStat(read(dir, 'after.txt'));
    const b = busyBetween(before, after, wallMs(dir), hz(dir));
    const d = cpuLine(read(dir, 'after.txt')).map((v, i) => v - cpuLine(read(dir, 'before.txt'))[i]!);
    assert.equal(b.clkTck, 100);
    assert.equal(b.cpus, 2);
    assert.equal(b.cpusChanged, false);
    assert.ok(Math.abs(b.capacityTicks - (wallMs(dir) / 1000) * 100 * 2) < 1e-9);
    assert.equal(b.idleTicks, d[3]! + d[4]!);
    assert.equal(b.stealTicks, d[7]!);
    assert.ok(Math.abs(b.busyTicks - (b.capacityTicks - d[3]! - d[4]! - d[7]!)) < 1e-9);
    assert.equal(b.sampledTicks, d[0]! + d[1]! + d[2]! + d[5]! + d[6]!);
    assert.equal(b.busySeconds, b.busyTicks / 100);
    // Accounting cannot find more time than the wall clock gave (the readings round to a tick each).
    assert.ok(b.sampledTicks + b.idleTicks + b.stealTicks <= b.capacityTicks + 2, `${b.sampledTicks} + ${b.idleTicks} + ${b.stealTicks} > ${b.capacityTicks}`);
    assert.ok(b.busyTicks >= b.sampledTicks - 2);
    assert.equal(busyResolved(b), b.busyTicks >= MIN_BUSY_TICKS);
  });
}

test('a CPU going offline between the readings: capacity unknown, the figure not resolved', () => {
  const before = parseProcStat(read('sleep-2', 'before.txt'));
  const afterText = read('sleep-2', 'after.txt').split('\n').filter((l) => !l.startsWith('cpu1 ')).join('\n');
  const b = busyBetween(before, parseProcStat(afterText), wallMs('sleep-2'), 100);
  assert.equal(b.cpusChanged, true);
  assert.ok(b.busyTicks >= MIN_BUSY_TICKS, 'enough ticks: only the CPU change makes it unresolved');
  assert.equal(busyResolved(b), false);
});

test(`fewer than ${MIN_BUSY_TICKS} busy ticks: not resolved`, () => {
  const b = busyBetween(parseProcStat(read('sleep-2', 'before.txt')), parseProcStat(read('sleep-2', 'after.txt')), wallMs('sleep-2'), 100);
  const coarse = { ...b, busyTicks: MIN_BUSY_TICKS - 1, busySeconds: (MIN_BUSY_TICKS - 1) / 100 };
  assert.equal(busyResolved(coarse), false);
  assert.equal(busyResolved(b), true);
});

test('USER_HZ comes from getconf CLK_TCK', async () => {
  const fromGetconf = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  assert.deepEqual(await clockTicksPerSecond(), { hz: fromGetconf, source: 'getconf' });
});

test("this machine's /proc/stat, read twice 300 ms apart: a window of plausible size", async () => {
  const ticks = await clockTicksPerSecond();
  const a = readCpuTimes();
  await new Promise((r) => setTimeout(r, 300));
  const b = readCpuTimes();
  const w = busyWindow(a, b, ticks);
  assert.ok(w.busy.wallMs >= 290 && w.busy.wallMs < 2000, `${w.busy.wallMs} ms`);
  assert.equal(w.busy.cpus, a.stat.online.length);
  // Busy and idle share the window's capacity, to a tick or two of rounding per reading.
  assert.ok(w.busy.busyTicks >= 0 && w.busy.busyTicks <= w.busy.capacityTicks, JSON.stringify(w.busy));
  assert.ok(w.busy.idleTicks + w.busy.stealTicks <= w.busy.capacityTicks + 2, JSON.stringify(w.busy));
  assert.deepEqual(w.before, a.cpuLines);
  assert.ok(w.before[0]!.startsWith('cpu '));
});
