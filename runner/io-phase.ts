// The switch between a collector and the profiler of a profile pass (review M7): the profiler is
// set up before the workload, switched on when the collector says its I/O starts and off when it
// says it ended (model/workload-collector.ts IoPhase), once each. A collector that cannot mark its
// I/O phase gets the window switched around its whole run() instead, and the profiler is told
// which window it had.
import type { ActiveProfiler, ProfilerWindow } from '../model/profiler.js';
import type { IoPhase } from '../model/workload-collector.js';

export type IoPhaseState = 'armed' | 'on' | 'off';

export class IoPhaseWindow implements IoPhase {
  private current: IoPhaseState = 'armed';
  /** The switch in progress: a second start() (another fio job) waits for the first to finish. */
  private switching: Promise<void> | undefined;
  /** Milliseconds (performance.now()) at which the profiler was on and off, for the record. */
  onAt: number | undefined;
  offAt: number | undefined;

  constructor(
    private readonly profiler: Pick<ActiveProfiler, 'on' | 'off'>,
    /** The window this switch marks: the I/O phase, or the collector's whole run. */
    readonly window: ProfilerWindow,
  ) {}

  get state(): IoPhaseState {
    return this.current;
  }

  /** Whether the profiler was ever on. */
  get opened(): boolean {
    return this.onAt !== undefined;
  }

  async start(): Promise<void> {
    await this.switching;
    if (this.current !== 'armed') return;
    this.switching = this.profiler.on().then(() => {
      this.current = 'on';
      this.onAt = performance.now();
    });
    try {
      await this.switching;
    } finally {
      this.switching = undefined;
    }
  }

  async end(): Promise<void> {
    await this.switching;
    if (this.current !== 'on') {
      // Never on: nothing to switch off, and nothing may switch it on any more.
      this.current = 'off';
      return;
    }
    this.switching = this.profiler.off().then(() => {
      this.current = 'off';
      this.offAt = performance.now();
    });
    try {
      await this.switching;
    } finally {
      this.switching = undefined;
    }
  }
}
