// The parsers the fuzz test drives, each with the real fixtures its cases are mutated from and the
// Measurements it gives for a text: the parser plus the measurement function the runner or
// `dmabench ingest` calls after it, on text in memory. The `ingest:` targets go through the file
// level instead (collectors/ingest.ts: detection, gunzip, the per-tool ingest), on fewer cases.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import type { Measurement } from '../../../model/measurement.js';
import { fixture } from '../paths.js';
import { parseFioOutput } from '../../../core/text/fio-output.js';
import { fioMeasurements } from '../../../collectors/fio/metrics.js';
import { parsePerfStat } from '../../../collectors/perf/stat-parse.js';
import { perfStatMeasurements } from '../../../collectors/perf/stat-measurements.js';
import { foldPerfScript } from '../../../collectors/perf/script-fold.js';
import { diffFolded, parseFolded, parseFoldedDiff, serializeFolded, serializeFoldedDiff, total } from '../../../core/text/folded-stacks.js';
import { summarizeTrace, traceMeasurements } from '../../../collectors/ftrace/trace-summary.js';
import { parseTraceCmdReport, traceCmdSummary } from '../../../collectors/ftrace/trace-cmd-report.js';
import { parsePerftestJson, parsePerftestText } from '../../../collectors/perftest/parse.js';
import { perftestMeasurements } from '../../../collectors/perftest/metrics.js';
import { parseMicrobenchResult } from '../../../collectors/microbench/parse.js';
import { microbenchMeasurements } from '../../../collectors/microbench/metrics.js';
import { ingestFile } from '../../../collectors/ingest.js';
import { measure } from '../../../collectors/metric-spec.js';
import { PERF_METRICS } from '../../../collectors/perf/metrics.js';

/** A real capture a case starts from. */
export interface Seed {
  name: string;
  text: string;
  /** The file was gzip-compressed (the file-level cases compress their copy again). */
  gzip?: boolean;
}

/** One mutated input: text for the in-memory parsers; the file-level cases may carry bytes. */
export interface FuzzInput {
  text: string;
  /** What to write to the file instead of `text` (gzip-compressed, possibly damaged). */
  bytes?: Buffer;
  /** A fresh path for file-level cases (the extension tells nothing: ingest detects by content). */
  file: string;
}

/** Measurements and the tool they are attributed to (it selects a few plausibility families). */
export interface ParsedOutput {
  tool: string;
  measurements: Measurement[];
}

export interface FuzzTarget {
  name: string;
  /** Cases per run, relative to the configured count (file-level targets run fewer). */
  share: number;
  seeds(): Promise<Seed[]>;
  /** Parses one input; throws ParseError for bad input, anything else is a finding. */
  run(input: FuzzInput): Promise<ParsedOutput[]>;
}

/** An in-memory target: one parser and its measurement function. */
function parser(name: string, tool: string, seeds: () => Promise<Seed[]>, parse: (text: string) => Promise<Measurement[]>): FuzzTarget {
  return { name, share: 1, seeds, run: async ({ text }) => [{ tool, measurements: await parse(text) }] };
}

/** Every file of a fixture folder (recursively) whose name matches, READMEs and scripts aside. */
function fixtureFiles(dir: string, match: RegExp): string[] {
  const root = fixture(dir);
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (match.test(e.name) && !/^README|\.(sh|ts)$/.test(e.name)) out.push(p);
    }
  };
  walk(root);
  if (out.length === 0) throw new Error(`no fixtures matching ${match} under ${root}`);
  return out;
}

async function readSeeds(files: string[]): Promise<Seed[]> {
  return files.map((f) => {
    const raw = fs.readFileSync(f);
    const gzip = f.endsWith('.gz');
    return { name: path.relative(fixture(), f), text: (gzip ? gunzipSync(raw) : raw).toString('utf8'), gzip };
  });
}

const fioFiles = () => [...fixtureFiles('fio', /\.(json|txt)$/), ...fixtureFiles('ftrace', /^fio-.*\.json$/)];
const perfStatCsvFiles = () => fixtureFiles('perf', /^stat-.*\.csv$/);
const perfStatJsonFiles = () => fixtureFiles('perf', /^stat-.*\.jsonl$/);
const perfScriptFiles = () => fixtureFiles('perf', /^script-.*\.txt$/);
const functionTraceFiles = () => [...fixtureFiles('ftrace', /^(function|function-noirqinfo|iommu-events)\.txt$/), ...fixtureFiles('ftrace', /^trace-(events|overwritten|pipe).*\.txt$/)];
const functionGraphFiles = () => fixtureFiles('ftrace', /^fgraph-.*\.txt$/);
const traceCmdFiles = () => fixtureFiles('ftrace', /^trace-cmd-.*\.txt(\.gz)?$/);
const perftestTextFiles = () => fixtureFiles('perftest', /\.txt$/);
const perftestJsonFiles = () => fixtureFiles('perftest', /\.json$/);
const dmaBenchFiles = () => fixtureFiles('dma_bench', /\.txt$/);

/** Folded stacks are what dmabench itself writes (stacks.folded): fold the real perf script captures. */
async function foldedSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const s of await readSeeds(perfScriptFiles())) seeds.push({ name: `${s.name} (folded)`, text: serializeFolded((await foldPerfScript(s.text, { weight: 'samples' })).stacks) });
  return seeds;
}

/** difffolded-style diffs between pairs of folded real captures. */
async function foldedDiffSeeds(): Promise<Seed[]> {
  const folded = await Promise.all((await readSeeds(perfScriptFiles())).map(async (s) => ({ name: s.name, stacks: (await foldPerfScript(s.text, { weight: 'samples' })).stacks })));
  const seeds: Seed[] = [];
  for (const a of folded) {
    for (const b of folded) {
      if (a !== b) seeds.push({ name: `${a.name} vs ${b.name} (diff)`, text: serializeFoldedDiff(diffFolded(a.stacks, b.stacks, { normalize: true })) });
    }
  }
  return seeds;
}

/** What the ftrace profiler passes: the I/O count and the functions it asked for. */
const traceOpts = { ios: 1000, traced: ['dma_iova_link', 'dma_map_sg_attrs', '__iommu_map'], iommuEvents: true };

/** A stack count map as figures the plausibility check sees (a count each). */
function stackFigures(prefix: string, stacks: Map<string, number>): Measurement[] {
  return [...stacks].map(([stack, count]) => ({ metric: `${prefix}[${stack}]`, value: count, unit: 'count', better: 'none', role: 'informational' }));
}

export const parserTargets: FuzzTarget[] = [
  parser('fio', 'fio', () => readSeeds(fioFiles()), async (text) => fioMeasurements(parseFioOutput(text, 'fuzz'))),
  parser('perf-stat-csv', 'perf-stat', () => readSeeds(perfStatCsvFiles()), async (text) => perfStatMeasurements(parsePerfStat(text), { ios: 1000 })),
  parser('perf-stat-json', 'perf-stat', () => readSeeds(perfStatJsonFiles()), async (text) => perfStatMeasurements(parsePerfStat(text), { ios: 1000 })),
  parser('perf-script', 'perf-record', () => readSeeds(perfScriptFiles()), async (text) => {
    // What the perf-record profiler does: fold, count samples, write stacks.folded, which the
    // flame graph later reads back; what it writes must read back as the same stacks.
    const r = await foldPerfScript(text, { weight: 'samples' });
    // A ParseError here is not bad input being refused: it is dmabench unable to read its own file.
    const back = await parseFolded(serializeFolded(r.stacks)).catch((e: unknown) => {
      throw new Error(`stacks.folded written from this perf script does not read back: ${(e as Error).message}`);
    });
    if (back.size !== r.stacks.size || [...r.stacks].some(([k, v]) => back.get(k) !== v)) {
      throw new Error('stacks.folded written from this perf script does not read back as the same stacks');
    }
    return [measure('perf.samples', r.samples, PERF_METRICS.samples), ...stackFigures('stacks', r.stacks)];
  }),
  parser('folded', 'perf-record', foldedSeeds, async (text) => {
    const stacks = await parseFolded(text);
    return [measure('perf.samples', total(stacks), PERF_METRICS.samples), ...stackFigures('stacks', stacks)];
  }),
  parser('folded-diff', 'perf-record', foldedDiffSeeds, async (text) =>
    [...(await parseFoldedDiff(text))].flatMap(([stack, e]): Measurement[] => [
      { metric: `count1[${stack}]`, value: e.count1, unit: 'count', better: 'none', role: 'informational' },
      { metric: `count2[${stack}]`, value: e.count2, unit: 'count', better: 'none', role: 'informational' },
    ]),
  ),
  parser('ftrace-function', 'ftrace', () => readSeeds(functionTraceFiles()), async (text) => traceMeasurements(await summarizeTrace(text, 'function'), traceOpts)),
  parser('ftrace-function-graph', 'ftrace', () => readSeeds(functionGraphFiles()), async (text) => traceMeasurements(await summarizeTrace(text, 'function_graph'), traceOpts)),
  parser('trace-cmd-report', 'ftrace', () => readSeeds(traceCmdFiles()), async (text) => traceMeasurements(traceCmdSummary(await parseTraceCmdReport(text)), traceOpts)),
  parser('perftest-text', 'ib_write_bw', () => readSeeds(perftestTextFiles()), async (text) => {
    const r = parsePerftestText(text, 'fuzz');
    return perftestMeasurements(r.rows, r.bwUnit);
  }),
  parser('perftest-json', 'ib_write_bw', () => readSeeds(perftestJsonFiles()), async (text) => perftestMeasurements(parsePerftestJson(text, 'fuzz').rows, 'MiB/s')),
  parser('dma_bench', 'microbench', () => readSeeds(dmaBenchFiles()), async (text) => microbenchMeasurements(parseMicrobenchResult(text))),
];

/**
 * `dmabench ingest FILE` and `dmabench ingest --tool T FILE` on a mutated copy written to disk:
 * detection, the gzip layer, the streaming readers and each tool's ingest. Both calls must end in
 * plausible measurements or a ParseError.
 */
function ingestTarget(tool: string, seeds: () => Promise<Seed[]>): FuzzTarget {
  return {
    name: `ingest:${tool}`,
    share: 0.1,
    seeds,
    run: async ({ text, bytes, file }) => {
      fs.writeFileSync(file, bytes ?? text);
      // Detection may pick another tool's parser: its measurements are judged as that tool's.
      return [await ingestFile(file), await ingestFile(file, tool)].map((r) => ({ tool: r.tool, measurements: r.measurements }));
    },
  };
}

export const ingestTargets: FuzzTarget[] = [
  ingestTarget('fio', () => readSeeds(fioFiles())),
  ingestTarget('perf-stat', () => readSeeds(perfStatCsvFiles())),
  ingestTarget('perf-stat-json', () => readSeeds(perfStatJsonFiles())),
  ingestTarget('perf-script', () => readSeeds(perfScriptFiles())),
  ingestTarget('folded', foldedSeeds),
  ingestTarget('ftrace', () => readSeeds(functionTraceFiles())),
  ingestTarget('ftrace-graph', () => readSeeds(functionGraphFiles())),
  ingestTarget('trace-cmd', () => readSeeds(traceCmdFiles())),
  ingestTarget('ib_write_bw', () => readSeeds([...perftestTextFiles(), ...perftestJsonFiles()])),
];

export const allTargets: FuzzTarget[] = [...parserTargets, ...ingestTargets];

export function gzip(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'));
}
