// The signals that ask dmabench to stop, and what it does with each one in turn. SIGHUP is one of
// them: it is what a closed ssh session or terminal sends, and its default action would kill us
// with the device still borrowed, the module loaded and tracefs changed.
import { killAllChildren } from './tree.js';

export const TERMINATION_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type TerminationSignal = (typeof TERMINATION_SIGNALS)[number];

export interface InterruptOptions {
  /** The first signal: stop gracefully (abort the work; children get SIGTERM, then SIGKILL after their grace). */
  onFirst: (signal: TerminationSignal) => void;
  /** Where the messages go. */
  log: (line: string) => void;
  /** What the clean-up does, for the message after the second signal. */
  cleanup: string;
}

/**
 * First signal: onFirst (the caller aborts and cleans up). Second: every child and its tree gets
 * SIGKILL at once, and the clean-up still runs before the process exits. Third: exit 130 at
 * once, saying the clean-up was cut short (a hung clean-up must not trap the user; synchronous
 * `exit` hooks such as the tracefs restore still run). Returns a function that removes the handlers.
 */
export function onTerminationSignals(opts: InterruptOptions): () => void {
  let count = 0;
  const handler = (signal: TerminationSignal): void => {
    count++;
    if (count === 1) {
      opts.onFirst(signal);
    } else if (count === 2) {
      opts.log(`${signal} again: killing every child process now (SIGKILL); ${opts.cleanup} before exiting (a third signal exits at once)`);
      killAllChildren();
    } else {
      opts.log(`${signal} a third time: exiting without finishing the clean-up (${opts.cleanup})`);
      process.exit(130);
    }
  };
  for (const sig of TERMINATION_SIGNALS) process.on(sig, handler);
  return () => {
    for (const sig of TERMINATION_SIGNALS) process.off(sig, handler);
  };
}
