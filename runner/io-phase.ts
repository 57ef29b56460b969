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

  /** Switches the profiler on, unless it is or was on already; a call during a switch waits for it. */
  start(): Promise<void> {
    // No await before the state is checked and the switch recorded: two callers in the same tick
    // (two fio jobs) must not both switch.
    if (this.switching) return this.switching.then(() => this.start());
    if (this.current !== 'armed') return Promise.resolve();
    return this.track(
      this.profiler.on().then(() => {
        this.current = 'on';
        this.onAt = performance.now();
      }),
    );
  }

  /** Switches the profiler off if it is on; before any start, closes the window for good. */
  end(): Promise<void> {
    if (this.switching) return this.switching.catch(() => undefined).then(() => this.end());
    if (this.current !== 'on') {
      // Never on: nothing to switch off, and nothing may switch it on any more.
      this.current = 'off';
      return Promise.resolve();
    }
    return this.track(
      this.profiler.off().then(() => {
        this.current = 'off';
        this.offAt = performance.now();
      }),
    );
  }

  private track(p: Promise<void>): Promise<void> {
    const tracked = p.finally(() => {
      if (this.switching === tracked) this.switching = undefined;
    });
    this.switching = tracked;
    return tracked;
  }
}
