// How fast and how small `dmabench report` is on a pair shaped like configs/microbench.yaml
// (issue 13 item 10): 146 cells × 5 repetitions per side, derived from real dma_bench results by
// the collector's code (microbench-pair.ts says exactly how). Three figures, each against its
// target:
//
// - write: `dmabench report BASE CAND --out FILE` as a whole process, as a user runs it, from the
//   built CLI (`npm run build` first): the median wall time over --runs runs (≤ 3 s);
// - size: the HTML's bytes (no flame graph: these bundles have no perf-record pass) (< 3 MB);
// - interactive: headless Chromium (Debian's `chromium`, or DMABENCH_CHROMIUM, driven by
//   puppeteer-core as test/unit/report-browser.test.ts drives it) opens the page from file://;
//   time-to-interactive is the time from the navigation's start (performance.timeOrigin) to the
//   later of the two User Timing marks the page's own scripts set: the charts in view drawn
//   (reports/html/chart-script.ts CHARTS_IN_VIEW_MARK) and the table's first rows, filters,
//   sorting and expanding wired (table-script.ts TABLE_READY_MARK). Both scripts run after the
//   whole document is parsed, so the marks also bound parsing. The page goes on drawing the
//   other charts and building the other rows in short tasks; that it stays responsive meanwhile
//   is shown by the longest main-thread task after the interactive point (Long Tasks API), and
//   the time until everything is drawn and built (CHARTS_DRAWN_MARK, TABLE_BUILT_MARK) is shown
//   beside it. Checked each time, once everything is drawn: all four marks are there, every
//   chart's canvas has drawn pixels, and the page logged no error. The median over --runs fresh
//   pages of one browser (a fresh tab, the file in the page cache; first run shown apart), with
//   the load event's end beside it.
//
// Exits 1 when a figure misses its target, 2 when the CLI is not built or Chromium is missing.
//
// Usage: node --import tsx scripts/bench/report-speed.ts [--runs 5] [--seed 1] [--keep]
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHARTS_DRAWN_MARK, CHARTS_IN_VIEW_MARK } from '../../reports/html/chart-script.js';
import { TABLE_BUILT_MARK, TABLE_READY_MARK } from '../../reports/html/table-script.js';
import { median } from '../../reports/stats/descriptive.js';
import { packageRoot } from '../../core/version.js';
import { writeMicrobenchPair } from './microbench-pair.js';

const TARGET_WRITE_S = 3;
const TARGET_BYTES = 3 * 1024 * 1024;
const TARGET_INTERACTIVE_MS = 2000;
const cli = path.join(packageRoot, 'dist', 'cli', 'main.js');
const CHROMIUM = process.env.DMABENCH_CHROMIUM ?? '/usr/bin/chromium';
/** GNU time, for the CPU time of the report process (user + system), which the machine's load moves less than wall time. */
const GNU_TIME = '/usr/bin/time';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const runs = Math.max(1, Number(option('runs', '5')));
const seed = Number(option('seed', '1'));
const keep = process.argv.includes('--keep');

interface MainThread {
  task: number;
  script: number;
  layout: number;
  style: number;
}

interface PageTiming {
  interactiveMs: number;
  /** Navigation start to every chart drawn and every table row built. */
  everythingMs: number;
  loadEndMs: number;
  /** The longest main-thread task that started after the interactive point (0: none over 50 ms). */
  longestAfterMs: number;
  charts: number;
  undrawn: number;
  errors: string[];
  /** Chromium's main-thread time per kind (page.metrics(), seconds): where the time went, read when interactive and when everything was done. */
  atInteractive: MainThread;
  atEverything: MainThread;
}

async function mainThread(page: Page): Promise<MainThread> {
  const m = await page.metrics();
  return { task: m.TaskDuration ?? 0, script: m.ScriptDuration ?? 0, layout: m.LayoutDuration ?? 0, style: m.RecalcStyleDuration ?? 0 };
}

function marksSet(page: Page, names: string[]): Promise<unknown> {
  return page.waitForFunction((list: string[]) => list.every((n) => performance.getEntriesByName(n, 'mark').length > 0), { timeout: 120_000, polling: 20 }, names);
}

/** One fresh tab: open the page, wait for its marks, read them, check every canvas has pixels. */
async function timePage(browser: Browser, file: string): Promise<PageTiming> {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 1400, height: 1000 });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    // Every main-thread task over 50 ms, from the start (Long Tasks API; run before the page's own scripts, outside its CSP).
    await page.evaluateOnNewDocument(() => {
      const w = window as unknown as { dmabenchLongTasks: [number, number][] };
      w.dmabenchLongTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.dmabenchLongTasks.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
    const ready = [CHARTS_IN_VIEW_MARK, TABLE_READY_MARK];
    await marksSet(page, ready);
    const atInteractive = await mainThread(page);
    const done = [CHARTS_DRAWN_MARK, TABLE_BUILT_MARK];
    await marksSet(page, done);
    const atEverything = await mainThread(page);
    const read = await page.evaluate(
      (readyNames: string[], doneNames: string[]) => {
        // (Node's types, which this file is checked with, do not list the browser's 'navigation' entry type.)
        const nav = (performance.getEntriesByType as (type: string) => PerformanceEntry[])('navigation')[0] as PerformanceNavigationTiming;
        const canvases = [...document.querySelectorAll('figure.chart canvas')] as HTMLCanvasElement[];
        const undrawn = canvases.filter((c) => {
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) return false;
          return true;
        }).length;
        // startTime of a mark and of the navigation entry are both relative to the navigation's start.
        const interactive = Math.max(...readyNames.map((n) => performance.getEntriesByName(n, 'mark')[0]!.startTime));
        const long = (window as unknown as { dmabenchLongTasks: [number, number][] }).dmabenchLongTasks;
        const after = long.filter(([start]) => start >= interactive).map(([, d]) => d);
        return {
          interactiveMs: interactive - nav.startTime,
          everythingMs: Math.max(...doneNames.map((n) => performance.getEntriesByName(n, 'mark')[0]!.startTime)) - nav.startTime,
          loadEndMs: nav.loadEventEnd - nav.startTime,
          longestAfterMs: after.length > 0 ? Math.max(...after) : 0,
          charts: canvases.length,
          undrawn,
        };
      },
      ready,
      done,
    );
    return { ...read, errors, atInteractive, atEverything };
  } finally {
    await page.close();
  }
}

function seconds(list: number[]): string {
  return `median ${median(list).toFixed(2)} s over ${list.length} runs (min ${Math.min(...list).toFixed(2)}, max ${Math.max(...list).toFixed(2)})`;
}

try {
  await access(cli);
} catch {
  console.error(`${cli} is missing: run npm run build first`);
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: scripts/setup-host.sh installs it (Debian package chromium), or set DMABENCH_CHROMIUM`);
  process.exit(2);
}

const dir = await mkdtemp(path.join(tmpdir(), 'dmabench-report-speed-'));
let missed = false;
try {
  const pair = await writeMicrobenchPair(path.join(dir, 'bundles'), seed);
  console.log(pair.description);
  const out = path.join(dir, 'report.html');

  const times: number[] = [];
  const cpu: number[] = [];
  const timed = existsSync(GNU_TIME);
  for (let r = 0; r < runs; r++) {
    const report = [process.execPath, cli, 'report', pair.base, pair.cand, '--out', out];
    const start = performance.now();
    const run = timed
      ? await execa(GNU_TIME, ['-f', 'cpu %U %S', ...report], { reject: false })
      : await execa(report[0]!, report.slice(1), { reject: false });
    times.push((performance.now() - start) / 1000);
    if (run.exitCode !== 0) throw new Error(`report exited ${run.exitCode}: ${String(run.stderr)}`);
    const used = /^cpu ([\d.]+) ([\d.]+)$/m.exec(String(run.stderr));
    if (used) cpu.push(Number(used[1]) + Number(used[2]));
  }
  const writeS = median(times);
  const bytes = (await stat(out)).size;
  const cpuText = cpu.length > 0 ? `; CPU (user + system) median ${median(cpu).toFixed(2)} s` : '';
  console.log(`\nreport written: ${seconds(times)}${cpuText}; load average ${loadavg()[0]!.toFixed(1)} (target <= ${TARGET_WRITE_S} s)`);
  console.log(`HTML size: ${bytes} bytes, ${(bytes / 1024 / 1024).toFixed(2)} MiB (target < 3 MiB; no flame graph in these bundles)`);

  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const pages: PageTiming[] = [];
  try {
    for (let r = 0; r < runs + 1; r++) pages.push(await timePage(browser, out));
  } finally {
    await browser.close();
  }
  for (const p of pages) {
    if (p.errors.length > 0) throw new Error(`the page logged errors: ${p.errors.join('; ')}`);
    if (p.charts === 0 || p.undrawn > 0) throw new Error(`${p.undrawn} of ${p.charts} charts not drawn at the marks`);
  }
  // The first tab also pays for Chromium's first compile of chart.js; it is shown apart.
  const [first, ...rest] = pages;
  const interactive = rest.map((p) => p.interactiveMs);
  const interactiveMs = median(interactive);
  console.log(
    `time to interactive (navigation start to the charts in view drawn and the table wired, ${first!.charts} charts): median ${interactiveMs.toFixed(0)} ms ` +
      `over ${rest.length} tabs (min ${Math.min(...interactive).toFixed(0)}, max ${Math.max(...interactive).toFixed(0)}; first tab ${first!.interactiveMs.toFixed(0)} ms); ` +
      `load event end median ${median(rest.map((p) => p.loadEndMs)).toFixed(0)} ms; load average ${loadavg()[0]!.toFixed(1)} (target <= ${TARGET_INTERACTIVE_MS} ms)`,
  );
  console.log(
    `  after it: every chart drawn and every row built at median ${median(rest.map((p) => p.everythingMs)).toFixed(0)} ms; ` +
      `the longest main-thread task after the interactive point: median ${median(rest.map((p) => p.longestAfterMs)).toFixed(0)} ms, max ${Math.max(...rest.map((p) => p.longestAfterMs)).toFixed(0)} ms (0: none over 50 ms)`,
  );
  const busy = (at: 'atInteractive' | 'atEverything', key: keyof MainThread): string => `${(median(rest.map((p) => p[at][key])) * 1000).toFixed(0)} ms`;
  for (const [at, what] of [
    ['atInteractive', 'when interactive'],
    ['atEverything', 'when everything was drawn'],
  ] as const) {
    console.log(`  Chromium's main thread per tab ${what} (medians): tasks ${busy(at, 'task')}, of which script ${busy(at, 'script')}, layout ${busy(at, 'layout')}, style ${busy(at, 'style')}; the rest is mostly parsing the HTML`);
  }

  const misses: string[] = [];
  if (writeS > TARGET_WRITE_S) misses.push(`write ${writeS.toFixed(2)} s is ${(writeS - TARGET_WRITE_S).toFixed(2)} s over ${TARGET_WRITE_S} s`);
  if (bytes >= TARGET_BYTES) misses.push(`size ${bytes} bytes is ${bytes - TARGET_BYTES} over 3 MiB`);
  if (interactiveMs > TARGET_INTERACTIVE_MS) misses.push(`interactive ${interactiveMs.toFixed(0)} ms is ${(interactiveMs - TARGET_INTERACTIVE_MS).toFixed(0)} ms over ${TARGET_INTERACTIVE_MS} ms`);
  missed = misses.length > 0;
  console.log(missed ? `\ntarget missed: ${misses.join('; ')}` : `\nall targets met (write <= ${TARGET_WRITE_S} s, HTML < 3 MiB, interactive <= ${TARGET_INTERACTIVE_MS} ms)`);
} finally {
  if (keep) console.log(`bundles and report kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
process.exit(missed ? 1 : 0);
