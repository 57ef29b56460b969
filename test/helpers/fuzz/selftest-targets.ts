// Broken stand-in parsers for the fuzz harness's own test (test/unit/fuzz-harness.test.ts): each
// misbehaves in one way the harness must catch. They read a real capture so cases look real.
import { ParseError } from '../../../model/parse-error.js';
import type { FuzzTarget, Seed } from './targets.js';
import { parserTargets } from './targets.js';

const seeds = (): Promise<Seed[]> => parserTargets.find((t) => t.name === 'dma_bench')!.seeds();

function target(name: string, run: FuzzTarget['run']): FuzzTarget {
  return { name, share: 1, seeds, run };
}

export const allTargets: FuzzTarget[] = [
  target('selftest:spin', async () => {
    for (;;) {
      // a parser stuck in a loop: only terminating the worker ends this
    }
  }),
  // Waiting for data that never comes (a stream nobody ends): a timer keeps the worker alive.
  target('selftest:never-settles', () => new Promise(() => setInterval(() => undefined, 60_000))),
  // A promise nobody will ever settle, with nothing else pending: the worker's event loop runs dry.
  target('selftest:dry', () => new Promise(() => undefined)),
  target('selftest:type-error', async ({ text }) => {
    if (text.length % 2 === 0) throw new ParseError('odd length wanted');
    throw new TypeError("Cannot read properties of undefined (reading 'phases')");
  }),
  target('selftest:nan', async () => [{ tool: 'microbench', measurements: [{ metric: 'map.mean', value: NaN, unit: 'ns', better: 'lower', role: 'descriptive' }] }]),
  target('selftest:exit', async () => process.exit(7)),
  target('selftest:fine', async () => [{ tool: 'microbench', measurements: [{ metric: 'map.mean', value: 12.5, unit: 'ns', better: 'lower', role: 'descriptive' }] }]),
];
